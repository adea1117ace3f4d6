// Turns the hand-written ES modules of js/ into CommonJS for Node's
// `require` (and Node's `import`, which goes through the same copy so there
// is one engine instance and one SkiliftError class per process).
//
// Why a converter of our own rather than a bundler (esbuild, Rollup): the
// package ships js/ file for file, so a stack trace and a reader of pkg/
// see the source as written, and each subpath loads only its own modules;
// a bundler would either add a devDependency to do the same line rewrite
// or merge files. js/ uses a small, fixed subset of module syntax, so the
// rewrite is a few lines, and anything outside the subset fails the build.
//
// It understands exactly the module syntax js/ uses and fails loudly on any
// other, so a new construct cannot slip through half-converted:
//   import { a, b as c } from "<relative>.js" | "node:fs" | "pkg";
//   export { a, b } from "<relative>.js";
//   export function|class|const|async function NAME ...;   export { a, b };
//   export default NAME;
// A relative specifier is "./x.js", "./dir/x.js" or "../x.js" (any depth);
// it becomes the same path ending in ".cjs", and must name a file that is
// converted too, inside IN_DIR.
//
// Usage: node scripts/esm-to-cjs.mjs IN_DIR OUT_DIR [--provided=FILE]... FILE...
//   FILE is a path relative to IN_DIR (e.g. backends/fs/index.js); the
//   output goes to the same relative path under OUT_DIR, ending in .cjs.
//   --provided=FILE: a module the build puts in CommonJS form itself (the
//   engine loader, host/engine.js → host/engine.cjs): imports of it are
//   allowed, and it is not converted.

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, normalize, posix } from "node:path";

const [inDir, outDir, ...args] = process.argv.slice(2);
const slash = (f) => posix.normalize(f.split("\\").join("/"));
const provided = new Set(args.filter((a) => a.startsWith("--provided=")).map((a) => slash(a.slice("--provided=".length))));
const converted = new Set(args.filter((a) => !a.startsWith("--")).map(slash));

// A relative "…/x.js" becomes "…/x.cjs" once it is known to be converted;
// bare specifiers ("node:fs", "pg") stay.
const spec = (from, file, line) => {
  if (!from.startsWith(".") && !from.startsWith("/")) return from;
  if (!/^\.\.?\//.test(from) || !from.endsWith(".js")) {
    throw new Error(`${file}:${line}: relative imports must be ./x.js or ../x.js paths, got ${from}`);
  }
  const target = posix.normalize(posix.join(posix.dirname(file), from));
  if (target.startsWith("../")) throw new Error(`${file}:${line}: ${from} is outside ${inDir}`);
  if (!converted.has(target) && !provided.has(target)) throw new Error(`${file}:${line}: ${from} (${target}) is not among the files converted`);
  return from.replace(/\.js$/, ".cjs");
};

const names = (list) =>
  list.split(",").map((s) => s.trim()).filter(Boolean).map((s) => {
    const m = s.match(/^([A-Za-z_$][\w$]*)(?:\s+as\s+([A-Za-z_$][\w$]*))?$/);
    if (!m) throw new Error(`cannot convert binding list entry ${JSON.stringify(s)}`);
    return { name: m[1], alias: m[2] ?? m[1] };
  });

function convert(source, file) {
  const exported = [];
  const lines = source.split("\n").map((line, i) => {
    let m;
    if ((m = line.match(/^import \{([^}]*)\} from "([^"]+)";$/))) {
      const bound = names(m[1]).map((n) => (n.name === n.alias ? n.name : `${n.name}: ${n.alias}`));
      return `const { ${bound.join(", ")} } = require(${JSON.stringify(spec(m[2], file, i + 1))});`;
    }
    if ((m = line.match(/^export \{([^}]*)\} from "([^"]+)";$/))) {
      const from = JSON.stringify(spec(m[2], file, i + 1));
      return names(m[1]).map((n) => `exports.${n.alias} = require(${from}).${n.name};`).join(" ");
    }
    if ((m = line.match(/^export \{([^}]*)\};$/))) {
      exported.push(...names(m[1]).map((n) => [n.alias, n.name]));
      return "";
    }
    if ((m = line.match(/^export default ([A-Za-z_$][\w$]*);$/))) {
      exported.push(["default", m[1]]);
      return "";
    }
    if ((m = line.match(/^export ((?:async )?function\*? |class |const )([A-Za-z_$][\w$]*)/))) {
      exported.push([m[2], m[2]]);
      return line.slice("export ".length);
    }
    if (/^\s*(import|export)\b/.test(line) || line.includes("import.meta")) {
      throw new Error(`${file}:${i + 1}: module syntax this converter does not handle: ${line}`);
    }
    return line;
  });
  const tail = exported.map(([alias, name]) => `exports.${alias} = ${name};`);
  return ['"use strict";', ...lines, ...tail, ""].join("\n");
}

for (const file of converted) {
  const out = join(outDir, normalize(file.replace(/\.js$/, ".cjs")));
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, convert(readFileSync(join(inDir, file), "utf8"), file));
}
