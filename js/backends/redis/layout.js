// The Redis key names of RedisBackend (index.js; docs/redis.md, "Key
// layout"). Each (store, key) owns three keys under its own hash tag; each
// namespace has, per hash slot it uses, two listing buckets under that
// slot's tag (slots.js), a set of those slots, and the whole keyPrefix one
// marker saying its entries are indexed. Every name starts with keyPrefix.

import { slotOfTag, slotTag } from "./slots.js";

/** `s` without "}" (escaped with "%"), so it can sit inside a hash tag. */
export const esc = (s) => s.replaceAll("%", "%25").replaceAll("}", "%7D");

/**
 * The hash tag of (store, key): injective (the length says where the store
 * ends) and free of "}", so Redis hashes exactly this text and two
 * (store, key) pairs never share keys.
 */
export function tagOf(store, key) {
  const s = esc(store);
  return `${s.length}:${s}:${esc(key)}`;
}

/** The key names under `prefix`. */
export function layout(prefix) {
  /** cur, hist and times of (store, key). */
  const keysOf = (store, key) => {
    const base = `${prefix}{${tagOf(store, key)}}`;
    return [`${base}:cur`, `${base}:hist`, `${base}:times`];
  };
  /** The index bucket (`keys` or `users`) of `store` in hash slot `slot`. */
  const bucket = (store, slot, kind) => `${prefix}{${slotTag(slot)}}:${kind}:${store}`;
  return {
    keysOf,
    bucket,
    /** The slot of (store, key) and every key its scripts touch: its three, then its slot's two buckets. */
    allKeysOf(store, key) {
      const slot = slotOfTag(tagOf(store, key));
      return { slot, keys: [...keysOf(store, key), bucket(store, slot, "keys"), bucket(store, slot, "users")] };
    },
    /** The set of the slots whose buckets `store` may use. */
    slotsKey: (store) => `${prefix}{slots:${esc(store)}}`,
    /** "1" once every entry under the prefix was indexed (reindex). */
    markerKey: `${prefix}{listing}`,
  };
}
