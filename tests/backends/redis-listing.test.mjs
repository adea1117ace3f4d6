// RedisBackend's listing indexes beyond the shared contract: the per-slot
// buckets really share a slot with the data (Redis's own CLUSTER KEYSLOT
// agrees with slots.js), entries written by the version before the indexes
// are listed (the first listing reindexes them) and an older writer's later
// change of user ids is fixed by reindex, a remove leaves no Redis key that
// holds the value, and the merge of buckets (mergePage) pages exactly on
// random buckets without Redis.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { RedisBackend } from "../../js/backends/redis/index.js";
import { SLOTS, memberOf, slotOfTag, slotTag } from "../../js/backends/redis/slots.js";
import { mergePage, namesOfCurrent } from "../../js/backends/redis/listing.js";
import { dropPrefix, freshPrefix, holdServers, newCluster, newRedis, skip } from "./redis-env.mjs";

const STORE = "players/global";
const curOf = (prefix, key, store = STORE) => `${prefix}{${store.length}:${store}:${key}}:cur`;

if (!skip("standalone") || !skip("cluster")) await holdServers();

const clients = [];
const prefixes = [];
after(async () => {
  for (const [client, prefix] of prefixes) await dropPrefix(client, prefix);
  clients.forEach((c) => c.disconnect());
});
function client(connect) {
  const c = connect();
  clients.push(c);
  return c;
}
function prefixOn(c) {
  const p = freshPrefix();
  prefixes.push([c, p]);
  return p;
}

/** Writes an entry the way the version before the listing indexes did: no `ui`, in no index. */
async function writeOld(c, prefix, key, value, userIds) {
  await c.hset(curOf(prefix, key), "t", `1.${"ab".repeat(8)}`, "n", "1", "ms", String(Date.now()), "u", JSON.stringify(userIds), "v", value);
}

/** Every Redis key under `prefix` whose contents mention `text`. */
async function keysHolding(c, prefix, text) {
  const nodes = typeof c.nodes === "function" ? c.nodes("master") : [c];
  const found = [];
  for (const node of nodes) {
    for (let cursor = "0", first = true; first || cursor !== "0"; first = false) {
      const [next, names] = await node.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
      cursor = next;
      for (const name of names) {
        const type = await node.type(name);
        const content = type === "hash" ? await node.hgetall(name) : type === "zset" ? await node.zrange(name, 0, -1) : type === "set" ? await node.smembers(name) : await node.get(name);
        if (JSON.stringify(content).includes(text)) found.push(name);
      }
    }
  }
  return found;
}

describe("RedisBackend listing: slots", () => {
  it("slotTag(s) hashes to slot s for every slot, and the slots agree with CLUSTER KEYSLOT", { skip: skip("cluster") }, async () => {
    for (let s = 0; s < SLOTS; s++) assert.equal(slotOfTag(slotTag(s)), s);
    const c = client(newCluster);
    for (const s of [0, 1, 5, 777, 8191, 12182, 16383]) assert.equal(Number(await c.cluster("KEYSLOT", `x{${slotTag(s)}}:keys:${STORE}`)), s);
    for (const key of ["bob", "é", "🎮", "a}b", "%7D", "", "x".repeat(300)]) {
      const tagged = curOf("p:", key.replaceAll("%", "%25").replaceAll("}", "%7D"));
      const slot = Number(await c.cluster("KEYSLOT", tagged));
      const tag = tagged.slice(tagged.indexOf("{") + 1, tagged.indexOf("}"));
      assert.equal(slotOfTag(tag), slot, JSON.stringify(key));
    }
  });

  it("namesOfCurrent reads back the store and key of every cur name, odd ones included", () => {
    for (const [store, key] of [[STORE, "bob"], ["s}x", "a}b%7D"], ["a:b", ":"], ["", ""], ["日本", "🎮 player"]]) {
      const esc = (s) => s.replaceAll("%", "%25").replaceAll("}", "%7D");
      const name = `p{${esc(store).length}:${esc(store)}:${esc(key)}}:cur`;
      assert.deepEqual(namesOfCurrent(name, "p"), [store, key]);
    }
    for (const name of ["p{x}:cur", "p{3:ab}:cur", "q{1:a:b}:cur", "p{1:a:b}:hist", "p{ixa0z}:keys:s"]) assert.equal(namesOfCurrent(name, "p"), null, name);
  });
});

for (const [what, connect] of [["standalone", newRedis], ["cluster", newCluster]]) {
  describe(`RedisBackend listing (${what})`, { skip: skip(what) }, () => {
    it("entries written before the indexes existed are listed: the first listing reindexes them", async () => {
      const c = client(connect);
      const p = prefixOn(c);
      await writeOld(c, p, "old-a", "A", [5]);
      await writeOld(c, p, "old-b", "B", [5, 6]);
      const b = new RedisBackend(c, { keyPrefix: p });
      await b.put(STORE, "new", "N", null, { userIds: [6] });
      assert.deepEqual(await b.list(STORE), ["new", "old-a", "old-b"]);
      assert.deepEqual(await b.keysByUser(STORE, 6), ["new", "old-b"]);
      // An old entry written by this version from then on is kept in the index by its writes.
      const e = await b.get(STORE, "old-a");
      await b.put(STORE, "old-a", "A2", e.version, { userIds: [7] });
      assert.deepEqual(await b.keysByUser(STORE, 5), ["old-b"]);
      assert.deepEqual(await b.keysByUser(STORE, 7), ["old-a"]);
      await b.remove(STORE, "old-b");
      assert.deepEqual(await new RedisBackend(c, { keyPrefix: p }).list(STORE), ["new", "old-a"]);
    });

    it("reindex fixes what an older writer changed since; a second reindex has nothing to do", async () => {
      const c = client(connect);
      const p = prefixOn(c);
      const b = new RedisBackend(c, { keyPrefix: p });
      await b.put(STORE, "k", "1", null, { userIds: [1] });
      assert.deepEqual(await b.keysByUser(STORE, 1), ["k"]);
      // An older server rewrites the entry with other user ids (and no index update).
      await c.hset(curOf(p, "k"), "u", "[2]", "v", "2");
      await writeOld(c, p, "added-by-old", "x", [2]);
      assert.equal(await b.reindex(), 2);
      assert.deepEqual(await b.keysByUser(STORE, 1), []);
      assert.deepEqual(await b.keysByUser(STORE, 2), ["added-by-old", "k"]);
      assert.deepEqual(await b.list(STORE), ["added-by-old", "k"]);
      assert.equal(await b.reindex(), 0);
    });

    it("remove leaves no Redis key that holds the value, its history or its user id", async () => {
      const c = client(connect);
      const p = prefixOn(c);
      const b = new RedisBackend(c, { keyPrefix: p });
      let v = null;
      for (let i = 0; i < 4; i++) v = await b.put(STORE, "gone", `secret-${i}`, v, { userIds: [424242] });
      await b.put(STORE, "stays", "x", null, { userIds: [1] });
      assert.ok((await keysHolding(c, p, "secret-")).length > 0);
      assert.ok((await keysHolding(c, p, memberOf("gone"))).length > 0);
      await b.remove(STORE, "gone");
      assert.deepEqual(await keysHolding(c, p, "secret-"), []);
      assert.deepEqual(await keysHolding(c, p, "424242"), []);
      assert.deepEqual(await keysHolding(c, p, memberOf("gone")), []);
      assert.deepEqual(await b.list(STORE), ["stays"]);
    });
  });
}

describe("RedisBackend listing: mergePage (no Redis)", () => {
  it("merges random buckets exactly, for every limit, after and prefix", async () => {
    let seed = 7;
    const next = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (let round = 0; round < 200; round++) {
      // A few full buckets in half the rounds: more than one round asks of
      // each (it asks for less than the limit only from 3 buckets on).
      const bucketCount = round % 2 ? 3 + Math.floor(next() * 4) : 1 + Math.floor(next() * 40);
      const buckets = Array.from({ length: bucketCount }, () => []);
      const keys = new Set();
      const alphabet = [..."abcdef\u{1F600}\uE000"];
      for (let i = Math.floor(next() * 600); i > 0; i--) keys.add(Array.from({ length: 1 + Math.floor(next() * 4) }, () => alphabet[Math.floor(next() * alphabet.length)]).join(""));
      // Uniformly (as hash slots spread keys), or skewed: most keys in the first buckets.
      const skew = round % 4 === 1 ? 3 : 1;
      for (const key of keys) buckets[Math.floor(next() ** skew * bucketCount)].push(memberOf(key));
      buckets.forEach((b) => b.sort());
      // ZRANGEBYLEX over a sorted bucket: min/max are "(x", "[x".
      const read = async (slot, min, max, count) => {
        const ok = (m) => (min[0] === "(" ? m > min.slice(1) : m >= min.slice(1)) && m < max.slice(1);
        return buckets[slot].filter(ok).slice(0, count);
      };
      const sorted = [...keys].sort();
      const limit = 1 + Math.floor(next() * 200);
      const prefix = next() < 0.3 ? sorted[Math.floor(next() * sorted.length)]?.slice(0, 1) ?? "" : "";
      const paged = [];
      let after;
      for (let pages = 0; pages < 1000; pages++) {
        const page = await mergePage(read, buckets.map((_, i) => i), { after, limit, prefix });
        assert.ok(page.length <= limit);
        if (page.length === 0) break;
        paged.push(...page);
        after = page.at(-1);
      }
      assert.deepEqual(paged, sorted.filter((k) => k.startsWith(prefix)), `round ${round}`);
    }
  });
});
