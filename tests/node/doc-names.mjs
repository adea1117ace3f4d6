// What the tidy tests of the documentation read: the names the code
// declares (Rust and JavaScript, from source, no build needed) and the
// backtick spans of a Markdown file. docs-names.test.mjs says what counts as
// a name and checks each one; api-surface.test.mjs compares the public calls.

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = fileURLToPath(new URL("../../", import.meta.url));
export const read = (path) => readFileSync(join(root, path), "utf8");
export const exists = (path) => existsSync(join(root, path));

// Build output, dependencies and the session machinery are not the project's source.
const SKIP_DIRS = new Set(["node_modules", "target", "pkg", ".git", "demo-data", "dist"]);

export function files(dir, pattern) {
  const out = [];
  const walk = (d) => {
    if (!existsSync(join(root, d))) return;
    for (const entry of readdirSync(join(root, d), { withFileTypes: true })) {
      const path = d ? `${d}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (!SKIP_DIRS.has(entry.name)) walk(path);
      } else if (pattern.test(entry.name)) out.push(path);
    }
  };
  walk(dir);
  return out;
}

// The crates of Cargo.toml, as Rust code spells them (`wasm-bindgen` → `wasm_bindgen`).
export function crates() {
  return new Set([...read("Cargo.toml").matchAll(/^([\w-]+)\s*=/gm)].map((m) => m[1].replace(/-/g, "_")));
}

// The base names of every file of the tree, for a file named without its folder.
export function baseNames() {
  const all = files("", /./);
  return new Set(all.map((p) => p.split("/").pop()));
}

// Rust without comments, string and char literals, so that braces and
// words inside them neither unbalance blocks nor pass for declarations.
export function stripRust(src) {
  let out = "";
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    const rest = src.slice(i, i + 3);
    if (c === "/" && src[i + 1] === "/") {
      while (i < src.length && src[i] !== "\n") i++;
    } else if (c === "/" && src[i + 1] === "*") {
      const end = src.indexOf("*/", i + 2);
      i = end < 0 ? src.length : end + 2;
    } else if (/^b?r#*"/.test(rest) && !/\w/.test(src[i - 1] ?? "")) {
      const m = /^b?r(#*)"/.exec(src.slice(i));
      const end = src.indexOf(`"${m[1]}`, i + m[0].length);
      out += '""';
      i = end < 0 ? src.length : end + 1 + m[1].length;
    } else if (c === '"') {
      i++;
      while (i < src.length && src[i] !== '"') i += src[i] === "\\" ? 2 : 1;
      out += '""';
      i++;
    } else if (c === "'" && /^'(\\.[^']*|[^\\'])'/.test(src.slice(i, i + 12))) {
      i += /^'(\\.[^']*|[^\\'])'/.exec(src.slice(i, i + 12))[0].length;
      out += "' '";
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

// The body of the block whose `{` is at `open`, by brace matching.
function block(code, open) {
  let depth = 0;
  for (let i = open; i < code.length; i++) {
    if (code[i] === "{") depth++;
    else if (code[i] === "}" && --depth === 0) return code.slice(open + 1, i);
  }
  return code.slice(open + 1);
}

// The names declared at the top level of a struct or enum body: fields and
// variants (what sits before the first `:`, `(`, `{` or `=` of each item).
function topLevelItems(body) {
  let depth = 0;
  let flat = "";
  for (const c of body) {
    if ("({[".includes(c)) depth++;
    else if (")}]".includes(c)) depth--;
    else if (depth === 0) flat += c;
  }
  return flat
    .split(",")
    .map((item) => item.replace(/#\s*/g, "").replace(/\bpub\b/g, "").trim())
    .map((item) => /^(?:r#)?([A-Za-z_]\w*)/.exec(item)?.[1])
    .filter(Boolean);
}

// The type a block belongs to: `impl<H: Host> Trait for Type<H>` → Type,
// `trait Host: 'static` → Host, `struct Known<H>` → Known.
function blockOwner(kind, header) {
  let text = header.replace(/\bwhere\b[\s\S]*$/, "").trim();
  if (kind === "impl") {
    while (/<[^<>]*>/.test(text)) text = text.replace(/<[^<>]*>/g, "");
    text = text.split(/\bfor\b/).pop().trim();
    return /^(?:(?:[A-Za-z_]\w*)::)*([A-Za-z_]\w*)/.exec(text.replace(/^[&\s]*(dyn\s+)?/, ""))?.[1];
  }
  return /^([A-Za-z_]\w*)/.exec(text)?.[1];
}

const RUST_DECL = /\b(?:fn|struct|enum|trait|mod|type|const|static|union)\s+(?:r#)?([A-Za-z_]\w*)/g;

// Every Rust item of src/ and tests/: `names` (declared anywhere), `members`
// (per type, trait or enum: its methods, fields, variants, associated
// items), `byFile` (the same, per file), `modules` (per module name, the
// files it spans).
export function rustNames() {
  const names = new Set();
  const members = new Map();
  const modules = new Map();
  const byFile = new Map();
  const add = (owner, name, path) => {
    if (!members.has(owner)) members.set(owner, new Set());
    members.get(owner).add(name);
    if (!byFile.has(path)) byFile.set(path, new Map());
    const own = byFile.get(path);
    if (!own.has(owner)) own.set(owner, new Set());
    own.get(owner).add(name);
  };
  for (const path of [...files("src", /\.rs$/), ...files("tests", /\.rs$/)]) {
    const code = stripRust(readFileSync(join(root, path), "utf8"));
    for (const m of code.matchAll(RUST_DECL)) names.add(m[1]);
    for (const segment of path.replace(/\.rs$/, "").split("/").slice(1)) {
      if (!modules.has(segment)) modules.set(segment, new Set());
      modules.get(segment).add(code);
    }
    const blocks = /\b(impl|trait|enum|struct)\b([^;{]*?)\{/g;
    for (const m of code.matchAll(blocks)) {
      const owner = blockOwner(m[1], m[2]);
      if (!owner) continue;
      const body = block(code, m.index + m[0].length - 1);
      for (const d of body.matchAll(RUST_DECL)) add(owner, d[1], path);
      if (m[1] === "enum" || m[1] === "struct") for (const item of topLevelItems(body)) add(owner, item, path);
    }
  }
  return { names, members, modules, byFile };
}

// How JavaScript declares a name: functions, classes, variables, methods
// and properties (also in .d.ts), assignments to a property, exports, types.
const JS_PATTERNS = [
  /\b(?:function\s*\*?|class|const|let|var)\s+([A-Za-z_$][\w$]*)/g,
  /^\s*(?:(?:static|async|get|set|readonly|private|export|declare|abstract)\s+)*\*?\s*#?([A-Za-z_$][\w$]*)\s*\??\s*[(<:]/gm,
  /[{,(]\s*([A-Za-z_$][\w$]*)\??\s*[:(]/g,
  /\.([A-Za-z_$][\w$]*)\s*=(?!=)/g,
  /\bexport\s*\{([^}]*)\}/g,
  /\b(?:interface|type)\s+([A-Za-z_$][\w$]*)/g,
];

// The JavaScript names the project declares (functions, classes, methods,
// variables, properties, exports) in its own .js/.mjs/.cjs/.ts files, and
// the names the bindings export to JS (`js_name = ...`).
export function jsNames() {
  const names = new Set();
  const sources = ["js", "tests", "scripts", "bench", "demo", "examples", "pkg-template"].flatMap((d) =>
    files(d, /\.(m?js|cjs|ts)$/),
  );
  for (const path of sources) {
    const text = readFileSync(join(root, path), "utf8");
    for (const pattern of JS_PATTERNS)
      for (const m of text.matchAll(pattern))
        for (const name of m[1].split(",").map((n) => n.trim().split(/\s+as\s+/).pop()))
          if (name) names.add(name);
  }
  for (const path of files("src/bindings", /\.rs$/))
    for (const m of readFileSync(join(root, path), "utf8").matchAll(/\bjs_name\s*=\s*"?([\w$]+)"?/g)) names.add(m[1]);
  return names;
}

// The stable words the code spells as string literals in src/ and js/:
// error codes (engine and HTTP protocol), sabotage switches, record fields,
// quoted property names such as `"~standard"`.
export function stringWords() {
  const words = new Set();
  for (const path of [...files("src", /\.rs$/), ...files("js", /\.(m?js|cjs|ts)$/)]) {
    for (const m of readFileSync(join(root, path), "utf8").matchAll(/["'`]([~a-z][a-z0-9_]*)["'`]/g)) words.add(m[1]);
  }
  return words;
}

// The backtick spans of a Markdown file outside fenced code blocks, with
// their line; a span may cross a line break. Double-backtick spans (which
// may hold a backtick) are read as one span.
export function backtickSpans(text) {
  const spans = [];
  let fenced = false;
  const lines = text.split("\n");
  const kept = lines.map((line) => {
    if (/^\s*(```|~~~)/.test(line)) {
      fenced = !fenced;
      return "";
    }
    return fenced ? "" : line;
  });
  const body = kept.join("\n");
  for (const m of body.matchAll(/(``?)(?!`)([^`]|[^`][\s\S]*?[^`])\1(?!`)/g)) {
    const line = body.slice(0, m.index).split("\n").length;
    const lineText = lines[line - 1];
    const rowFolder = lineText.startsWith("|") ? /`([\w./-]+\/)`/.exec(lineText)?.[1] : undefined;
    const folder = folderAt(body, m.index);
    // Most specific first: the row's folder inside the heading's, then each alone.
    const folders = [folder && rowFolder ? `${folder}${rowFolder}` : undefined, rowFolder, folder].filter(Boolean);
    const previous = spans[spans.length - 1];
    if (previous) previous.gap = body.slice(previous.end, m.index);
    spans.push({ text: m[2].replace(/\s*\n\s*/g, " ").trim(), line, folders, end: m.index + m[0].length });
  }
  return spans;
}

// The folder a bare file name at `offset` lives in: the one the nearest
// heading above names in backticks (a code map's `### \`src/engine/\``).
function folderAt(text, offset) {
  const headings = [...text.slice(0, offset).matchAll(/^#+\s+(.*)$/gm)];
  const last = headings.length ? headings[headings.length - 1][1].trim() : "";
  return /^`([^`]+\/)`$/.exec(last)?.[1];
}

// GitHub's heading anchors: lower case, punctuation dropped, spaces to `-`.
function slug(heading) {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

export function anchors(markdown) {
  const seen = new Map();
  const out = [];
  let fenced = false;
  markdown.split("\n").forEach((line, i) => {
    if (/^\s*```/.test(line)) fenced = !fenced;
    const m = !fenced && /^(#+)\s+(.*?)\s*$/.exec(line);
    if (!m) return;
    const base = slug(m[2].replace(/`/g, ""));
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.push({ text: m[2].replace(/`/g, ""), anchor: n ? `${base}-${n}` : base, line: i + 1 });
  });
  return out;
}

// Whether `name` is declared in the file at `path`: a Rust item or member
// (or a `js_name` it exports), or a JavaScript declaration.
export function declaredIn(path, name) {
  const text = readFileSync(join(root, path), "utf8");
  if (path.endsWith(".rs")) {
    const code = stripRust(text);
    return new RegExp(`\\b(?:fn|struct|enum|trait|mod|type|const|static)\\s+(?:r#)?${name}\\b`).test(code) ||
      new RegExp(`\\bjs_name\\s*=\\s*"?${name}\\b`).test(text) ||
      // a field or variant: `name: T`, `Name,`, `Name {`, `Name(T),`
      new RegExp(`^\\s*(?:pub(?:\\([^)]*\\))?\\s+)?${name}\\s*(?::[^:]|,|\\{|$|\\(.*\\),?\\s*$)`, "m").test(code);
  }
  const names = (m) => m[1].split(",").map((n) => n.trim().split(/\s+as\s+/).pop());
  return JS_PATTERNS.some((p) => [...text.matchAll(p)].some((m) => names(m).includes(name)));
}

// The environment variables the code and scripts read (`SKILIFT_SIM_SEEDS`):
// every upper-case word with an underscore that a source file or script holds.
export function environmentNames() {
  const names = new Set();
  const sources = ["src", "js", "tests", "scripts", "bench", "demo", "examples"].flatMap((d) => files(d, /\.(rs|m?js|cjs|ts|sh)$/));
  for (const path of sources)
    for (const m of readFileSync(join(root, path), "utf8").matchAll(/\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b/g)) names.add(m[0]);
  return names;
}
