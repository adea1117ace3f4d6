// One game-server process: one skilift Store, the market room, the purchase
// webhook, all on one port. `npm start` (or `node server.mjs`) runs it;
// PORT (2567), HOST (127.0.0.1), DATA_DIR or SKILIFT_BACKEND=postgres
// (backend.mjs), PULL_DELAY, TRANSACTION_TIMEOUT and RECONNECT_SECONDS (in
// seconds) set it up. SIGTERM or Ctrl-C shuts it down gracefully: every
// room disconnects, then every session's final save is awaited.

import http from "node:http";
import { Server } from "@colyseus/core";
import { WebSocketTransport } from "@colyseus/ws-transport";
import { openBackend } from "./backend.mjs";
import { createGame } from "./game.mjs";
import { marketRoom } from "./market-room.mjs";
import { Players } from "./players.mjs";
import { purchasesHandler } from "./purchases.mjs";

const port = Number(process.env.PORT ?? 2567);
const host = process.env.HOST ?? "127.0.0.1";
const { backend, label, close } = await openBackend();
let players; // made below, once the Store exists

// Failures in the background: storage down (retried), a key gone bad. A bad
// session writes nothing and never will on this server: its players are sent
// away (market-room.mjs), to come back once the data is fixed or to a newer
// server (the code says which, docs/colyseus.md).
function report(error, key) {
  console.warn(`skilift: ${error?.code ?? "error"}${key ? ` (${key})` : ""}: ${error?.message ?? error}`);
  // The session records that it went bad once the report is out: look after.
  if (key !== undefined) setImmediate(() => {
    const reason = players.session(key)?.bad();
    if (reason) players.emit("bad", key, String(error?.code ?? "bad_data"), reason);
  });
}
const game = createGame(backend, report);
players = new Players({ ...game, report });

const httpServer = http.createServer(purchasesHandler(players));
const gameServer = new Server({ transport: new WebSocketTransport({ server: httpServer }), greet: false });
gameServer.define("market", marketRoom(players, game.actions));

// After the rooms are disposed (their onLeave/onDispose released every hold,
// starting the final saves): wait for all of them, then end the connections.
gameServer.onShutdown(async () => {
  await game.store.close();
  await close();
  const { writes, conflicts } = game.store.stats();
  console.log(`market: every session saved (${label}); writes ${writes}, conflicts ${conflicts}`);
});

await gameServer.listen(port, host);
console.log(`market: listening on ws://${host}:${httpServer.address().port}, player data in ${label}`);
