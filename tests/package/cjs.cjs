// The package from CommonJS: `require("skilift")` and the adapters.
"use strict";

const { runAll } = require("./roundtrip.cjs");
const { check, results } = require("./check.cjs");

(async () => {
  const skilift = require("skilift");
  await check("require skilift/package.json", () => {
    const pkg = require("skilift/package.json");
    if (pkg.name !== "skilift" || !/^\d+\.\d+\.\d+/.test(pkg.version)) throw new Error(`${pkg.name}@${pkg.version}`);
  });
  await check("require(\"skilift\").default holds the named exports (the interop of `import skilift from`)", () => {
    for (const name of ["Store", "Session", "View", "transaction", "strict", "SkiliftError", "MemoryBackend"]) {
      if (skilift.default[name] !== skilift[name]) throw new Error(`default.${name} is not the named export`);
    }
  });
  await runAll("require", skilift, {
    fs: require("skilift/fs"),
    fetch: require("skilift/fetch"),
    server: require("skilift/server"),
    postgres: require("skilift/postgres"),
    redis: require("skilift/redis"),
    indexeddb: require("skilift/indexeddb"),
  });
  // No process.exit: stopped sessions hold no timers, so Node exits by itself
  // (run.sh bounds the run with a timeout).
  process.exitCode = results.every(Boolean) ? 0 : 1;
})();
