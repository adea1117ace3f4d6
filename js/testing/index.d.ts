// Types of the `skilift/testing` entry point (index.js beside it).

import type { Backend } from "../index.js";

/** What a backend claims (the kit tests what it claims) and how the kit runs. */
export interface BackendContractOptions {
  /** The backend has getVersion, getAtTime and history. Default true; false: the kit checks they are absent. */
  history?: boolean;
  /** The backend has list and keysByUser. Default true; false: the kit checks they are absent. */
  listing?: boolean;
  /** The backend has remove. Default true; false: the kit checks it is absent. */
  remove?: boolean;
  /** How many writers race on one key in the race test. Default 8. */
  writers?: number;
  /** Called on every client `open()` made, once the test that opened it is over (close a connection here). */
  close?: (client: Backend) => void | Promise<void>;
  /**
   * Another test runner's functions instead of node:test's: `describe` and
   * `it` (as Vitest's or Jest's), and `assert` (default node:assert/strict;
   * anything with its equal, deepEqual, notEqual, ok, match, rejects).
   */
  harness?: {
    describe: (name: string, fn: () => void) => unknown;
    it: (name: string, fn: () => Promise<void>) => unknown;
    assert?: unknown;
  };
}

/**
 * Registers, with node:test (or `options.harness`), every test of the
 * backend kit: the backend contract (compare-and-set exact under races
 * from several clients, version tokens, user ids, odd and Unicode keys,
 * large values, history, list in JavaScript string order, keysByUser,
 * remove) and the public-API operations tests (a Store on your backend:
 * keys, a bulk update with faults, remove while a key is held, restore
 * while others patch). Call it at the top level of a test file.
 *
 * `open()` answers a new client of one shared storage on each call (as
 * another server would make its own); the kit gives every test store names
 * of its own, so the storage need not be empty and is never emptied.
 * Clean the storage up yourself after the file (node:test's `after`).
 * Bad arguments throw a SkiliftError with code `invalid_options`.
 *
 * @example
 * // my-backend.test.mjs, run with `node --test`
 * import { backendContract } from "skilift/testing";
 * import { MyBackend } from "./my-backend.js";
 * backendContract("MyBackend", () => new MyBackend(process.env.DB_URL), {
 *   listing: false, // MyBackend has no list/keysByUser
 *   close: (client) => client.disconnect(),
 * });
 *
 * @see docs/api.md#backendcontractname-open-options
 */
export function backendContract(name: string, open: () => Backend | Promise<Backend>, options?: BackendContractOptions): void;
