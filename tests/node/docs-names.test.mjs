// A map that cannot drift: every path, module, type and function that
// ARCHITECTURE.md, README.md and docs/ name in backticks exists in the
// tree. A rename that leaves a document behind fails here, naming the stale
// name and the file and line it appears in. Reads sources only (no build).
//
// What counts as a name (a backtick span outside fenced code blocks):
// - a path: it has a `/` between word characters and starts with a folder
//   that exists, or ends in a known file extension. It must exist from the
//   folder of the table row or heading it sits under (a code map's
//   `### \`src/engine/\`` holds `error.rs`), from the root or from the
//   document's folder; a bare file name may also be any file of that name.
//   `skilift/...` is a subpath of the package's exports map. Paths the build
//   or a run makes (`pkg/`, `target/`, `demo-data/`) and paths with a
//   placeholder (`<…>`, `…`, `*`) are not checked.
// - `npm run NAME`: NAME is a script of package.json.
// - a code name: identifiers joined by `::` or `.`, optionally called
//   (`name(…)`). `A::b`: `b` is a member of type, trait or enum `A` (method,
//   field, variant, associated item) or an item of module `A`. `a.b`: the
//   receiver is a JavaScript global (`Date.now`: not ours, not checked), or
//   `b` is declared. A name is declared when Rust declares it (src/,
//   tests/), JavaScript declares it (js/, tests/, scripts/, bench/, demo/,
//   examples/; parameters and properties included), the bindings export it
//   (`js_name`), the code spells it as a string (error codes, sabotage
//   kinds, record fields), Cargo.toml names the crate, or it is a
//   JavaScript global. An upper-case name with `_` may be an environment
//   variable a source or script reads. All-lowercase words (`get`,
//   `writers`) are checked too; the few words that are not ours are in
//   NOT_OURS, each with its reason.
// - a name written beside a file (`name` (`path`), `name`, `path`, `name`
//   in `path`) must be declared in that file (`Type::member`: in a block
//   of `Type` there).
// - anything else (expressions with spaces, JSON, values, commands other
//   than `npm run`, keywords, upper-case HTTP and Redis words) is not a name.
//
// A second test follows every Markdown link, `docs/…md#section` reference
// and reference to a heading by its title (ARCHITECTURE.md, "Code map") (in documents and in source comments)
// to its file and heading.

import { test } from "node:test";
import assert from "node:assert/strict";
import { dirname, join, normalize } from "node:path";
import { anchors, backtickSpans, baseNames, crates, declaredIn, environmentNames, exists, files, jsNames, read, rustNames, stringWords } from "./doc-names.mjs";

// Words in backticks that look like code names but name nothing of this
// project, each with why. Keep it short: a stale name must never hide here.
const NOT_OURS = new Map([
  ["Drop", "Rust's trait"],
  ["Cell", "Rust's std::cell::Cell"],
  ["RefCell", "Rust's std::cell::RefCell"],
  ["spawn_local", "wasm_bindgen_futures's function"],
  ["unwrap", "Rust's Option/Result method"],
  ["Redis", "ioredis's client class"],
  ["Cluster", "ioredis's cluster class"],
  ["ioredis", "the npm package"],
  ["commandTimeout", "an ioredis option"],
  ["autoResendUnfulfilledCommands", "an ioredis option"],
  ["everysec", "a Redis appendfsync setting"],
  ["curl", "the command-line tool"],
  ["web_sys", "a crate the engine must not use (not a dependency)"],
  ["nodejs", "a wasm-bindgen target"],
  ["js_name", "a wasm-bindgen attribute"],
  ["sideEffects", "a package.json field"],
  ["node_modules", "npm's folder"],
  ["a1b2", "an example version token"],
  ["ix0", "an example hash tag (docs/redis.md)"],
  ["ix1", "an example hash tag (docs/redis.md)"],
  ["ixa", "an example hash tag (docs/redis.md)"],
  ["strictObject", "a zod function (docs/api.md, schemas)"],
  ["gameServer", "the Colyseus Server instance of the example"],
  // Colyseus's own API, named by docs/colyseus.md where a call goes:
  ["define", "Colyseus 0.17's schema function"],
  ["defineServer", "Colyseus 0.17's server function"],
  ["ServerError", "Colyseus's error class"],
  ["onShutdown", "a Colyseus Server hook"],
  ["onBeforeShutdown", "a Colyseus Server hook"],
  ["gracefullyShutdown", "a Colyseus Server method"],
  ["sessionId", "a Colyseus client's id"],
  ["onDrop", "a Colyseus 0.17 Room hook"],
  ["onReconnect", "a Colyseus 0.17 Room hook"],
  ["allowReconnection", "a Colyseus Room method"],
  ["consented", "onLeave's argument in Colyseus"],
]);

// JavaScript's keywords and literals are values or syntax, not names.
const KEYWORDS = new Set(["true", "false", "null", "undefined", "this", "delete", "new", "typeof", "await", "in", "of"]);

const GENERATED = /^(pkg|target|demo-data|node_modules)(\/|$)/;
const PLACEHOLDER = /[<>…*]|\.\.\./;
const EXTENSIONS = /\.(rs|js|mjs|cjs|ts|md|sh|toml|json|html|lock|lua|sql|proptest-regressions)$/;
const IDENT = "[A-Za-z_$~][\\w$]*";
const CODE_NAME = new RegExp(`^(${IDENT}(?:(?:::|\\.)${IDENT})*)(?:\\((.*)\\))?$`);

const rust = rustNames();
const js = jsNames();
const words = stringWords();
const crateNames = crates();
const environment = environmentNames();
const bases = baseNames();
const scripts = new Set(Object.keys(JSON.parse(read("package.json")).scripts));
const subpaths = new Set(Object.keys(JSON.parse(read("pkg-template/package.json")).exports).map((p) => p.replace(/^\.\/?/, "skilift/").replace(/\/$/, "")));
const topLevel = (dir) => (p) => exists(join(dir, p.split("/")[0]));

const isGlobal = (name) => name in globalThis;
const declared = (name) =>
  crateNames.has(name) || rust.names.has(name) || js.has(name) || words.has(name) || isGlobal(name) || [...rust.members.values()].some((m) => m.has(name));

// A path, or undefined if the span is not one.
function pathProblem(text, doc, folders) {
  const path = text.replace(/#.*$/, "").replace(/\/$/, "");
  if (/^skilift(\/|$)/.test(path)) return subpaths.has(path) ? undefined : `the package exports no \`${path}\``;
  if (GENERATED.test(path) || PLACEHOLDER.test(path) || /^\.\w/.test(path)) return;
  const from = ["", ...folders, dirname(doc)];
  if (!EXTENSIONS.test(path) && !from.some((b) => topLevel(b)(path))) return; // not a path: `name/scope`, a MIME type
  if (from.some((base) => exists(normalize(join(base, path))))) return;
  if (!path.includes("/") && bases.has(path)) return; // a file named without its folder
  return `no such path (looked from ${from.map((b) => `${b || "."}/`).join(", ")})`;
}

function rustProblem(segments) {
  if (segments[0] === "crate") return segments.slice(1).every((s) => rust.modules.has(s) || rust.names.has(s)) ? undefined : "no such item";
  const [owner, member] = segments.slice(-2);
  if (NOT_OURS.has(owner) || crateNames.has(owner)) return;
  if (/^[A-Z]$/.test(owner)) return declared(member) ? undefined : `no \`${member}\``; // a type parameter: \`H::Doc\``
  if (rust.members.get(owner)?.has(member)) return;
  const decl = new RegExp(`\\b(fn|struct|enum|trait|mod|type|const|static)\\s+${member}\\b`);
  const modules = rust.modules.get(owner);
  if (modules && [...modules].some((code) => decl.test(code))) return;
  return rust.names.has(owner) || modules ? `\`${owner}\` has no \`${member}\`` : `no type or module \`${owner}\``;
}

function problem(span, doc) {
  const text = span.text;
  if (/^npm run [\w:-]+/.test(text)) {
    const name = text.split(/\s+/)[2];
    return scripts.has(name) ? undefined : `package.json has no script \`${name}\``;
  }
  if (/\s/.test(text.replace(/\(.*\)$/s, ""))) return; // an expression or a command
  if (/\w\/\w/.test(text) || /^[\w.-]+\/$/.test(text) || EXTENSIONS.test(text.replace(/#.*$/, ""))) return pathProblem(text, doc, span.folders);
  const m = CODE_NAME.exec(text);
  if (!m) return; // a value, JSON, an operator
  const name = m[1];
  if (NOT_OURS.has(name) || KEYWORDS.has(name) || name.length < 2) return; // `_`, `x`: not names
  if (/^[A-Z0-9]+$/.test(name)) return; // HTTP, Redis and SQL words
  if (/^[A-Z][A-Z0-9]*_[A-Z0-9_]+$/.test(name) && environment.has(name)) return; // an environment variable or constant
  if (name.includes("::")) return rustProblem(name.split("::"));
  const parts = name.split(".");
  const last = parts[parts.length - 1];
  if (parts.length > 1 && isGlobal(parts[0])) return; // JavaScript's own (`Date.now`)
  return declared(last) ? undefined : `nothing in src/, tests/ or js/ declares \`${last}\``;
}

const DOCS = ["ARCHITECTURE.md", "README.md", ...files("docs", /\.md$/)];

// `name` (`path`), `name`, `path` and `name` in `path` say where a name
// lives: it must be declared in that very file (`Type::member`: in a block
// of `Type` there, or `module::item` in that module's file).
function placeProblem(span, next, doc) {
  const m = CODE_NAME.exec(span.text);
  if (!m || EXTENSIONS.test(span.text) || !next || !/^\s*(\(|,|in)\s*$/.test(span.gap ?? "") || !/\.(rs|m?js|cjs|d\.ts)$/.test(next.text)) return;
  const path = [...next.folders, "", dirname(doc)].map((b) => normalize(join(b, next.text))).find((p) => exists(p));
  const segments = m[1].split(/::|\./);
  const name = segments[segments.length - 1];
  if (!path || NOT_OURS.has(name) || NOT_OURS.has(segments[0]) || crateNames.has(segments[0]) || !declared(name)) return;
  const owner = m[1].includes("::") ? segments[segments.length - 2] : undefined;
  const stem = path.replace(/\.rs$/, "").split("/").pop();
  const found = owner && path.endsWith(".rs") && owner !== stem ? rust.byFile.get(path)?.get(owner)?.has(name) : declaredIn(path, name);
  return found ? undefined : `not declared in \`${path}\`${owner && owner !== stem ? ` (in a block of \`${owner}\`)` : ""}`;
}

test("every name in backticks in ARCHITECTURE.md, README.md and docs/ exists in the tree", () => {
  const stale = [];
  let checked = 0;
  for (const doc of DOCS) {
    const spans = backtickSpans(read(doc));
    spans.forEach((span, i) => {
      checked++;
      const found = problem(span, doc) ?? placeProblem(span, spans[i + 1], doc);
      if (found) stale.push(`${doc}:${span.line}: \`${span.text}\`: ${found}`);
    });
  }
  assert.ok(checked > 1000, `read only ${checked} backtick spans`);
  assert.deepEqual(stale, [], `stale names (fix the document, or list a word that names nothing of ours in NOT_OURS):\n${stale.join("\n")}`);
});

// Links between documents, and the `docs/…md#section` references that
// source files and docs make, land on a file and heading that exist.
test("every link and docs/ section reference resolves", () => {
  const headings = new Map();
  const sections = (file) => {
    if (!headings.has(file)) headings.set(file, new Set(anchors(read(file)).map((h) => h.anchor)));
    return headings.get(file);
  };
  const broken = [];
  const resolve = (where, target, from) => {
    const [path, anchor] = target.split("#");
    const file = path ? normalize(join(from, path)) : where.file;
    if (!exists(file)) return broken.push(`${where.file}:${where.line}: ${target}: no such file`);
    if (anchor && file.endsWith(".md") && !sections(file).has(anchor)) broken.push(`${where.file}:${where.line}: ${target}: ${file} has no heading #${anchor}`);
  };
  const markdown = [...DOCS, "README.md", "tests/sim/README.md", "pkg-template/README.md"];
  for (const file of markdown) {
    read(file).split("\n").forEach((line, i) => {
      for (const m of line.matchAll(/\]\(([^)\s]+)\)/g))
        if (!/^[a-z]+:/.test(m[1])) resolve({ file, line: i + 1 }, m[1], file.startsWith("pkg-template/") ? "." : dirname(file));
    });
  }
  const sources = [...markdown, "Cargo.toml", ...["src", "js", "tests", "scripts"].flatMap((d) => files(d, /\.(rs|m?js|cjs|ts|sh)$/))];
  const titles = (file) => new Set(anchors(read(file)).map((h) => h.text));
  for (const file of sources) {
    const text = read(file);
    text.split("\n").forEach((line, i) => {
      for (const m of line.matchAll(/(?<![\w/.])(docs\/[\w-]+\.md#[\w-]+)/g)) resolve({ file, line: i + 1 }, m[1], "");
    });
    // `ARCHITECTURE.md, "Code map"`: a heading named by its title, in a
    // comment that may wrap (comment markers blanked, offsets kept).
    const flat = text.replace(/^[ \t]*(\/\/[!/]?|#|\*)/gm, (c) => " ".repeat(c.length)).replace(/\n/g, " ");
    for (const m of flat.matchAll(/(?<![\w/.-])([\w/.-]+\.md),?\s+"([^"]+)"/g)) {
      const target = [m[1], normalize(join(dirname(file), m[1]))].find((t) => exists(t));
      const line = text.slice(0, m.index).split("\n").length;
      const title = m[2].replace(/\s+/g, " ");
      if (!target) broken.push(`${file}:${line}: ${m[1]}: no such file`);
      else if (target.endsWith(".md") && !titles(target).has(title)) broken.push(`${file}:${line}: ${m[1]}, "${title}": no such heading`);
    }
  }
  assert.deepEqual(broken, []);
});

// The map says which test enforces what, not how often it fails: counts of
// seeds, violations, mutants or runs change with every run and belong next
// to the test that measured them (tests/sim/README.md).
test("ARCHITECTURE.md carries no measured figures", () => {
  const figure = /\b\d[\d,.]*\s+(?:of\s+[\d,.]+\s+)?(?:seeds?|violations?|mutants?|survivors?|kills?|runs?|failures?)\b/gi;
  const found = [];
  read("ARCHITECTURE.md").split("\n").forEach((line, i) => {
    for (const m of line.matchAll(figure)) found.push(`ARCHITECTURE.md:${i + 1}: "${m[0]}" (move it next to the test that measured it)`);
  });
  assert.deepEqual(found, []);
});
