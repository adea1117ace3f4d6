// Runs tsc --strict --noEmit on the type tests (types.ts), in the temp
// project run.sh made, under each module setting; then checks the negative
// tests one by one: with the `@ts-expect-error` directives disabled, tsc must
// report an error on exactly the line below each directive and nowhere else.
// Usage (from the temp project): node checks/typecheck.mjs
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import harness from "./check.cjs";

const { check, results } = harness;
const here = new URL(".", import.meta.url).pathname;
const tsc = join(process.cwd(), "node_modules/typescript/bin/tsc");
const source = readFileSync(join(here, "types.ts"), "utf8");
const nodeOnly = readFileSync(join(here, "types-node.ts"), "utf8");

const common = { strict: true, noEmit: true, target: "es2022", skipLibCheck: false, types: ["node"], noUnusedLocals: false };
const setups = [
  // An ES module and a CommonJS file of a Node project (package.json without "type").
  { name: "node16 (ESM .mts + CommonJS .cts)", files: { "types.mts": source, "types.cts": source },
    options: { module: "node16", moduleResolution: "node16", lib: ["es2022", "dom"] } },
  { name: "bundler", files: { "types.ts": source },
    options: { module: "esnext", moduleResolution: "bundler", lib: ["es2022", "dom"] } },
  // A Node server project without the DOM library, using the Node entry points.
  { name: "node16 without lib dom (Node entry points)", files: { "node.mts": nodeOnly },
    options: { module: "node16", moduleResolution: "node16", lib: ["es2022"] } },
];

/** Runs tsc on `files` in a fresh folder; the `file(line)` of each error. */
function compile(dir, files, options) {
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: options, files: Object.keys(files) }, null, 2));
  try {
    execFileSync(process.execPath, [tsc, "-p", dir, "--pretty", "false"], { encoding: "utf8" });
    return { errors: [], output: "" };
  } catch (e) {
    const output = `${e.stdout}${e.stderr}`;
    const errors = [...output.matchAll(/^(.+?)\((\d+),\d+\): error (TS\d+)/gm)].map((m) => ({ file: m[1], line: Number(m[2]), code: m[3] }));
    if (errors.length === 0) throw new Error(`tsc failed without errors:\n${output}`);
    return { errors, output };
  }
}

/** Lines (1-based) right below a `@ts-expect-error` directive. */
function expectedLines(text) {
  const lines = text.split("\n");
  return lines.flatMap((l, i) => (/^\s*\/\/ @ts-expect-error/.test(l) ? [i + 2] : []));
}

for (const setup of setups) {
  await check(`tsc --strict --noEmit: ${setup.name}`, () => {
    const dir = join(process.cwd(), "tsc", setup.name.replace(/\W+/g, "-"));
    const { errors, output } = compile(dir, setup.files, { ...common, ...setup.options });
    if (errors.length) throw new Error(output.trim());
  });
  await check(`tsc: each @ts-expect-error line fails on its own: ${setup.name}`, () => {
    const dir = join(process.cwd(), "tsc", `${setup.name.replace(/\W+/g, "-")}-negative`);
    const disabled = Object.fromEntries(
      Object.entries(setup.files).map(([name, text]) => [name, text.replace(/\/\/ @ts-expect-error/g, "// (expected error)")]),
    );
    const { errors, output } = compile(dir, disabled, { ...common, ...setup.options });
    const problems = [];
    for (const [name, text] of Object.entries(setup.files)) {
      const expected = expectedLines(text);
      const got = new Set(errors.filter((e) => e.file.endsWith(name)).map((e) => e.line));
      for (const line of expected) if (!got.has(line)) problems.push(`${name}:${line} compiles: ${text.split("\n")[line - 1].trim()}`);
      for (const line of got) if (!expected.includes(line)) problems.push(`${name}:${line} is an unexpected error`);
    }
    const elsewhere = errors.filter((e) => !Object.keys(setup.files).some((n) => e.file.endsWith(n)));
    for (const e of elsewhere) problems.push(`error in ${e.file}:${e.line} (${e.code})`);
    if (problems.length) throw new Error(`${problems.join("\n")}\n--- tsc said:\n${output.trim()}`);
  });
}
process.exitCode = results.every(Boolean) ? 0 : 1;
