// The example, played: two game-server processes on one data directory,
// eight players on real Colyseus clients earning, spending, trading, buying
// and hopping between the processes, one process killed with SIGKILL, the
// rest shut down gracefully, and the stored data checked to the coin.
//
//   node play.mjs [--seconds 8] [--seed N] [--backend postgres]   (postgres: SKILIFT_PG_URL)
//
// Exits non-zero if a check fails. `npm start` runs one server alone.

import { runCheck } from "./check/run.mjs";

const argv = process.argv.slice(2);
const arg = (name) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const { ok, lines } = await runCheck({
  backend: arg("--backend") ?? "fs",
  pgUrl: process.env.SKILIFT_PG_URL,
  seconds: Number(arg("--seconds") ?? 8),
  seed: arg("--seed") === undefined ? undefined : Number(arg("--seed")),
  sabotage: arg("--sabotage"),
});
console.log(lines.join("\n"));
console.log(ok ? "PASS" : "FAIL");
process.exit(ok ? 0 : 1);
