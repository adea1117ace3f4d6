// The reads of IndexedDbBackend (index.js) over many rows: one page of a
// store's keys, the keys whose current row carries a user id, the history
// of a key. Each is the body of one readonly transaction, in the shape
// index.js's #run takes: `(stores, done) => ...`, where `stores.versions`
// is the object store of rows keyed [store, key, seq].
//
// IndexedDB orders string keys by UTF-16 code units, which is JavaScript's
// string order, and arrays element by element, shorter first, strings before
// arrays; so the rows of one store are sorted by key, then seq, and
// [store, key, []] lies just past every row of that key.

import { versionInfo } from "../shared.js";

/** Above every number and string in IndexedDB key order. */
const PAST = [];

/**
 * Keys of `store` after `after` (or from `prefix`), starting with `prefix`,
 * at most `limit`: a key cursor that jumps from each key past its rows, so
 * one step per key and no values read.
 */
export function listBody(keyRange, store, { after, limit, prefix }) {
  const fromAfter = after !== undefined && after >= prefix;
  const lower = fromAfter ? [store, after, PAST] : [store, prefix];
  const range = keyRange.bound(lower, [store, PAST], fromAfter, true);
  return ({ versions }, done) => {
    const keys = [];
    const request = versions.openKeyCursor(range);
    request.onsuccess = () => {
      const cursor = request.result;
      // Past the prefix, no later key starts with it either.
      if (!cursor || !cursor.key[1].startsWith(prefix)) return done(keys);
      keys.push(cursor.key[1]);
      if (keys.length >= limit) return done(keys);
      cursor.continue([store, cursor.key[1], PAST]);
    };
  };
}

/**
 * Keys of `store` whose newest row carries `userId`, sorted: a cursor from
 * the end that reads each key's newest row and jumps below its older ones.
 */
export function byUserBody(keyRange, store, userId) {
  const range = keyRange.bound([store], [store, PAST]);
  return ({ versions }, done) => {
    const keys = [];
    const request = versions.openCursor(range, "prev");
    request.onsuccess = () => {
      const cursor = request.result;
      if (!cursor) return done(keys.reverse());
      const row = cursor.value;
      if (row.userIds.includes(userId)) keys.push(row.key);
      cursor.continue([store, row.key]);
    };
  };
}

/** `{ version, time, userIds }` of a key's rows written before `before`, newest first, at most `limit`. */
export function historyBody(keyRange, byTime, store, key, { limit, before }) {
  // Every time of a row is finite: nothing is before -Infinity.
  if (!(before > -Infinity)) return (_, done) => done([]);
  const range = keyRange.bound([store, key, -Infinity], [store, key, before], false, true);
  return ({ versions }, done) => {
    const found = [];
    // Rows of equal time come in seq order, so "prev" gives the newest first.
    const request = versions.index(byTime).openCursor(range, "prev");
    request.onsuccess = () => {
      const cursor = request.result;
      if (!cursor) return done(found);
      found.push(versionInfo(cursor.value));
      if (found.length >= limit) return done(found);
      cursor.continue();
    };
  };
}
