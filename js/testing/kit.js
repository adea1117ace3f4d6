// The backend kit's core (`skilift/testing`, docs/backends.md): registers
// every suite of the kit for one backend through a harness { describe, it,
// assert, skilift }. index.js beside it is the Node entry (node:test,
// node:assert); a browser page passes its own harness (tests/browser/).
// No Node module is imported here, so it runs in both.
//
// A user's `open()` answers a new client of one shared storage per call.
// The kit gives each test store names of its own (a prefix no other test
// uses), so the tests never see each other's keys and the storage needs no
// emptying: every suite below sees `{ backend, another, close }`, a backend
// on which it is alone, more clients of the same storage, and the clean-up.

import { invalidOptions } from "../errors.js";
import { contractTests } from "./contract.js";
import { operationsApi } from "./operations.js";
import { rollingDeployApi } from "./rolling-deploy.js";

/**
 * Every suite of the kit, each `(name, open, harness, claims)`; a new one
 * is one line here (its module shaped like operations.js).
 */
const SUITES = [contractTests, operationsApi, rollingDeployApi];

/** What `options` may say: the optional methods the backend claims, and its race size. */
const CLAIMS = ["history", "listing", "remove", "writers"];
const METHODS = ["get", "put", "getVersion", "getAtTime", "history", "list", "keysByUser", "remove"];

/**
 * `client` seen through store names that start with `prefix`: only the
 * methods it has (an absent optional method stays absent), and a store
 * that is not a string passed as is, so its own argument checks still
 * answer.
 */
export function prefixStores(client, prefix) {
  const view = {};
  for (const method of METHODS) {
    if (typeof client[method] !== "function") continue;
    view[method] = (store, ...rest) => client[method](typeof store === "string" ? prefix + store : store, ...rest);
  }
  return view;
}

/** Checks the claims: booleans for the methods, a positive whole number of writers. */
function checkClaims(where, claims) {
  if (claims === null || typeof claims !== "object" || Array.isArray(claims)) {
    throw invalidOptions(`${where}: options must be an object { ${CLAIMS.join(", ")}, close, harness }`);
  }
  for (const [name, value] of Object.entries(claims)) {
    if (!CLAIMS.includes(name)) throw invalidOptions(`${where}: unknown option ${JSON.stringify(name)} (known: ${CLAIMS.join(", ")}, close, harness)`);
    if (name === "writers" ? !(Number.isSafeInteger(value) && value > 0) : typeof value !== "boolean") {
      throw invalidOptions(`${where}: ${name} must be ${name === "writers" ? "a positive whole number" : "true or false"}`);
    }
  }
}

/**
 * Registers every suite for the backend `open()` makes clients of.
 * `close(client)`, if given, is called on each client a test opened once
 * the test is over. `harness` is { describe, it, assert, skilift } with
 * `skilift` the package's main entry (for its Store).
 */
export function registerKit(name, open, { close, ...claims }, harness) {
  const where = "backendContract";
  if (typeof name !== "string" || name === "") throw invalidOptions(`${where}(name, open): name must be a non-empty string`);
  if (typeof open !== "function") throw invalidOptions(`${where}(name, open): open must be a function answering a new backend client`);
  if (close !== undefined && typeof close !== "function") throw invalidOptions(`${where}: close must be a function (client) => void`);
  checkClaims(where, claims);
  // One run of the kit, then one prefix per test: another run on the same
  // storage (a second process, a rerun) uses other store names.
  const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  let tests = 0;
  const isolated = async () => {
    const prefix = `kit-${run}-${++tests}:`;
    const clients = [];
    const another = async () => {
      const client = await open();
      if (client === null || typeof client !== "object" || typeof client.get !== "function" || typeof client.put !== "function") {
        throw invalidOptions(`${where}: open() must answer a backend (an object with get and put), got ${client === null ? "null" : typeof client}`);
      }
      clients.push(client);
      return prefixStores(client, prefix);
    };
    const backend = await another();
    return { backend, another, close: async () => Promise.all(clients.map((c) => close?.(c))) };
  };
  for (const suite of SUITES) suite(name, isolated, harness, claims);
}
