// `skilift/testing`: the backend kit for Node (docs/backends.md). Registers
// every test of the kit (kit.js) with node:test, or with the `describe`
// and `it` of another runner given as `options.harness` (Vitest; Jest
// through the same shape). User-facing docs: index.d.ts.

import { describe, it } from "node:test";
import { strict as assert } from "node:assert";
import { Store } from "../index.js";
import { registerKit } from "./kit.js";

/** Registers the backend contract and the public-API operations tests for the backend `open()` makes clients of. */
export function backendContract(name, open, options = {}) {
  const { harness, ...rest } = options ?? {};
  registerKit(name, open, rest, { describe, it, assert, ...harness, skilift: { Store } });
}

// A default export like the main entry's (js/index.js), for `import x from "skilift/testing"`.
const entry = Object.freeze({ backendContract });
export default entry;
