// The room's synchronized state. Plain JavaScript has no decorators, so the
// fields are declared with `defineTypes` (the same wire format as the
// TypeScript `@type` decorators; a TypeScript game would write those).

import { MapSchema, Schema, defineTypes } from "@colyseus/schema";

/** One connected client's player, as every client in the room sees it. */
export class PlayerState extends Schema {
  constructor(playerId) {
    super();
    this.playerId = playerId;
    this.name = "";
    this.coins = 0;
  }
}
defineTypes(PlayerState, { playerId: "string", name: "string", coins: "number" });

/** The market: the players in it, by the client's sessionId. */
export class MarketState extends Schema {
  constructor() {
    super();
    this.players = new MapSchema();
  }
}
defineTypes(MarketState, { players: { map: PlayerState } });
