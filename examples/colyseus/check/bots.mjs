// The check's players: each one a real client (colyseus.js, the official
// client) in the market room of one server process at a time. Every request
// goes into the ledger with the name of the server it was sent to, and every
// reply the server sends back is recorded against it.

import { Client } from "colyseus.js";

const REPLIES = ["applied", "stored", "refused", "failed", "traded"];

export class Bot {
  constructor(playerId, ledger) {
    this.playerId = playerId;
    this.ledger = ledger;
    this.server = null; // the GameServer it is on (or joining)
    this.room = null; // null while it is between rooms
    this.moving = false;
  }

  /** Joins the market room on `server`. */
  async join(server) {
    this.moving = true;
    this.server = server;
    try {
      const client = new Client(server.ws);
      this.attach(client, await client.joinOrCreate("market", { playerId: this.playerId, name: this.playerId.toUpperCase() }));
    } finally {
      this.moving = false;
    }
  }

  attach(client, room) {
    this.client = client;
    this.room = room;
    for (const type of REPLIES) room.onMessage(type, (m) => this.ledger.heard(type, m));
    room.onError(() => {});
    // A server killed, or shutting down: the bot looks for another one.
    room.onLeave(() => {
      if (this.room === room) this.room = null;
    });
  }

  /** Sends a request; `fields` go to the ledger and the server. Returns the ledger entry. */
  send(kind, fields) {
    const request = this.ledger.add(kind, { key: this.playerId, server: this.server.name, ...fields });
    this.room.send(kind, { id: request.id, ...fields });
    return request;
  }

  /**
   * Drops the connection without a consented leave (a phone losing signal)
   * and joins `server` at once: the old server keeps the session held
   * through its reconnection window, so two processes hold the player.
   */
  async hop(server) {
    this.ledger.count("hop");
    const old = this.room;
    this.room = null;
    this.moving = true;
    await old.leave(false);
    await this.join(server);
  }

  /** Leaves for good (a consented leave), and after `ms` joins the server `next()` names. */
  async quit(ms, next) {
    this.ledger.count("quit");
    const old = this.room;
    this.room = null;
    this.moving = true;
    try {
      await old.leave(true);
      await new Promise((r) => setTimeout(r, ms));
    } finally {
      this.moving = false;
    }
    await this.join(next());
  }

  /** Drops the connection and reconnects to the same room within the window. */
  async blip() {
    this.ledger.count("reconnect");
    const old = this.room;
    const token = old.reconnectionToken;
    this.room = null;
    this.moving = true;
    try {
      await old.leave(false);
      // The server opens the window once it has seen the connection drop:
      // a client retries, as a real one does, until the window closes.
      for (let attempt = 1; ; attempt++) {
        try {
          this.attach(this.client, await this.client.reconnect(token));
          return;
        } catch (error) {
          if (attempt === 10) throw error;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    } finally {
      this.moving = false;
    }
  }

  /** The coins the room's synchronized state shows for this player, or undefined. */
  shownCoins() {
    for (const p of this.room?.state?.players?.values() ?? []) if (p.playerId === this.playerId) return p.coins;
    return undefined;
  }

  /** Leaves at the end of a run; a connection its server already closed may never answer, so at most a second. */
  async leave() {
    const room = this.room;
    this.room = null;
    if (room) await Promise.race([room.leave(true), new Promise((r) => setTimeout(r, 1000))]).catch(() => {});
  }
}
