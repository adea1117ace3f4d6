// The sessions this process holds: one per player key, shared by every room
// and client of the process that needs it (a player in two rooms, a
// reconnecting client, a trade in flight, a purchase webhook), loaded on
// the first hold and stopped (a final save) on the last release.
//
// No lock anywhere: another process may hold a session of the same key at
// the same moment (a player who reconnected elsewhere before this process
// let go). Both write with compare-and-set, and each replays its queued
// actions on the other's record, so neither overwrites the other.

import { EventEmitter } from "node:events";

export class Players extends EventEmitter {
  /** `report(error, key)` gets what fails in the background (a final save). */
  constructor({ store, actions, report }) {
    super();
    this.store = store;
    this.actions = actions;
    this.report = report;
    this.held = new Map(); // key -> { session, data, holders }
  }

  /** Holds `key`'s session, loading it in the background if this process has none. */
  hold(key) {
    let held = this.held.get(key);
    if (!held) {
      held = { session: this.store.load(key), data: undefined, holders: 0 };
      // The latest data, for the checks a room makes before a patch (a
      // balance); the rooms bind their own `updated` to show it.
      held.session.updated((data) => (held.data = data));
      this.held.set(key, held);
    }
    held.holders++;
    return held.session;
  }

  /**
   * Resolves once `session`'s first load is done (or it went bad: check
   * `session.bad()`), so a player sees the stored coins from the start.
   * While storage is down it keeps waiting.
   */
  async ready(session) {
    if (!session.loaded()) await session.await();
  }

  /** Lets go of one hold; the last one stops the session, which saves what is queued. */
  release(key) {
    const held = this.held.get(key);
    if (!held) return Promise.resolve();
    if (--held.holders > 0) return Promise.resolve();
    this.held.delete(key);
    return held.session.stop().catch((error) => this.report(error, key));
  }

  /** The session this process holds for `key`, or undefined. */
  session(key) {
    return this.held.get(key)?.session;
  }

  /** The latest data `updated` gave for `key` (frozen), or undefined. */
  data(key) {
    return this.held.get(key)?.data;
  }

  /**
   * A purchase receipt, which the platform may deliver more than once and
   * to more than one server: granted through the held session if there is
   * one (the player sees it at once), else with a one-shot write. Resolves
   * `true` for exactly one delivery of a receipt, `false` for the others.
   */
  grant(key, receipt, coins) {
    const { grant } = this.actions;
    const session = this.session(key);
    if (session) return session.patchOnce(receipt, grant, receipt, coins);
    return this.store.updateOnce(key, receipt, grant, receipt, coins);
  }
}
