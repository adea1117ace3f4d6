// The stress campaigns (`npm run stress`, scripts/stress.sh; a short version
// of each in `npm test`). Each prints one line of figures; a campaign that
// finds a failure prints its first failures and the run exits 1.
//
//   node tests/stress/run.mjs [--short] [campaign ...]
//   SKILIFT_STRESS_SEED=n   replays the seeded parts of a run
//
// Campaigns: fs-kill (fs-kill.mjs), sqlite-kill (sqlite-kill.mjs), http-hostile (http-hostile.mjs),
// faulty-backend (faulty-backend.mjs), updated-monotonic
// (updated-monotonic.mjs).

import { seedFromEnv } from "./support.mjs";

const CAMPAIGNS = ["fs-kill", "sqlite-kill", "http-hostile", "faulty-backend", "updated-monotonic"];

const args = process.argv.slice(2);
const short = args.includes("--short");
const chosen = args.filter((a) => !a.startsWith("--"));
for (const name of chosen) {
  if (!CAMPAIGNS.includes(name)) {
    console.error(`unknown campaign ${name}; the campaigns are ${CAMPAIGNS.join(", ")}`);
    process.exit(2);
  }
}

let failed = 0;
for (const name of chosen.length ? chosen : CAMPAIGNS) {
  const seed = seedFromEnv();
  const { run } = await import(`./${name}.mjs`);
  let result;
  try {
    result = await run({ short, seed });
  } catch (error) {
    result = { figures: `seed ${seed}, stopped by an exception`, failures: { count: 1, list: [error?.stack ?? String(error)] } };
  }
  const { figures, failures } = result;
  console.log(`${name}${short ? " (short)" : ""}: ${figures}`);
  if (failures.count > 0) {
    failed++;
    console.log(`FAIL ${name} (seed ${seed}): ${failures.count} failures${failures.count > failures.list.length ? `, the first ${failures.list.length}:` : ":"}`);
    for (const f of failures.list) console.log(`  - ${f}`);
  }
}
process.exit(failed > 0 ? 1 : 0);
