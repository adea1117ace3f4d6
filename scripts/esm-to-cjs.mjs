// Turns the hand-written ES modules of js/ into CommonJS for Node's
// `require` (and Node's `import`, which goes through the same copy so there
// is one engine instance and one SkiliftError class per process).
//
// It understands exactly the module syntax js/ uses and fails loudly on any
// other, so a new construct cannot slip through half-converted:
//   import { a, b as c } from "./x.js" | "node:fs" | "pkg";
//   export { a, b } from "./x.js";
//   export function|class|const|async function NAME ...;   export { a, b };
//
// Usage: node scripts/esm-to-cjs.mjs IN_DIR OUT_DIR FILE...

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const [inDir, outDir, ...files] = process.argv.slice(2);

// "./x.js" becomes "./x.cjs"; bare specifiers ("node:fs", "pg") stay.
const spec = (from) => {
  if (from.startsWith("./") && from.endsWith(".js")) return from.replace(/\.js$/, ".cjs");
  if (!from.startsWith(".") && !from.startsWith("/")) return from;
  throw new Error(`only ./x.js and bare imports are supported, got ${from}`);
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
      return `const { ${bound.join(", ")} } = require(${JSON.stringify(spec(m[2]))});`;
    }
    if ((m = line.match(/^export \{([^}]*)\} from "([^"]+)";$/))) {
      const from = JSON.stringify(spec(m[2]));
      return names(m[1]).map((n) => `exports.${n.alias} = require(${from}).${n.name};`).join(" ");
    }
    if ((m = line.match(/^export \{([^}]*)\};$/))) {
      exported.push(...names(m[1]).map((n) => [n.alias, n.name]));
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

for (const file of files) {
  const out = file.replace(/\.js$/, ".cjs");
  writeFileSync(join(outDir, out), convert(readFileSync(join(inDir, file), "utf8"), file));
}
