// SqliteBackend's tables and statements (index.js is the backend). Kept
// apart so the backend reads as the contract, and the SQL reads in one place.
//
// Four tables per prefix:
//   {p}versions  every retained version: id (INTEGER PRIMARY KEY
//                AUTOINCREMENT: SQLite never hands an id out twice, not even
//                after the row is deleted, so a token is never reused), store,
//                key, time, user ids (JSON), value.
//   {p}heads     (store, key) → id of the current version, its time and user ids.
//   {p}users     (store, user id, key) for the current versions: keysByUser.
//   {p}meta      the database's epoch: a random name made with the tables.
// Store and key are BLOBs of UTF-16 code units, big-endian (names.js): SQLite
// compares BLOBs byte by byte, which is then JavaScript string order, and
// every JS string round-trips exactly, lone surrogates and NUL included.

/** `CREATE ... IF NOT EXISTS` of every table and index of `p`. */
export function createTables(p) {
  return `
    CREATE TABLE IF NOT EXISTS "${p}versions" (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      store BLOB NOT NULL, key BLOB NOT NULL,
      time REAL NOT NULL, user_ids TEXT NOT NULL, value TEXT NOT NULL);
    CREATE INDEX IF NOT EXISTS "${p}versions_key" ON "${p}versions" (store, key, id);
    CREATE TABLE IF NOT EXISTS "${p}heads" (
      store BLOB NOT NULL, key BLOB NOT NULL, id INTEGER NOT NULL,
      time REAL NOT NULL, user_ids TEXT NOT NULL,
      PRIMARY KEY (store, key)) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS "${p}users" (
      store BLOB NOT NULL, user_id REAL NOT NULL, key BLOB NOT NULL,
      PRIMARY KEY (store, user_id, key)) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS "${p}meta" (name TEXT PRIMARY KEY, value TEXT NOT NULL);`;
}

/** Every statement the backend runs, prepared once on `db` for prefix `p`. */
export function prepare(db, p) {
  const s = (sql) => db.prepare(sql);
  const entry = `SELECT id, time, user_ids AS userIds, value FROM "${p}versions"`;
  const keys = `SELECT key FROM "${p}heads" WHERE store = @store AND (@after IS NULL OR key > @after) AND key >= @from`;
  return {
    epoch: s(`SELECT value FROM "${p}meta" WHERE name = 'epoch'`).pluck(),
    setEpoch: s(`INSERT OR IGNORE INTO "${p}meta" (name, value) VALUES ('epoch', ?)`),
    head: s(`SELECT id, time, user_ids AS userIds FROM "${p}heads" WHERE store = ? AND key = ?`),
    current: s(`${entry} WHERE id = (SELECT id FROM "${p}heads" WHERE store = ? AND key = ?)`),
    byId: s(`${entry} WHERE id = ? AND store = ? AND key = ?`),
    atTime: s(`${entry} WHERE store = ? AND key = ? AND time <= ? ORDER BY id DESC LIMIT 1`),
    history: s(
      `SELECT id, time, user_ids AS userIds FROM "${p}versions" WHERE store = ? AND key = ? AND time < ? ORDER BY id DESC LIMIT ?`,
    ),
    insert: s(`INSERT INTO "${p}versions" (store, key, time, user_ids, value) VALUES (?, ?, ?, ?, ?)`),
    setHead: s(`INSERT OR REPLACE INTO "${p}heads" (store, key, id, time, user_ids) VALUES (?, ?, ?, ?, ?)`),
    // The versions `history` places back and older: one indexed range.
    prune: s(
      `DELETE FROM "${p}versions" WHERE store = @store AND key = @key AND id <= ` +
        `(SELECT id FROM "${p}versions" WHERE store = @store AND key = @key ORDER BY id DESC LIMIT 1 OFFSET @keep)`,
    ),
    addUser: s(`INSERT OR IGNORE INTO "${p}users" (store, user_id, key) VALUES (?, ?, ?)`),
    dropUsers: s(`DELETE FROM "${p}users" WHERE store = ? AND key = ?`),
    dropVersions: s(`DELETE FROM "${p}versions" WHERE store = ? AND key = ?`),
    dropHead: s(`DELETE FROM "${p}heads" WHERE store = ? AND key = ?`),
    // list: keys after `after` (NULL: from the first), from the prefix on,
    // and (listBelow) before the first BLOB past the prefix.
    list: s(`${keys} ORDER BY key LIMIT @limit`).pluck(),
    listBelow: s(`${keys} AND key < @past ORDER BY key LIMIT @limit`).pluck(),
    byUser: s(`SELECT key FROM "${p}users" WHERE store = ? AND user_id = ? ORDER BY key`).pluck(),
  };
}
