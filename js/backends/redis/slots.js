// Where RedisBackend (index.js) keeps the listing indexes of a namespace,
// and how keys are written in them (docs/redis.md, "The listing indexes").
//
// A Lua script on a Redis Cluster may only touch keys of one hash slot, and
// each (store, key) has a hash tag of its own (index.js), so a namespace's
// keys are spread over every slot. For put and remove to update an index in
// the same script as the data, the index is split by slot: for slot s, the
// namespace's buckets live under the hash tag `slotTag(s)`, a short string
// that hashes to s. Listing reads the buckets of the slots the namespace
// uses and merges them.
//
// Members are the UTF-16 code units of the key as 4 hex digits each, so
// Redis's byte order (ZRANGEBYLEX) is JavaScript's string order, and a
// prefix of a key is a prefix of its member.

import { Buffer } from "node:buffer";

export const SLOTS = 16384;

const TABLE = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  let c = i << 8;
  for (let j = 0; j < 8; j++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
  TABLE[i] = c;
}

/** CRC16/XMODEM of the UTF-8 bytes of `text`: Redis Cluster's key hash. */
export function crc16(text) {
  let crc = 0;
  for (const byte of Buffer.from(text, "utf8")) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ byte) & 0xff];
  return crc;
}

/** The hash slot of a key whose hash tag is `tag`. */
export const slotOfTag = (tag) => crc16(tag) % SLOTS;

let tags = null;

/**
 * A hash tag that hashes to `slot`: for each slot, the first of "ix0",
 * "ix1", ... "ixa", ... (i in base 36) that lands on it. Part of the
 * storage layout: it must never change. Built once, on first use
 * (about 170,000 candidates for all 16,384 slots).
 */
export function slotTag(slot) {
  if (tags === null) {
    const found = new Array(SLOTS);
    let missing = SLOTS;
    for (let i = 0; missing > 0; i++) {
      const tag = `ix${i.toString(36)}`;
      const s = slotOfTag(tag);
      if (found[s] === undefined) {
        found[s] = tag;
        missing--;
      }
    }
    tags = found;
  }
  return tags[slot];
}

/** The index member of a key: its UTF-16 code units, 4 hex digits each. */
export function memberOf(key) {
  let out = "";
  for (let i = 0; i < key.length; i++) out += key.charCodeAt(i).toString(16).padStart(4, "0");
  return out;
}

/** The key of an index member. */
export function keyOfMember(member) {
  let out = "";
  for (let i = 0; i < member.length; i += 4) out += String.fromCharCode(parseInt(member.slice(i, i + 4), 16));
  return out;
}

/** A user id as it is written in the user index: JavaScript's own spelling of the number. */
export const userIdText = (id) => String(id);
