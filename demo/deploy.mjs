// The rolling deploy halfway through the demo: each game server in turn is
// replaced by one running the next version of the game (demo/game.mjs: one
// more migration step, marked compatible, adding `gems`), while the bots keep
// playing. For each server: start its successor; once that is up, the old
// one takes no new players, purchases or hops (it is "draining"), its players
// move to the successor, and it keeps its sessions loaded (pulling and
// writing next to the new version) until it has answered every trade and
// purchase delivery it was handed and `drain` seconds have passed; then it
// closes (final saves) and exits. A server killed earlier is replaced too.

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** How long past `drain` an old server may keep requests unanswered before it is closed anyway (a failed check). */
const DRAIN_LIMIT_S = 20;

/**
 * Runs the deploy over `names` (in order, a step every `every` seconds).
 * `servers`: name -> server of the coordinator; `start(name, version)`
 * starts a server process and returns it; `move(bot, to)` hops a bot;
 * `unanswered(name)` lists the ids of the trades and purchases the server has
 * not answered; `problem(text)` fails the run. Returns one line per step.
 */
export async function rollingDeploy({ names, version, every, drain, servers, bots, start, move, unanswered, problem }) {
  const lines = [];
  for (const [i, name] of names.entries()) {
    const stepAt = Date.now();
    const old = servers.get(name);
    const next = start(`${name}${version}`, version);
    await next.ready;
    if (!old.alive) {
      lines.push(`deploy: ${next.name} (version ${version}) replaces ${name}, which was no longer running`);
    } else {
      old.draining = true;
      const players = bots.filter((b) => b.server === name);
      for (const bot of players) move(bot, next.name);
      const sideBySide = Date.now();
      while (Date.now() - sideBySide < drain * 1000 || unanswered(name).length > 0) {
        if (Date.now() - sideBySide > (drain + DRAIN_LIMIT_S) * 1000) {
          const ids = unanswered(name);
          problem(`deploy: ${name} left ${ids.length} requests unanswered ${drain + DRAIN_LIMIT_S} s after its players moved ` +
            `(${ids.slice(0, 8).join(", ")}); closed anyway`);
          break;
        }
        await sleep(50);
      }
      if (old.alive) old.child.send({ type: "finish" });
      await old.done;
      const s = ((Date.now() - sideBySide) / 1000).toFixed(1);
      lines.push(`deploy: ${next.name} (version ${version}) replaces ${name}: ${players.length} players moved, ` +
        `${name} served its sessions ${s} s next to it, then closed`);
    }
    console.log(`  >> ${lines.at(-1)}`);
    if (i < names.length - 1) await sleep(Math.max(0, stepAt + every * 1000 - Date.now()));
  }
  return lines;
}

/**
 * The deploy's checks, `{ ok, text, detail }` each: no key stopped on any
 * server of either version (`store.stats()` and what reached `onError`);
 * every gem mined stored once with its amount (lost only with the killed
 * server); on every key at the end the new field, equal to the gems its log
 * holds, and the step in the record with its compatible mark; and the two versions really wrote the
 * same keys (version-1 servers stored records carrying `gems`).
 * `records`: key -> stored data (with `migrations`, `compatible`); `stored`: entry id ->
 * { key, delta, gems }.
 */
export function auditDeploy({ records, stored, ledger, servers, killed, step = "gems" }) {
  const checks = [];
  const check = (ok, text, detail = []) => checks.push({ ok, text, detail: detail.slice(0, 8) });

  let bad = 0;
  let skew = 0;
  let reported = 0;
  let carried = 0;
  const stopped = [];
  for (const s of servers.values()) {
    bad += s.stats?.bad ?? 0;
    skew += s.stats?.needsNewerVersion ?? 0;
    reported += (s.errors?.bad_data ?? 0) + (s.errors?.needs_newer_version ?? 0);
    if (s.version < 2) carried += s.counts.carried ?? 0;
    if (s.stats?.bad || s.stats?.needsNewerVersion) stopped.push(`${s.name} (version ${s.version}): bad ${s.stats.bad ?? 0}, needs_newer_version ${s.stats.needsNewerVersion ?? 0}`);
    for (const code of ["bad_data", "needs_newer_version"]) if (s.errors?.[code]) stopped.push(`${s.name}: onError ${code} x${s.errors[code]}`);
  }
  const versions = [...servers.values()].map((s) => s.version);
  check(bad + skew + reported === 0 && versions.includes(1) && versions.includes(2),
    `no key stopped on any of ${servers.size} servers, version 1 or 2: bad ${bad}, needs_newer_version ${skew}, reported to onError ${reported}`, stopped);

  const wrong = [];
  let mined = 0;
  let lost = 0;
  const want = new Map(); // key -> gems the bots mined and were stored
  for (const r of ledger.requests.values()) {
    if (r.kind !== "gem") continue;
    mined++;
    const s = stored.get(r.id);
    if (!s) {
      if (ledger.atRisk(r, killed)) lost++;
      else wrong.push(`${r.id} (${r.n} gems for ${r.key} on ${r.server}) is missing`);
      continue;
    }
    if (s.key !== r.key || s.delta !== 0 || s.gems !== r.n) wrong.push(`${r.id}: stored ${s.gems} gems, ${s.delta} coins in ${s.key}, asked ${r.n} gems for ${r.key}`);
    want.set(r.key, (want.get(r.key) ?? 0) + r.n);
  }
  check(wrong.length === 0 && mined > 0, `every gem mined on version 2 stored once with its amount: ${mined} mined, ${lost} lost with the killed server`, wrong);

  const missing = [];
  for (const [key, r] of records) {
    if (r.error) continue; // counted as a bad key by the report
    const logged = r.log.reduce((sum, [, , gems = 0]) => sum + gems, 0);
    if (!Number.isInteger(r.gems)) missing.push(`${key}: no gems field`);
    else if (r.gems !== logged || r.gems !== (want.get(key) ?? 0)) missing.push(`${key}: gems ${r.gems}, logged ${logged}, mined ${want.get(key) ?? 0}`);
    if (!(r.migrations ?? []).includes(step)) missing.push(`${key}: migrations ${JSON.stringify(r.migrations)} lack "${step}"`);
    if (!(r.compatible ?? []).includes(step)) missing.push(`${key}: the step "${step}" lost its backwardsCompatible mark`);
  }
  check(missing.length === 0,
    `the new field on every key at the end: ${records.size} keys with gems as mined, the step "${step}" and its compatible mark`, missing);
  check(carried > 0, `both versions wrote the same keys: version-1 servers stored ${carried} records carrying gems, which they do not know`);
  return checks;
}
