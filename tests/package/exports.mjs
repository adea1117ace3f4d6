// Every file the package's package.json points at (exports map, main,
// module, browser, types, bin) must be in the packed tarball. One check per
// entry point, so a missing adapter is named.
// Usage: node exports.mjs PACK_JSON PACKAGE_JSON
import { readFileSync } from "node:fs";
import harness from "./check.cjs";

const { check, results } = harness;
const [packJson, packageJson] = process.argv.slice(2);
const packed = JSON.parse(readFileSync(packJson, "utf8"))[0];
const files = new Set(packed.files.map((f) => f.path));
const pkg = JSON.parse(readFileSync(packageJson, "utf8"));

/** Every string target under an exports condition object. */
function targets(value) {
  if (typeof value === "string") return [value];
  if (value === null || typeof value !== "object") return [];
  return Object.values(value).flatMap(targets);
}
const missing = (paths) => [...new Set(paths)].filter((p) => !files.has(p.replace(/^\.\//, "")));

await check(`npm pack: ${packed.filename}, ${packed.files.length} files, ${packed.size} bytes packed, ${packed.unpackedSize} unpacked`, () => {
  if (!files.has("package.json")) throw new Error("no package.json in the tarball");
});
await check("package.json: main, module, browser, types, bin are packed", () => {
  const top = [pkg.main, pkg.module, pkg.browser, pkg.types, ...targets(pkg.bin ?? {})].filter(Boolean);
  const gone = missing(top);
  if (gone.length) throw new Error(`missing: ${gone.join(", ")}`);
});
for (const [entry, conditions] of Object.entries(pkg.exports)) {
  await check(`exports["${entry}"]: every target is packed`, () => {
    const gone = missing(targets(conditions));
    if (gone.length) throw new Error(`missing: ${gone.join(", ")}`);
    if (entry !== "./package.json" && !targets(conditions).some((t) => t.endsWith(".d.ts"))) {
      throw new Error("no types condition");
    }
  });
}
await check("the studio's page is packed (skilift studio serves studio/ beside cjs/)", () => {
  const gone = missing(["studio/index.html", "studio/assets/app.js", "studio/assets/studio.css"]);
  if (gone.length) throw new Error(`missing: ${gone.join(", ")}`);
});
await check("no runtime dependencies (only the optional pg peer)", () => {
  if (Object.keys(pkg.dependencies ?? {}).length) throw new Error(JSON.stringify(pkg.dependencies));
});
process.exitCode = results.every(Boolean) ? 0 : 1;
