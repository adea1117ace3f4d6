// The tiny harness the package checks share: each check prints one line,
// `ok NAME` or `FAIL NAME: reason`; run.sh counts them. CommonJS so both the
// CommonJS and the ES module checks can load it.
"use strict";

const results = [];

/** Runs `fn` (sync or async) as one named check. */
async function check(name, fn) {
  try {
    await fn();
    console.log(`ok ${name}`);
    results.push(true);
  } catch (error) {
    const reason = error && error.stack ? error.stack : String(error);
    console.log(`FAIL ${name}: ${reason.replace(/\n/g, "\n    ")}`);
    results.push(false);
  }
}

/** A promise that rejects after `ms`, to bound anything that could hang. */
function within(ms, promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took more than ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The names a module exports, sorted (ignoring `default` and `__esModule`). */
function exportNames(mod) {
  return Object.keys(mod).filter((k) => k !== "default" && k !== "__esModule").sort();
}

module.exports = { check, within, exportNames, results };
