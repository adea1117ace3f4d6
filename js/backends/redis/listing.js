// The listing reads of RedisBackend (index.js) over the per-slot index
// buckets (slots.js): one page of keys as a merge of the buckets of every
// slot a namespace uses, the keys of a user id, and the scan that puts
// entries written before the indexes existed into them (reindex).

import { keyOfMember, memberOf, userIdText } from "./slots.js";

/** Above every member (hex digits only): the end of a prefix range. */
const PAST = "g";

/**
 * One page of `list`: the keys in JavaScript order, merged from the buckets
 * of `slots`. `read(slot, min, max, count)` answers up to `count` members
 * of that slot's bucket in the ZRANGEBYLEX range [min, max), sorted.
 *
 * Each round asks every bucket still in play for a few members; a bucket
 * that answered as many as asked may hold more, so the round can only
 * vouch for the members up to the smallest last member of such a bucket
 * (`bound`). Those are taken in order; the next round starts after `bound`.
 * Buckets that answered less than asked and nothing past `bound` are done.
 */
export async function mergePage(read, slots, { after, limit, prefix }) {
  const fromAfter = after !== undefined && after >= prefix;
  let min = fromAfter ? `(${memberOf(after)}` : `[${memberOf(prefix)}`;
  const max = `(${memberOf(prefix)}${PAST}`;
  let active = slots;
  const page = [];
  while (page.length < limit && active.length > 0) {
    const wanted = limit - page.length;
    const count = Math.min(wanted, Math.max(16, Math.ceil((2 * wanted) / active.length)));
    const answers = await Promise.all(active.map((slot) => read(slot, min, max, count)));
    let bound;
    for (const members of answers) {
      if (members.length === count && (bound === undefined || members[members.length - 1] < bound)) bound = members[members.length - 1];
    }
    const sure = answers.flat().filter((m) => bound === undefined || m <= bound).sort();
    for (const member of sure.slice(0, wanted)) page.push(keyOfMember(member));
    if (bound === undefined) break; // every bucket answered all it had
    active = active.filter((_, i) => answers[i].length === count || answers[i].some((m) => m > bound));
    min = `(${bound}`;
  }
  return page;
}

/** The keys of a user id from its members `<id>:<key in hex>` in every bucket, sorted. */
export function keysOfUserMembers(memberLists, id) {
  const start = id.length + 1;
  return memberLists
    .flat()
    .map((m) => m.slice(start))
    .sort()
    .map(keyOfMember);
}

/** `[store, key]` of the name of a key's `cur` hash (`{prefix}{<n>:<store>:<key>}:cur`), or null for any other name. */
export function namesOfCurrent(name, prefix) {
  if (!name.startsWith(`${prefix}{`) || !name.endsWith("}:cur")) return null;
  const tag = name.slice(prefix.length + 1, -":cur".length - 1);
  const m = /^([0-9]+):/.exec(tag);
  if (!m || tag.includes("}")) return null;
  const length = Number(m[1]);
  const rest = tag.slice(m[0].length);
  if (rest.length < length + 1 || rest[length] !== ":") return null;
  const unescape = (s) => s.replace(/%(25|7D)/g, (_, code) => (code === "25" ? "%" : "}"));
  return [unescape(rest.slice(0, length)), unescape(rest.slice(length + 1))];
}

/** A Redis glob pattern matching `text` literally. */
export const globEscape = (text) => text.replace(/[*?[\]\\]/g, "\\$&");

/**
 * RedisBackend.reindex: scans every master for the `cur` hashes under
 * `prefix` and puts each entry whose `ui` does not match its user ids into
 * the indexes (REINDEX, which does nothing if the entry changed meanwhile:
 * then it is read again). Marks the prefix indexed at the end.
 */
export async function reindex({ client, prefix, names, noteSlot, run, storable }) {
  const nodes = typeof client.nodes === "function" ? client.nodes("master") : [client];
  const pattern = `${globEscape(prefix)}{*}:cur`;
  let fixed = 0;
  for (const node of nodes) {
    let cursor = "0";
    do {
      const [next, found] = await node.scan(cursor, "MATCH", pattern, "COUNT", 1000);
      cursor = next;
      for (const name of found) fixed += await reindexOne(name);
    } while (cursor !== "0");
  }
  await client.set(names.markerKey, "1");
  return fixed;

  async function reindexOne(name) {
    const parsed = namesOfCurrent(name, prefix);
    if (parsed === null || !parsed.every(storable)) return 0;
    const [store, key] = parsed;
    const { slot, keys } = names.allKeysOf(store, key);
    if (keys[0] !== name) return 0; // not a name RedisBackend writes
    await noteSlot(store, slot);
    for (let attempt = 0; attempt < 5; attempt++) {
      const [token, ids, ui] = await client.hmget(name, "t", "u", "ui");
      if (token === null || token === undefined) return 0;
      const wanted = JSON.parse(ids).map(userIdText).join(",");
      if (ui === wanted) return 0;
      if (await run(keys, [token, memberOf(key), wanted])) return 1;
    }
    return 0; // rewritten all the while: by writers that keep the indexes themselves
  }
}
