// The example run for real (check/run.mjs): two Colyseus server processes on
// loopback sharing one data store, players on colyseus.js clients, one
// process SIGKILLed midway, the stored data audited to the coin. Once on a
// FsBackend directory, once on PostgreSQL (SKILIFT_PG_URL, which
// scripts/test.sh sets), and once with a server broken on purpose, which
// the audit must catch.
//
//   node --test examples/colyseus/test/      (SKILIFT_COLYSEUS_SEED=n repeats a run)

import assert from "node:assert/strict";
import test from "node:test";
import { runCheck } from "../check/run.mjs";

const seed = process.env.SKILIFT_COLYSEUS_SEED === undefined ? undefined : Number(process.env.SKILIFT_COLYSEUS_SEED);
const pgUrl = process.env.SKILIFT_PG_URL;

test("two processes on one FsBackend directory: every acknowledged change once, trades whole, receipts once", async () => {
  const { ok, lines } = await runCheck({ backend: "fs", seconds: 8, seed, log: console.log });
  assert.ok(ok, `the audit failed:\n${lines.join("\n")}`);
});

test("the same on PostgreSQL", { skip: !pgUrl && "SKILIFT_PG_URL is not set (scripts/test.sh sets it)" }, async () => {
  const { ok, lines } = await runCheck({ backend: "postgres", pgUrl, seconds: 8, seed, log: console.log });
  assert.ok(ok, `the audit failed:\n${lines.join("\n")}`);
});

test("a server granting receipts with plain patch instead of patchOnce fails the purchase check", async () => {
  const { ok, lines } = await runCheck({ backend: "fs", seconds: 4, seed, sabotage: "plain-patch" });
  assert.equal(ok, false, `the audit passed a server that grants receipts twice:\n${lines.join("\n")}`);
  const failed = lines.filter((l) => l.startsWith("FAIL"));
  assert.ok(failed.some((l) => l.includes("purchases:")), `the purchase check did not fail:\n${lines.join("\n")}`);
  assert.ok(!failed.some((l) => /trades:|acknowledged|conserved/.test(l)), `checks unrelated to receipts failed:\n${failed.join("\n")}`);
});
