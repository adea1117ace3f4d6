// The per-key lock of FsBackend (index.js): a promise queue inside the
// process, a lock file between processes, and the clean-up of what dead
// processes leave behind. Why this is enough for correctness (it is not the
// only guard: version files are created with link(), which fails if another
// writer got there first) is argued at the top of index.js.
//
// The lock file `lock` holds {host, pid, token, time} of its owner. It is
// taken with link(temp, "lock"), which fails with EEXIST if the lock is
// held: unlike open("wx") followed by a write, the lock appears whole, so a
// reader never sees an empty lock from an owner killed between create and
// write. A lock is stale when its owner is on this host and that pid is dead
// (process.kill(pid, 0) fails with ESRCH), or when it is older than
// `staleLockAge` by its own time stamp or by how long this acquirer has seen
// the same token (that covers pid reuse, other hosts and skewed clocks).

import { randomBytes } from "node:crypto";
import { link, readFile, readdir, stat, unlink, writeFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { HOST, LOCK, tempFile, tempOwner, versionOfFile } from "./names.js";
import { fsError } from "./record.js";
import { withOpenFile } from "./open_files.js";
import { sleep } from "../shared.js";

/** Whether process `pid` of this host may be alive (EPERM: alive, not ours). */
export function isAlive(pid) {
  if (!Number.isSafeInteger(pid) || pid <= 0) return true; // 0 and -n mean process groups: unknown
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === "EPERM";
  }
}

/** Key directory → tail of its queue; shared by every FsBackend of this process. */
const queues = new Map();

/** Runs `fn` after every earlier call for the same `id` in this process has finished. */
export async function inQueue(id, fn) {
  const previous = queues.get(id) ?? Promise.resolve();
  let done;
  const mine = new Promise((resolve) => (done = resolve));
  const tail = previous.then(() => mine);
  queues.set(id, tail);
  await previous;
  try {
    return await fn();
  } finally {
    done();
    if (queues.get(id) === tail) queues.delete(id);
  }
}

/** The owner written in a lock file, or null if there is no lock. */
async function readOwner(lockPath) {
  try {
    const text = await withOpenFile(() => readFile(lockPath, "utf8"));
    try {
      const owner = JSON.parse(text);
      if (typeof owner?.token === "string" && Number.isFinite(owner.time)) return owner;
    } catch {
      // Not ours (written by hand, or by something else): judged by its age.
    }
    const info = await stat(lockPath);
    return { token: `inode:${info.ino}:${info.mtimeMs}`, time: info.mtimeMs };
  } catch (e) {
    if (e.code === "ENOENT") return null;
    throw e;
  }
}

/**
 * Takes the lock file of `keyDir` (created if missing), runs
 * `fn({ brokeStale })` and releases the lock. Call it inside `inQueue(keyDir)`
 * so one process takes a key's lock once at a time. Rejects with code
 * `fs_lock_timeout` if the lock stays held by a live owner for `lockTimeout` ms.
 */
export async function withFileLock(keyDir, { lockTimeout, staleLockAge }, fn) {
  const lock = await acquire(keyDir, lockTimeout, staleLockAge);
  try {
    return await fn(lock);
  } finally {
    await release(keyDir, lock.token);
  }
}

async function acquire(keyDir, lockTimeout, staleLockAge) {
  const token = randomBytes(8).toString("hex");
  const temp = join(keyDir, tempFile("lock", token));
  const lockPath = join(keyDir, LOCK);
  const started = performance.now();
  let delay = 1;
  let brokeStale = false;
  let seen = { token: null, since: 0 };
  try {
    for (;;) {
      // Rewritten on every attempt, so the time stamp says when the lock was taken.
      const owner = JSON.stringify({ host: HOST, pid: process.pid, token, time: Date.now() });
      try {
        await withOpenFile(() => writeFile(temp, owner));
      } catch (e) {
        if (e.code !== "ENOENT") throw e;
        await mkdir(keyDir, { recursive: true });
        continue;
      }
      try {
        await link(temp, lockPath);
        return { token, brokeStale };
      } catch (e) {
        const busy = e.code === "EEXIST" || (process.platform === "win32" && ["EPERM", "EACCES"].includes(e.code));
        if (!busy) throw e;
      }
      const holder = await readOwner(lockPath);
      if (holder === null) continue; // released in between
      const now = performance.now();
      if (holder.token !== seen.token) seen = { token: holder.token, since: now };
      const dead = holder.host === HOST && !isAlive(holder.pid);
      const old = Date.now() - holder.time > staleLockAge || now - seen.since > staleLockAge;
      if (dead || old) {
        // Re-read just before removing, so a lock taken since is left alone.
        // (A narrow race remains; it can only let two writers in at once,
        // which the link() commit turns into a null for one of them.)
        if ((await readOwner(lockPath))?.token === holder.token) {
          await unlink(lockPath).catch((e) => {
            if (e.code !== "ENOENT") throw e;
          });
          brokeStale = true;
        }
        continue;
      }
      if (now - started > lockTimeout) {
        const who = holder.pid ? `process ${holder.pid} on host ${holder.host}` : "an unknown owner";
        throw fsError(
          "fs_lock_timeout",
          `FsBackend: the lock of ${keyDir} is still held by ${who} after ${lockTimeout} ms; ` +
            `it is considered abandoned after ${staleLockAge} ms`,
        );
      }
      await sleep(delay * (0.5 + Math.random()));
      delay = Math.min(delay * 2, 50);
    }
  } finally {
    await unlink(temp).catch(() => {});
  }
}

/**
 * Removes the lock if it is still ours (it may have been broken as stale).
 * Best effort: the call it guarded has already succeeded or failed, and a
 * lock that cannot be removed is broken by others once it is stale.
 */
async function release(keyDir, token) {
  const lockPath = join(keyDir, LOCK);
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      if ((await readOwner(lockPath))?.token === token) await unlink(lockPath);
      return;
    } catch (e) {
      if (e.code === "ENOENT") return;
      await sleep(5 * (attempt + 1)); // Windows: a reader has the file open
    }
  }
}

/**
 * Removes, from a locked key directory, version files older than the newest
 * `keep` and temp files whose writer is dead (or that are older than
 * `staleAge` ms, for writers on other hosts).
 */
export async function sweepKeyDirectory(keyDir, newest, keep, staleAge) {
  const names = await readdir(keyDir);
  await Promise.all(
    names.map(async (name) => {
      const version = versionOfFile(name);
      let garbage = version !== null && version <= newest - keep;
      const owner = tempOwner(name);
      if (owner !== null) {
        garbage = owner.host === HOST && !isAlive(owner.pid);
        if (!garbage) {
          const info = await stat(join(keyDir, name)).catch(() => null);
          garbage = info !== null && Date.now() - info.mtimeMs > staleAge;
        }
      }
      if (garbage) {
        await unlink(join(keyDir, name)).catch((e) => {
          if (e.code !== "ENOENT") throw e;
        });
      }
    }),
  );
}

/**
 * Finishes a removal in a locked key directory whose newest record is the
 * removal `marker` (a version number; Infinity when the key has no chain
 * left): deletes every older version file and every record temp file,
 * whoever wrote it, so no file but the removal record is left of the key.
 * (A temp file of a live writer can only be there if that writer broke this
 * lock by mistake; losing it makes its put fail, which is safe.) Lock temp
 * files hold no data and are left to their owners.
 */
export async function purgeBefore(keyDir, marker) {
  const names = await readdir(keyDir);
  await Promise.all(
    names.map(async (name) => {
      const version = versionOfFile(name);
      const garbage = version !== null ? version < marker : name.startsWith("tmp-") && tempOwner(name) !== null;
      if (garbage) {
        await unlink(join(keyDir, name)).catch((e) => {
          if (e.code !== "ENOENT") throw e;
        });
      }
    }),
  );
}
