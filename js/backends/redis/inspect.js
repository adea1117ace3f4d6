// Read-only queries about everything a RedisBackend keeps under one
// keyPrefix, for tools (`skilift inspect` and `skilift studio` in js/cli/).
// Internal API, not a public subpath: it lives here so that only
// js/backends/redis/ knows the key layout (layout.js).

import { layout } from "./layout.js";
import { globEscape } from "./listing.js";

const unescape = (s) => s.replace(/%(25|7D)/g, (_, code) => (code === "25" ? "%" : "}"));

/**
 * The stores under `keyPrefix` that hold keys: [{ store, keys }], sorted in
 * JavaScript string order. Found from each store's set of index slots (on
 * every master of a Cluster), counted from its index buckets; `backend`
 * (the RedisBackend on `client` and `keyPrefix`) indexes first what older
 * versions wrote without indexes, as its own first listing does.
 */
export async function listStores(backend, client, keyPrefix = "skilift:") {
  const names = layout(keyPrefix);
  if ((await client.get(names.markerKey)) !== "1") await backend.reindex();
  const nodes = typeof client.nodes === "function" ? client.nodes("master") : [client];
  const head = `${keyPrefix}{slots:`;
  const stores = new Set();
  for (const node of nodes) {
    let cursor = "0";
    do {
      const [next, found] = await node.scan(cursor, "MATCH", `${globEscape(head)}*}`, "COUNT", 1000);
      cursor = next;
      for (const name of found) if (name.startsWith(head) && name.endsWith("}")) stores.add(unescape(name.slice(head.length, -1)));
    } while (cursor !== "0");
  }
  const counted = await Promise.all(
    [...stores].map(async (store) => {
      const slots = await client.smembers(names.slotsKey(store));
      const sizes = await Promise.all(slots.map((slot) => client.zcard(names.bucket(store, Number(slot), "keys"))));
      return { store, keys: sizes.reduce((a, b) => a + Number(b), 0) };
    }),
  );
  return counted.filter((s) => s.keys > 0).sort((a, b) => (a.store < b.store ? -1 : a.store > b.store ? 1 : 0));
}
