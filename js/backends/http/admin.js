// Which operations a createHandler serves (js/backends/http/server.js).
// Reads and writes of single keys (`get`, `put`) are what a game or a
// preview needs, so they are all a handler serves by default. Listing, the
// user-id search, a key's past versions and removal expose or erase other
// players' data, so each is served only when the `admin` option names it,
// and refused before `authorize` runs: an `authorize` that says yes to any
// valid token (a player's) cannot open them by mistake.
//
// Architecture Invariant: no Node imports (see server.js).

import { invalidOptions } from "../../errors.js";
import { refuse } from "./request.js";

/** The admin groups, and the backend operations each one opens. */
const GROUPS = {
  list: ["list"],
  keysByUser: ["keysByUser"],
  history: ["history", "getVersion", "getAtTime"],
  remove: ["remove"],
};

/**
 * The set of admin operations `admin` enables: `true` (all four groups),
 * `false`/absent (none), or `{ list?, keysByUser?, history?, remove? }`
 * with boolean values. Anything else is `invalid_options`.
 */
export function servedOperations(admin) {
  if (admin === undefined || admin === false) return new Set();
  if (admin === true) return new Set(Object.values(GROUPS).flat());
  if (typeof admin !== "object" || admin === null || Array.isArray(admin)) {
    throw invalidOptions("createHandler: admin must be true, false or { list, keysByUser, history, remove } with boolean values");
  }
  const served = new Set();
  for (const [name, on] of Object.entries(admin)) {
    if (!Object.hasOwn(GROUPS, name)) {
      throw invalidOptions(`createHandler: admin.${name} is not an admin operation (they are ${Object.keys(GROUPS).join(", ")})`);
    }
    if (typeof on !== "boolean") throw invalidOptions(`createHandler: admin.${name} must be true or false`);
    if (on) for (const operation of GROUPS[name]) served.add(operation);
  }
  return served;
}

/** Refuses (403 operation_disabled) an admin `operation` that `served` does not hold. */
export function checkServed(served, operation) {
  const group = Object.keys(GROUPS).find((name) => GROUPS[name].includes(operation));
  if (group !== undefined && !served.has(operation)) {
    refuse(403, "operation_disabled", `this server does not serve ${operation}: its createHandler enables it with the option admin: { ${group}: true }`);
  }
}
