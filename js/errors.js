// Errors of the public surface. Every error the library throws is a
// SkiliftError with a stable `code` (docs/errors.md); the engine builds them
// through the glue (js/host/glue.js) so `instanceof SkiliftError` works for users.
// User-facing docs: errors.d.ts.

export class SkiliftError extends Error {
  constructor(code, message) {
    super(message);
    this.name = "SkiliftError";
    Object.defineProperty(this, "code", { value: code, enumerable: true });
  }
}

/** An `invalid_options` error for a bad argument caught in JS. */
export function invalidOptions(message) {
  return new SkiliftError("invalid_options", message);
}
