// Strict mode (docs/errors.md): process-wide, on by default except when
// NODE_ENV is "production". In browsers there may be no `process` at all.

import { wasm } from "./engine/engine.js";
import { invalidOptions } from "./errors.js";

function productionByDefault() {
  try {
    return typeof process !== "undefined" && process?.env?.NODE_ENV === "production";
  } catch {
    return false; // a bundler's `process` shim that throws on access
  }
}

wasm.setStrict(!productionByDefault());

/**
 * Reads strict mode, or sets it when `value` is given. Returns the value in force.
 *
 * @example
 * strict(false); // skip the double runs and JSON checks in production
 * strict();      // false
 */
export function strict(value) {
  if (value === undefined) return wasm.strictEnabled();
  if (typeof value !== "boolean") {
    throw invalidOptions(`strict(value): value must be a boolean, got ${typeof value}`);
  }
  return wasm.setStrict(value);
}
