// The package from ES modules: `import { Store } from "skilift"` and the
// adapters; `import` and `require` must share one engine and one SkiliftError.
import { createRequire } from "node:module";
import * as skilift from "skilift";
import { Store, SkiliftError, strict } from "skilift";
import skiliftDefault from "skilift";
import * as fs from "skilift/fs";
import * as fetch from "skilift/fetch";
import * as server from "skilift/server";
import * as postgres from "skilift/postgres";
import * as redis from "skilift/redis";
import * as indexeddb from "skilift/indexeddb";
import harness from "./check.cjs";
import roundtrip from "./roundtrip.cjs";

const { check, results } = harness;
const require = createRequire(import.meta.url);

await check("import and require share one engine, one SkiliftError, one strict switch", () => {
  const required = require("skilift");
  if (required.Store !== Store || required.SkiliftError !== SkiliftError) throw new Error("two copies of the package");
  const before = strict();
  required.strict(!before);
  const seen = strict();
  required.strict(before);
  if (seen !== !before) throw new Error("strict() is not shared between import and require");
});

await check("import skilift from \"skilift\": the default export holds the named exports", () => {
  for (const name of ["Store", "Session", "View", "transaction", "strict", "SkiliftError", "MemoryBackend"]) {
    if (skiliftDefault[name] !== skilift[name]) throw new Error(`default.${name} is not the named export`);
  }
  if (require("skilift").default !== skiliftDefault) throw new Error("import and require see different default exports");
});

await roundtrip.runAll("import", skilift, { fs, fetch, server, postgres, redis, indexeddb });
process.exitCode = results.every(Boolean) ? 0 : 1;
