// What the room does with data it must not touch: a player whose stored
// record this server cannot use is refused at join with CLOSE_BAD_DATA and
// the reason; a player whose key goes bad while in the room (here: erased by
// an operator, docs/api.md#storeremovekey) is sent away with that code, and
// the server writes nothing of theirs back.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "node:test";
import { Client } from "colyseus.js";
import { FsBackend } from "skilift/fs";
import { Store } from "skilift";
import { CLOSE_BAD_DATA } from "../market-room.mjs";
import { GameServer } from "../check/servers.mjs";

const NAMESPACE = "players/global";
/** `promise`, or a failure naming `what` if it has not settled in 15 s (a bound, not a speed check). */
const within = (promise, what) =>
  Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error(`never happened: ${what}`)), 15_000).unref())]);
const player = (name, coins) => JSON.stringify({ skilift: 1, migrations: [], pending: [], writers: {}, data: { name, coins, log: [] } });

test("a record this server cannot use is refused at join; a key erased while in the room sends the player away", async () => {
  const dir = mkdtempSync(join(tmpdir(), "skilift-colyseus-bad-"));
  const server = new GameServer("A", { DATA_DIR: dir });
  try {
    const backend = new FsBackend(dir);
    // A step this game does not know: written by a newer version of the game.
    const newer = JSON.parse(player("Newer", 5));
    newer.migrations = ["a-step-of-a-newer-game"];
    await backend.put(NAMESPACE, "newer", JSON.stringify(newer), null, { userIds: [] });
    await backend.put(NAMESPACE, "gone", player("Gone", 7), null, { userIds: [] });
    await server.ready;
    const client = new Client(server.ws);

    const refused = await client.joinOrCreate("market", { playerId: "newer" }).then(() => null, (error) => error);
    assert.ok(refused, "the join of a player whose record is unusable was accepted");
    assert.equal(refused.code, CLOSE_BAD_DATA, `refused with ${refused.code}: ${refused.message}`);
    assert.match(refused.message, /a-step-of-a-newer-game/);

    const room = await client.joinOrCreate("market", { playerId: "gone" });
    const told = new Promise((resolve) => room.onError((code, message) => resolve({ code, message })));
    const left = new Promise((resolve) => room.onLeave((code, reason) => resolve({ code, reason })));
    const operator = new Store({ name: "players", defaultData: () => ({}), backend });
    await operator.remove("gone");
    assert.deepEqual(await within(left, "the player sent away"), { code: CLOSE_BAD_DATA, reason: "bad_data" }, "the player of an erased key was not sent away");
    const { code, message } = await within(told, "the reason sent to the player");
    assert.equal(code, CLOSE_BAD_DATA);
    assert.match(message, /the key was removed/);
    await operator.close();
    assert.equal(await backend.get(NAMESPACE, "gone"), null, "the erased key was written back");
    assert.equal(await backend.get(NAMESPACE, "newer").then((e) => JSON.parse(e.value).data.coins), 5, "the unusable record was changed");
  } finally {
    await server.shutdown();
    rmSync(dir, { recursive: true, force: true });
  }
});
