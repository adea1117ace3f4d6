// Strict mode (docs/errors.md): process-wide, on by default except when
// NODE_ENV is "production". In browsers there may be no `process` at all.
// User-facing docs: index.d.ts.

import { wasm } from "./host/engine.js";
import { invalidOptions } from "./errors.js";

function productionByDefault() {
  try {
    return typeof process !== "undefined" && process?.env?.NODE_ENV === "production";
  } catch {
    return false; // a bundler's `process` shim that throws on access
  }
}

wasm.setStrict(!productionByDefault());

export function strict(value) {
  if (value === undefined) return wasm.strictEnabled();
  if (typeof value !== "boolean") {
    throw invalidOptions(`strict(value): value must be a boolean, got ${typeof value}`);
  }
  return wasm.setStrict(value);
}
