// The kit has teeth: skilift/testing run (in a child `node --test`) on a
// backend with one fault each (broken-backends.mjs) fails the tests named
// here, and on the same backend without a fault fails none. So a backend
// that is almost right cannot pass the kit.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

const FIXTURE = fileURLToPath(new URL("./broken-backends.mjs", import.meta.url));

/** Runs the kit on the backend with `fault`; resolves the names of the tests that failed and the pass count. */
function runKit(fault) {
  const args = ["--test", "--test-reporter=tap", "--test-timeout=60000", "--test-force-exit", FIXTURE];
  // Without NODE_TEST_CONTEXT, which `node --test` sets for its own children:
  // with it, the child would report in the parent's binary protocol, not TAP.
  const { NODE_TEST_CONTEXT, ...env } = process.env;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { env: { ...env, SKILIFT_BROKEN: fault }, maxBuffer: 64 << 20 }, (error, stdout) => {
      if (error && error.code !== 1) return reject(error);
      const failed = [...stdout.matchAll(/^\s*not ok \d+ - (.*)$/gm)].map((m) => m[1].replace(/\\#/g, "#"));
      const passed = Number(stdout.match(/^# pass (\d+)$/m)?.[1]);
      resolve({ failed, passed, stdout });
    });
  });
}

/** The tests each fault must fail, by name. */
const MUST_FAIL = {
  "ignores-expected": [
    "put with expected null on an existing key writes nothing and answers null",
    "put with a stale version writes nothing; with the current one it writes a new version",
    "put with a version on a key that does not exist answers null",
    "8 concurrent writers racing on one key lose nothing",
    "clients creating one key at once: exactly one create wins",
    "clients writing on one version at once: exactly one wins, the others answer null",
  ],
  "reuses-tokens": ["a version from before a remove is refused, even once the key is written back past it"],
  "code-point-order": [
    "list answers odd keys and keys of every Unicode range exactly, in JavaScript string order",
    "list with a prefix answers only the keys that start with it",
    "keysByUser answers the keys whose current entry carries the user id, sorted",
  ],
  "remove-keeps-history": ["remove erases the key: get, getVersion, getAtTime, history, list and keysByUser all empty"],
};

// All five at once: most of their time is waiting (retries, pull delays).
const runs = Object.fromEntries(["none", ...Object.keys(MUST_FAIL)].map((fault) => [fault, runKit(fault)]));

test("the kit passes the backend without a fault: every test, none failed", async () => {
  const { failed, passed, stdout } = await runs.none;
  assert.deepEqual(failed, [], stdout.slice(-3000));
  assert.ok(passed >= 36, `${passed} tests passed`);
});

for (const [fault, names] of Object.entries(MUST_FAIL)) {
  test(`a backend that ${fault.replaceAll("-", " ")} fails the kit's tests of it`, async () => {
    const { failed } = await runs[fault];
    for (const name of names) assert.ok(failed.includes(name), `"${name}" did not fail; failed: ${JSON.stringify(failed)}`);
  });
}
