// Errors of the public surface. Every error the library throws is a
// SkiliftError with a stable `code` (docs/errors.md); the engine builds them
// through the glue (js/glue.js) so `instanceof SkiliftError` works for users.

/**
 * An error raised by skilift, with a stable machine-readable `code`.
 *
 * @example
 * try { session.patch(notRegistered); }
 * catch (e) { if (e instanceof SkiliftError && e.code === "action_invalid_function") { ... } }
 */
export class SkiliftError extends Error {
  /**
   * @param {string} code one of the codes of docs/errors.md
   * @param {string} message what went wrong and what to do about it
   */
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
