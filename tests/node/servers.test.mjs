// Two Store instances on one MemoryBackend stand in for two servers editing
// one key at the same time: no update may be lost or applied twice.

import { test } from "node:test";
import assert from "node:assert/strict";
import { LaggyBackend, MemoryBackend, quickStore, stored } from "./helpers.mjs";

function server(backend, name) {
  const { store, log } = quickStore(backend);
  const add = store.action((d, n) => ({ ...d, coins: d.coins + n }));
  const push = store.action((d, item) => ({ ...d, items: [...d.items, item] }));
  return { name, store, log, add, push };
}

const tick = () => new Promise((r) => setTimeout(r, 1));

test("two servers patching one key keep every change", async () => {
  const backend = new MemoryBackend();
  const laggy = new LaggyBackend(backend);
  const servers = [server(laggy, "a"), server(laggy, "b")];
  const sessions = servers.map((s) => s.store.load("shared"));
  const seen = sessions.map(() => undefined);
  sessions.forEach((s, i) => s.updated((d) => (seen[i] = d)));
  for (let i = 0; i < 25; i++) {
    servers.forEach((srv, j) => {
      sessions[j].patch(srv.add, 1);
      sessions[j].patch(srv.push, `${srv.name}${i}`);
    });
    await tick();
  }
  // Each server eventually sees the other's changes through `updated`.
  await Promise.all(sessions.map((s) => s.await()));
  await Promise.all(sessions.map((s) => s.await()));
  await Promise.all(sessions.map((s) => s.stop()));
  const data = await stored(backend, "shared");
  assert.equal(data.coins, 50);
  assert.equal(data.items.length, 50);
  assert.equal(new Set(data.items).size, 50, "no item applied twice");
  for (const srv of servers) {
    for (let i = 0; i < 25; i++) assert.ok(data.items.includes(`${srv.name}${i}`));
  }
  assert.deepEqual(servers.flatMap((s) => s.log.errors), []);
  assert.ok(laggy.conflicts > 0, "the servers' writes really conflicted");
});

test("a server sees the other server's changes through updated", async () => {
  const backend = new MemoryBackend();
  const a = server(backend, "a");
  const b = server(backend, "b");
  const sa = a.store.load("k");
  const sb = b.store.load("k");
  await Promise.all([sa.await(), sb.await()]);
  let bSeen = 0;
  sb.updated((d) => (bSeen = d.coins));
  sa.patch(a.add, 7);
  await sa.await(); // a has written
  await sb.await(); // b has pulled since
  await sb.await();
  assert.equal(bSeen, 7);
  await Promise.all([sa.stop(), sb.stop()]);
});
