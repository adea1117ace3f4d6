// One normative description per public call: docs/api.md is the contract;
// the .d.ts of each entry point carries the short form with an
// `@see` link to its section there; README.md's tables a one-line
// summary. These tests check that the three name the same calls (and the
// same options, and the same error codes), and fail naming the call missing
// from one. Reads sources only (no build needed).
//
// A public call is a constructor, method or function of a class or function
// that an entry point of the package exports (pkg-template/package.json
// `exports`, following `export { … } from` re-exports). Properties are not
// calls. A class that `implements Backend` gets its contract methods from
// docs/backend-contract.md: the `Backend` interface links there instead.
//
// Names: `new Store(…)` is Store.constructor; `store.load(…)` and
// `fsBackend.keys(…)` are Store.load and FsBackend.keys (the receiver is
// the class, lower-cased); `transaction(…)` is a function. In README.md a
// constructor may be written without `new` (`FsBackend(dir)`). An error
// class (`SkiliftError`) is thrown, not called: its section is its name,
// and README.md need not list it.

import { test } from "node:test";
import assert from "node:assert/strict";
import { dirname, join, normalize } from "node:path";
import { anchors, exists, read } from "./doc-names.mjs";

// `new Store(options)` → Store.constructor; `store.load(key)` → Store.load;
// `strict(value?)` → strict; `FsBackend(dir)` → FsBackend.constructor when
// FsBackend is a class. Anything else → undefined.
function callKey(text, classes) {
  if (errorClasses.has(text.trim())) return text.trim();
  const m = /^(new\s+)?([A-Za-z_$][\w$]*)(?:\.([A-Za-z_$][\w$]*))?\s*\(/.exec(text.trim());
  if (!m) return;
  const [, isNew, head, member] = m;
  if (member) return `${head[0].toUpperCase()}${head.slice(1)}.${member}`;
  if (isNew || classes.has(head)) return `${head}.constructor`;
  return head;
}

// Error classes: thrown, not called; their section is the class's name.
const errorClasses = new Set();

// Comments blanked to spaces (so braces in them do not count), with the
// JSDoc blocks kept apart by where they end.
function blankComments(text) {
  const docs = [];
  const code = text.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, (c, at) => {
    if (c.startsWith("/**")) docs.push({ end: at + c.length, text: c });
    return c.replace(/[^\n]/g, " ");
  });
  return { code, docs };
}

const docBefore = (code, docs, at) => docs.find((d) => d.end <= at && /^\s*$/.test(code.slice(d.end, at)))?.text;

function closing(code, open) {
  let depth = 0;
  for (let i = open; i < code.length; i++) {
    if (code[i] === "{") depth++;
    else if (code[i] === "}" && --depth === 0) return i;
  }
  return code.length;
}

// The calls a .d.ts declares: [{ key, doc, file, line }], its classes, and
// the members of interface `Backend` when it declares it.
function declarations(file, seen = new Set()) {
  if (seen.has(file)) return { calls: [], classes: new Set(), backend: [] };
  seen.add(file);
  const text = read(file);
  const { code, docs } = blankComments(text);
  const lineOf = (at) => code.slice(0, at).split("\n").length;
  const calls = [];
  const classes = new Set();
  const backend = [];
  for (const m of code.matchAll(/^export\s+(?:declare\s+)?class\s+(\w+)([^{]*)\{/gm)) {
    const [, name, heritage] = m;
    classes.add(name);
    if (/\bextends\s+Error\b/.test(heritage)) errorClasses.add(name);
    const classDoc = docBefore(code, docs, m.index);
    const open = m.index + m[0].length - 1;
    const body = code.slice(open + 1, closing(code, open));
    let depth = 0;
    let at = open + 1;
    for (const line of body.split("\n")) {
      const member = depth === 0 && /^\s*(private\s+)?(?:static\s+)?(constructor|[A-Za-z_$][\w$]*)\s*\??\s*[(<]/.exec(line);
      if (member && !member[1]) {
        // An error class is documented as a whole, in a section named after it.
        const ctor = /\bextends\s+Error\b/.test(heritage) ? name : `${name}.constructor`;
        const key = member[2] === "constructor" ? ctor : `${name}.${member[2]}`;
        const doc = docBefore(code, docs, at + line.search(/\S/));
        calls.push({ key, doc: member[2] === "constructor" ? [classDoc, doc].join("\n") : doc, file, line: lineOf(at), signature: line, contract: /\bimplements\s+Backend\b/.test(heritage) });
      }
      for (const c of line) depth += c === "{" ? 1 : c === "}" ? -1 : 0;
      at += line.length + 1;
    }
  }
  for (const m of code.matchAll(/^export\s+(?:declare\s+)?function\s+(\w+)[^\n]*/gm))
    calls.push({ key: m[1], doc: docBefore(code, docs, m.index), file, line: lineOf(m.index), signature: m[0] });
  const iface = /^export\s+interface\s+Backend\s*\{/m.exec(code);
  if (iface) {
    const open = iface.index + iface[0].length - 1;
    const body = code.slice(open + 1, closing(code, open));
    for (const m of body.matchAll(/^\s*([A-Za-z_$][\w$]*)\??\s*\(/gm))
      backend.push({ name: m[1], doc: docBefore(code, docs, open + 1 + m.index + m[0].search(/\S/)), file, line: lineOf(open + 1 + m.index) });
  }
  for (const m of code.matchAll(/^export\s*\{([^}]*)\}\s*from\s*"([^"]+)"/gm)) {
    const target = normalize(join(dirname(file), m[2].replace(/\.js$/, ".d.ts")));
    if (!exists(target)) continue;
    const names = new Set(m[1].split(",").map((n) => n.trim()));
    const more = declarations(target, seen);
    calls.push(...more.calls.filter((c) => names.has(c.key.split(".")[0])));
    for (const c of more.classes) if (names.has(c)) classes.add(c);
  }
  for (const m of code.matchAll(/^import\s+type\s*\{[^}]*\}\s*from\s*"([^"]+)"/gm)) {
    const target = normalize(join(dirname(file), m[1].replace(/\.js$/, ".d.ts")));
    if (exists(target) && !seen.has(target)) backend.push(...declarations(target, seen).backend);
  }
  return { calls, classes, backend };
}

const pkgTypes = Object.values(JSON.parse(read("pkg-template/package.json")).exports)
  .map((e) => (typeof e === "string" ? e : e.types))
  .filter((t) => t?.endsWith(".d.ts"))
  .map((t) => normalize(join("js", t)));

const seenFiles = new Set();
const surface = pkgTypes.map((file) => declarations(file, seenFiles));
const classes = new Set(surface.flatMap((s) => [...s.classes]));
const dtsCalls = surface.flatMap((s) => s.calls).filter((c) => !c.contract || !surface.some((s) => s.backend.some((b) => `${c.key.split(".")[0]}.${b.name}` === c.key)));
const backendMembers = surface.flatMap((s) => s.backend);

const api = read("docs/api.md");
const apiHeadings = anchors(api);
const apiCalls = new Map();
for (const h of apiHeadings) {
  const key = callKey(h.text, classes);
  if (key) apiCalls.set(key, h);
}

// The calls README.md names in the first column of its tables (or, for a
// table of backends, anywhere in the row).
const readme = read("README.md");
const readmeCalls = new Map();
readme.split("\n").forEach((line, i) => {
  if (!line.startsWith("|")) return;
  for (const m of line.matchAll(/`([^`]+)`/g)) {
    const key = callKey(m[1], classes);
    if (key && (apiCalls.has(key) || dtsCalls.some((c) => c.key === key) || /\.|^new /.test(m[1]))) readmeCalls.set(key, i + 1);
  }
});

const name = (key) => key.replace(/\.constructor$/, " (constructor)");
const HOW =
  "A public call needs a section in docs/api.md (its normative description), an `@see` link to that section in its .d.ts doc, and a line in a table of README.md:";

test("the entry points' .d.ts files declare calls to check", () => {
  assert.ok(pkgTypes.includes("js/index.d.ts"), `the exports map names ${pkgTypes.join(", ")}`);
  for (const key of ["Store.constructor", "Store.load", "Session.patch", "Session.await", "View.latest", "transaction", "strict", "FsBackend.constructor"])
    assert.ok(dtsCalls.some((c) => c.key === key), `the parser found no ${key} in ${pkgTypes.join(", ")}`);
  assert.ok(backendMembers.some((b) => b.name === "put"), "the Backend interface was found");
});

test("docs/api.md and the .d.ts files name the same calls", () => {
  const missing = [];
  for (const c of dtsCalls)
    if (!apiCalls.has(c.key)) missing.push(`${c.file}:${c.line}: ${name(c.key)} has no section in docs/api.md`);
  const declared = new Set(dtsCalls.map((c) => c.key));
  for (const [key, h] of apiCalls)
    if (!declared.has(key)) missing.push(`docs/api.md:${h.line}: "${h.text}": no .d.ts of an entry point declares ${name(key)}`);
  assert.deepEqual(missing, [], `${HOW}\n${missing.join("\n")}`);
});

test("each call's .d.ts doc links to its own section of docs/api.md", () => {
  const wrong = [];
  for (const c of dtsCalls) {
    const section = apiCalls.get(c.key);
    if (!section) continue; // reported by the test above
    const links = [...(c.doc ?? "").matchAll(/@see\s+docs\/api\.md#([\w-]+)/g)].map((m) => m[1]);
    if (!links.includes(section.anchor))
      wrong.push(`${c.file}:${c.line}: ${name(c.key)}: wants "@see docs/api.md#${section.anchor}"${links.length ? `, has #${links.join(", #")}` : ""}`);
  }
  assert.deepEqual(wrong, [], `${HOW}\n${wrong.join("\n")}`);
});

test("the Backend interface links each method to docs/backend-contract.md", () => {
  const contract = new Set(anchors(read("docs/backend-contract.md")).map((h) => h.anchor));
  const wrong = [];
  for (const b of backendMembers) {
    const link = /@see\s+docs\/backend-contract\.md#([\w-]+)/.exec(b.doc ?? "")?.[1];
    if (!link || !contract.has(link)) wrong.push(`${b.file}:${b.line}: Backend.${b.name}: ${link ? `no section #${link}` : "no @see docs/backend-contract.md#…"}`);
  }
  assert.deepEqual(wrong, []);
});

test("README.md's tables give every call of docs/api.md a line, and no other", () => {
  const missing = [];
  for (const [key, h] of apiCalls)
    if (!readmeCalls.has(key) && !errorClasses.has(key)) missing.push(`README.md: no table row names ${name(key)} (docs/api.md:${h.line})`);
  for (const [key, line] of readmeCalls)
    if (!apiCalls.has(key)) missing.push(`README.md:${line}: ${name(key)} has no section in docs/api.md`);
  assert.deepEqual(missing, [], `${HOW}\n${missing.join("\n")}`);
});

// The error codes are public names too: the engine's (Code::as_str), the
// contract's (a heading each in docs/errors.md) and the types'
// (SkiliftErrorCode) are one list.
test("src/engine/error.rs, docs/errors.md and SkiliftErrorCode list the same error codes", () => {
  const engine = new Set([...read("src/engine/error.rs").matchAll(/=>\s*"([a-z_]+)"/g)].map((m) => m[1]));
  const contract = new Set(anchors(read("docs/errors.md")).filter((h) => /^[a-z_]+$/.test(h.text)).map((h) => h.text));
  const union = /export type SkiliftErrorCode\s*=([^;]*);/.exec(read("js/errors.d.ts"))?.[1] ?? "";
  const types = new Set([...union.matchAll(/"([a-z_]+)"/g)].map((m) => m[1]));
  assert.ok(engine.size > 10 && contract.size > 10 && types.size > 10, "the three lists were found");
  const missing = [];
  for (const [list, where] of [[engine, "src/engine/error.rs (Code::as_str)"], [contract, "docs/errors.md (a ### heading)"], [types, "js/errors.d.ts (SkiliftErrorCode)"]])
    for (const code of new Set([...engine, ...contract, ...types])) if (!list.has(code)) missing.push(`${code}: missing from ${where}`);
  assert.deepEqual(missing, []);
});

// The top-level members of `interface name` in `file`, with those of the
// interfaces it extends in the same file.
function interfaceMembers(file, name) {
  const { code } = blankComments(read(file));
  const m = new RegExp(`^export\\s+interface\\s+${name}\\b(?:<[^>]*>)?([^{]*)\\{`, "m").exec(code);
  if (!m) return;
  const open = m.index + m[0].length - 1;
  const members = new Set();
  let depth = 0;
  for (const line of code.slice(open + 1, closing(code, open)).split("\n")) {
    const member = depth === 0 && /^\s*(?:readonly\s+)?([A-Za-z_$][\w$]*)\??\s*:/.exec(line);
    if (member) members.add(member[1]);
    for (const c of line) depth += "{(".includes(c) ? 1 : "})".includes(c) ? -1 : 0;
  }
  for (const base of m[1].matchAll(/\bextends\s+([\w, ]+)/g))
    for (const parent of base[1].split(",").map((n) => n.trim()).filter(Boolean))
      for (const inherited of interfaceMembers(file, parent) ?? []) members.add(inherited);
  return members;
}

// The options a section of docs/api.md lists in a table whose first column
// is "option", up to the next heading.
function optionTable(heading) {
  const lines = api.split("\n").slice(heading.line);
  const end = lines.findIndex((l) => /^#/.test(l));
  const section = lines.slice(0, end < 0 ? undefined : end);
  const header = section.findIndex((l) => /^\|\s*option\s*\|/.test(l));
  if (header < 0) return;
  const rows = section.slice(header + 2).filter((l) => l.startsWith("|"));
  return new Set(rows.map((l) => /^\|\s*`([^`]+)`/.exec(l)?.[1]).filter(Boolean));
}

// Options are named three times too: the table of docs/api.md, the options
// interface of the .d.ts, and (for a Store) README.md's `new Store({ … })`.
test("each options table of docs/api.md names the options the .d.ts declares", () => {
  const wrong = [];
  let compared = 0;
  const compare = (where, documented, declared, what) => {
    compared++;
    for (const o of declared) if (!documented.has(o)) wrong.push(`docs/api.md:${where.line}: "${where.text}" has no row for ${what}.${o}`);
    for (const o of documented) if (!declared.has(o)) wrong.push(`docs/api.md:${where.line}: "${where.text}" documents ${o}, which ${what} does not declare`);
  };
  for (const h of apiHeadings) {
    const table = optionTable(h);
    if (!table) continue;
    const key = callKey(h.text, classes);
    const call = key && dtsCalls.find((c) => c.key === key);
    const type = call ? /(\w+(?:Options|Init))\b/.exec(call.signature)?.[1] : h.text;
    const file = call ? call.file : "js/index.d.ts";
    const declared = type && interfaceMembers(file, type);
    if (!declared) wrong.push(`docs/api.md:${h.line}: "${h.text}" has an options table, but no options interface was found for it`);
    else compare(h, table, declared, type);
  }
  assert.ok(compared >= 6, `compared only ${compared} options tables`);
  const summary = /`new Store\(\{([^}]*)\}\)`/.exec(readme)?.[1];
  assert.ok(summary, "README.md has a `new Store({ … })` row");
  const storeOptions = interfaceMembers("js/index.d.ts", "StoreOptions");
  for (const o of summary.split(",").map((n) => n.trim().replace(/\?$/, "")))
    if (!storeOptions.has(o)) wrong.push(`README.md: \`new Store({ … })\` names ${o}, which StoreOptions does not declare`);
  for (const o of storeOptions) if (!summary.includes(o)) wrong.push(`README.md: \`new Store({ … })\` leaves out ${o}`);
  assert.deepEqual(wrong, []);
});
