// One door to a backend: every call skilift's own JavaScript makes to a
// backend goes through js/host/backend_calls.js, which owns the answer
// checks, the deadline of JavaScript-side calls and the wording of
// `backend_invalid_response`; and the Backend methods are declared once, in
// js/backends/contract.d.ts. Reads sources only (no build).
//
// Outside the door: js/backends/ (the adapters themselves, and the HTTP
// server, which is a backend's front) and js/testing/ (the conformance kit,
// which must call a backend raw to judge it). js/host/storage.js, the
// engine's ticket adapter, makes the engine's get/put/remove calls itself
// (an answer goes straight back to wasm), but reads every answer with the
// door's checks: that is checked below too.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const DOOR = "js/host/backend_calls.js";
const ENGINE_ADAPTER = "js/host/storage.js";
const METHODS = ["get", "put", "getVersion", "getAtTime", "history", "list", "keysByUser", "remove"];

function files(dir, ending) {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((d) => {
    const path = `${dir}/${d.name}`;
    if (d.isDirectory()) return files(path, ending);
    return d.name.endsWith(ending) ? [path] : [];
  });
}

const read = (file) => readFileSync(join(ROOT, file), "utf8");

/** The lines of `file` without comments (// lines and /* … *\/ blocks), with their numbers. */
function codeLines(file) {
  const text = read(file).replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, " "));
  return text.split("\n").map((line, i) => ({ line: line.replace(/(^|[^:"'`])\/\/.*$/, "$1"), number: i + 1 }));
}

/** What counts as calling a backend by hand: `backend.get(`, `x.backend?.list(`, `backend[method]`, `fn.call(backend`, or taking the backend out of a target. */
const BY_HAND = [
  [new RegExp(`\\bbackend\\s*\\??\\.\\s*(${METHODS.join("|")})\\s*\\(`), "calls a backend method"],
  [/\bbackend\s*\??\.?\s*\[/, "calls a backend method by a computed name"],
  [/\.call\(\s*backend\b/, "calls a backend method through .call"],
  [/\{\s*backend\s*\}\s*=\s*target\b|=\s*target\.backend\b/, "takes the backend out of a target (use target.door)"],
];

const outsideTheDoor = files("js", ".js").filter(
  (f) => !f.startsWith("js/backends/") && !f.startsWith("js/testing/") && f !== DOOR && f !== ENGINE_ADAPTER,
);

test("no JavaScript outside the door calls a backend by hand", () => {
  assert.ok(outsideTheDoor.includes("js/operations.js") && outsideTheDoor.includes("js/cli/studio/api.js"), outsideTheDoor.join(", "));
  const found = [];
  for (const file of outsideTheDoor) {
    for (const { line, number } of codeLines(file)) {
      for (const [pattern, what] of BY_HAND) {
        if (pattern.test(line)) found.push(`${file}:${number}: ${what}: ${line.trim()} (go through ${DOOR}: a BackendDoor, or target.door in the CLI)`);
      }
    }
  }
  assert.deepEqual(found, []);
});

test("backend_invalid_response is worded in the door only", () => {
  const found = [];
  for (const file of [...outsideTheDoor, ENGINE_ADAPTER]) {
    for (const { line, number } of codeLines(file)) {
      if (/["'`]backend_invalid_response["'`]|answered garbage|the backend answered/.test(line)) found.push(`${file}:${number}: ${line.trim()}`);
    }
  }
  assert.deepEqual(found, [], `word it with garbageMessage or a BackendDoor of ${DOOR}`);
  assert.match(read(DOOR), /answered garbage: \$\{why\}/);
});

test("the engine's ticket adapter reads answers with the door's checks, and checks nothing itself", () => {
  const source = read(ENGINE_ADAPTER);
  assert.match(source, /^import \{[^}]*\breadEntry\b[^}]*\} from "\.\/backend_calls\.js";$/m);
  assert.match(source, /^import \{[^}]*\bnotAVersion\b[^}]*\} from "\.\/backend_calls\.js";$/m);
  const checks = codeLines(ENGINE_ADAPTER).filter(({ line }) => /must be|typeof\s+\w+\.(value|version|time|userIds)|Array\.isArray|describe\(/.test(line));
  assert.deepEqual(checks.map(({ line, number }) => `${ENGINE_ADAPTER}:${number}: ${line.trim()}`), []);
});

test("the Backend methods are declared once, in contract.d.ts; each adapter's class merges with Required<Backend>", () => {
  const adapters = files("js/backends", ".d.ts").filter((f) => f !== "js/backends/contract.d.ts" && !f.endsWith("/server.d.ts"));
  assert.ok(adapters.length >= 7, adapters.join(", "));
  const found = [];
  for (const file of adapters) {
    const source = read(file);
    const classes = [...source.matchAll(/^export (?:declare )?class (\w+)[^{]*\{/gm)].filter(([, name]) => name.endsWith("Backend"));
    assert.ok(classes.length > 0, `${file} declares a backend class`);
    for (const [head, name] of classes) {
      if (!new RegExp(`^export interface ${name} extends Required<Backend> \\{\\}$`, "m").test(source)) {
        found.push(`${file}: ${name} is not merged with \`export interface ${name} extends Required<Backend> {}\``);
      }
      if (/\bimplements\s+Backend\b/.test(head)) found.push(`${file}: class ${name} implements Backend (merge it with the interface instead)`);
    }
    for (const { line, number } of codeLines(file)) {
      const member = new RegExp(`^\\s+(${METHODS.join("|")})\\??\\s*\\(\\s*store\\b`).exec(line);
      if (member) found.push(`${file}:${number}: declares ${member[1]} again (it is declared once, in Backend)`);
    }
  }
  assert.deepEqual(found, []);
});
