// The package under Bun and Deno (their Node compatibility: both resolve
// `skilift` through its "node" export conditions, so this is the CommonJS
// build with the nodejs wasm target). Run as `bun runtimes.mjs` or
// `deno run -A runtimes.mjs` from a project that has skilift installed.
// Prints `ok RUNTIME BACKEND` or `FAIL RUNTIME BACKEND: reason` per backend.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { Store, MemoryBackend } from "skilift";
import { FsBackend } from "skilift/fs";

const runtime = typeof Bun !== "undefined" ? `bun ${Bun.version}` : typeof Deno !== "undefined" ? `deno ${Deno.version.deno}` : `node ${process.version}`;

/** Rejects after `ms`: a hang must fail the check, not the whole run. */
function within(ms, promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took more than ${ms} ms`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function makeStore(backend) {
  const store = new Store({ name: "players", defaultData: () => ({ coins: 0 }), backend, pullDelay: 0.05 });
  const addCoins = store.action((data, n) => ({ ...data, coins: data.coins + n }));
  return { store, addCoins };
}

// Load, patch, await the save, stop; read back through a second Store.
async function saveAndReadBack(backend, again = backend) {
  const first = makeStore(backend);
  const session = first.store.load("player_1");
  session.patch(first.addCoins, 5);
  await within(10_000, session.await(), "session.await()");
  await within(10_000, session.stop(), "session.stop()");
  await first.store.close();
  const second = makeStore(again);
  const data = await within(10_000, second.store.view("player_1").latest(), "view.latest()");
  await second.store.close();
  if (data?.coins !== 5) throw new Error(`read back ${JSON.stringify(data)}, expected { coins: 5 }`);
}

async function check(name, fn) {
  try {
    await fn();
    console.log(`ok ${runtime} ${name}`);
    return true;
  } catch (error) {
    console.log(`FAIL ${runtime} ${name}: ${String(error?.stack ?? error).replace(/\n/g, "\n    ")}`);
    return false;
  }
}

const results = [
  await check("MemoryBackend", () => saveAndReadBack(new MemoryBackend())),
  await check("FsBackend", async () => {
    const dir = mkdtempSync(join(tmpdir(), "skilift-runtimes-"));
    try {
      // Two backends on one folder: the second Store reads what is on disk.
      await saveAndReadBack(new FsBackend(dir), new FsBackend(dir));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }),
];
process.exitCode = results.every(Boolean) ? 0 : 1;
