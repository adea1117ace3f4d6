// The market room: players earn, spend and trade coins. Where each skilift
// call sits in the room lifecycle, and why, is told in docs/colyseus.md:
//
//   onAuth     checks who the player is (a real game verifies a token here)
//   onJoin     holds the player's session, waits for its first load
//   messages   patch the session; `updated` puts the result in the state
//   onLeave    keeps the session through the reconnection window, then lets go
//   onDispose  lets go of whatever the room still holds
//
// Letting go of the last hold stops the session: a final save of what is
// queued. Graceful shutdown closes the Store after the rooms (server.mjs).

import { Room, ServerError } from "@colyseus/core";
import { transaction } from "skilift";
import { MarketState, PlayerState } from "./state.mjs";

const PLAYER_ID = /^[A-Za-z0-9_-]{1,64}$/;
const REQUEST_ID = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_COINS = 1_000_000; // per request
/** Close code sent to a player whose data this server must not touch. */
export const CLOSE_BAD_DATA = 4100;

/** The room class, bound to the process's `players` (players.mjs) and actions (game.mjs). */
export function marketRoom(players, actions) {
  // Not through `define`'s default options: those are merged with the
  // client's join options, which a client could use to replace them.
  return class MarketRoom extends Room {
    onCreate() {
      this.setState(new MarketState());
      this.autoDispose = true;
      /** sessionId -> { key, unbind }: the holds this room has not let go of. */
      this.holding = new Map();
      this.kick = (key, code, reason) => this.kickPlayer(key, code, reason);
      players.on("bad", this.kick);
      for (const kind of ["earn", "spend"]) this.onMessage(kind, (client, m) => this.change(client, kind, m));
      this.onMessage("trade", (client, m) => this.trade(client, m));
    }

    /**
     * Defined, so Colyseus catches what a handler throws instead of letting
     * it reach the process, whose uncaught-exception hook shuts the whole
     * server down (every room, every player).
     */
    onUncaughtException(error, methodName) {
      console.error(`market: ${methodName} threw: ${error?.stack ?? error}`);
    }

    onAuth(client, options) {
      const playerId = options?.playerId;
      if (typeof playerId !== "string" || !PLAYER_ID.test(playerId)) {
        throw new ServerError(400, "join with { playerId }: 1-64 letters, digits, _ or -");
      }
      const name = typeof options.name === "string" ? options.name.slice(0, 32) : playerId;
      return { playerId, name };
    }

    async onJoin(client, options, auth) {
      const key = auth.playerId;
      // Recorded before the first await: if the client leaves or the room is
      // disposed while the load runs, onLeave / onDispose release this hold.
      const hold = { key, unbind: undefined };
      this.holding.set(client.sessionId, hold);
      const session = players.hold(key);
      await players.ready(session);
      const reason = session.bad();
      if (reason) {
        this.letGo(client.sessionId);
        throw new ServerError(CLOSE_BAD_DATA, `your saved data cannot be used by this server: ${reason}`);
      }
      if (!this.holding.has(client.sessionId)) return; // left while loading
      const shown = new PlayerState(key);
      this.state.players.set(client.sessionId, shown);
      // Called at once with the loaded data, then on every change: this
      // process's patches at once, other servers' writes at the next pull.
      hold.unbind = session.updated((data) => {
        shown.name = data.name;
        shown.coins = data.coins;
      });
      if (auth.name !== players.data(key)?.name) session.patch(actions.rename, auth.name);
    }

    async onLeave(client, consented) {
      if (!consented && !client.userData?.bad) {
        try {
          // The session stays held (and pulling) meanwhile. If the player
          // joins another process instead, both hold the key for a while.
          await this.allowReconnection(client, Number(process.env.RECONNECT_SECONDS ?? 20));
          return; // back in this room: same sessionId, same hold
        } catch {
          // the window closed, or the room is being disposed
        }
      }
      // Awaited: Colyseus disposes a room (and a graceful shutdown goes on)
      // only once its onLeave calls are done, so the final save is then stored.
      await this.letGo(client.sessionId);
    }

    onDispose() {
      players.off("bad", this.kick);
      // Colyseus awaits this too; usually empty, as onLeave let go of everyone.
      return Promise.all([...this.holding.keys()].map((sessionId) => this.letGo(sessionId)));
    }

    /**
     * Releases the hold of one client (at most once). The last release
     * stops the session; the promise settles when its final save is done.
     */
    letGo(sessionId) {
      const hold = this.holding.get(sessionId);
      if (hold === undefined) return Promise.resolve();
      this.holding.delete(sessionId);
      this.state.players.delete(sessionId);
      hold.unbind?.();
      return players.release(hold.key);
    }

    /**
     * A key went bad (or needs a newer server): its players here are sent
     * away, without a reconnection window. The reason goes as an error
     * message (a close reason is limited to 123 bytes); the close carries
     * the skilift error code, which tells the client what to do
     * (docs/colyseus.md#when-a-session-goes-bad).
     */
    kickPlayer(key, code, reason) {
      for (const client of this.clients) {
        if (this.holding.get(client.sessionId)?.key !== key) continue;
        client.userData = { ...client.userData, bad: true };
        client.error(CLOSE_BAD_DATA, reason);
        client.leave(CLOSE_BAD_DATA, code.slice(0, 120));
      }
    }

    /** Earn or spend: applied at once (the state shows it), acknowledged again once stored. */
    change(client, kind, m) {
      const key = this.holding.get(client.sessionId)?.key;
      const session = players.session(key);
      if (!valid(m) || !session || session.bad()) return client.send("refused", { id: m?.id, reason: "bad request" });
      // The cache decides what the player may do now; the action decides
      // again on the stored data at the next pull (actions.spend).
      if (kind === "spend" && (players.data(key)?.coins ?? 0) < m.n) {
        return client.send("refused", { id: m.id, reason: "not enough coins" });
      }
      try {
        session.patch(actions[kind], m.id, m.n);
      } catch (error) {
        // Refused by the schema, or the session went bad meanwhile: nothing changed.
        return client.send("refused", { id: m.id, reason: String(error?.code ?? error) });
      }
      client.send("applied", { id: m.id });
      acknowledgeStored(client, session, m.id);
    }

    /** A trade to another player in this room: escrow, then a transaction. */
    async trade(client, m) {
      const fromKey = this.holding.get(client.sessionId)?.key;
      const toKey = m?.to;
      const inRoom = [...this.holding.values()].some((hold) => hold.key === toKey);
      if (!valid(m) || !fromKey || !inRoom || toKey === fromKey) {
        return client.send("traded", { id: m?.id, outcome: "refused" });
      }
      // Held for the trade: neither session may stop between escrow and outcome.
      const from = players.hold(fromKey);
      const to = players.hold(toKey);
      try {
        if (from.bad() || to.bad() || (players.data(fromKey)?.coins ?? 0) < m.n) {
          return client.send("traded", { id: m.id, outcome: "declined" });
        }
        // The escrow always applies, and the transaction follows with nothing
        // awaited in between: both are saved in one write (README "Transactions").
        // Both sessions are held and not bad, so neither call throws once
        // the escrow is in (a throw here would keep the escrow, unrefunded).
        from.patch(actions.escrow, `${m.id}:escrow`, m.n);
        const committed = await transaction(
          () => to.patch(actions.giveMoney, `${m.id}:give`, m.n),
          () => from.patch(actions.giveMoney, `${m.id}:refund`, m.n),
        );
        client.send("traded", { id: m.id, outcome: committed ? "committed" : "aborted" });
      } catch (error) {
        client.send("traded", { id: m.id, outcome: "error", reason: String(error?.code ?? error) });
      } finally {
        players.release(fromKey);
        players.release(toKey);
      }
    }
  };
}

function valid(m) {
  return typeof m?.id === "string" && REQUEST_ID.test(m.id) && Number.isInteger(m.n) && m.n > 0 && m.n <= MAX_COINS;
}

/** Tells the client once the change is stored (or that it never will be: the key went bad). */
function acknowledgeStored(client, session, id) {
  session.await().then(() => client.send(session.bad() ? "failed" : "stored", { id }));
}
