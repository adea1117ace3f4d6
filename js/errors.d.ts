// Types of errors.js, re-exported by index.d.ts: the one error class
// skilift throws and its stable codes (docs/errors.md; the engine spells
// them in src/engine/error.rs, and tests/node/api-surface.test.mjs checks
// the three lists are the same).

/** The stable codes of {@link SkiliftError} (docs/errors.md). */
export type SkiliftErrorCode =
  | "action_invalid_function"
  | "transaction_invalid_action"
  | "transaction_invalid_function"
  | "strict_impure_action"
  | "strict_not_json_from_action"
  | "strict_pass_not_json_into_action"
  | "schema_validation_error"
  | "session_already_stopped"
  | "cannot_cancel_action"
  | "migration_does_not_return"
  | "history_unsupported"
  | "not_found"
  | "listing_unsupported"
  | "remove_unsupported"
  | "invalid_options"
  | "bad_data"
  | "needs_newer_version"
  | "backend_invalid_response"
  | "not_json"
  | "backend_failed"
  | "internal_error";

/**
 * Every error skilift throws, with a stable code (docs/errors.md).
 *
 * @example
 * try { session.patch(addCoins, 1); }
 * catch (e) { if (e instanceof SkiliftError && e.code === "session_already_stopped") reconnect(); }
 * @see docs/api.md#skilifterror
 */
export class SkiliftError extends Error {
  constructor(code: SkiliftErrorCode, message: string);
  readonly name: "SkiliftError";
  readonly code: SkiliftErrorCode;
}
