// A minimal describe/it/assert for test pages in the browser, the same shape
// as node:test + node:assert/strict as far as the shared suites use them.
// Tests are collected by describe/it, then run() runs them one after another
// and reports each result to the runner (tests/browser/run.mjs) through
// `window.__skiliftReport` (exposed by the runner) and keeps them all in
// `window.__skiliftResults`; `window.__skiliftDone` is set at the end.

const tests = [];
const prefixes = [];

/** Groups tests; `fn` runs at once and registers them. */
export function describe(name, fn) {
  prefixes.push(name);
  try {
    fn();
  } finally {
    prefixes.pop();
  }
}

/**
 * Registers a test; `fn` may return a promise. As in node:test, options may
 * come between: `{ skip: reason }` (a truthy reason) reports it skipped.
 */
export function it(name, options, fn) {
  if (typeof options === "function") [options, fn] = [{}, options];
  const full = [...prefixes, name].join(" > ");
  if (options?.skip) tests.push({ name: full, skip: String(options.skip) });
  else tests.push({ name: full, fn });
}

export const test = it;

/** Registers a test that is reported as skipped, with the reason. */
export function skip(name, reason) {
  tests.push({ name: [...prefixes, name].join(" > "), skip: reason });
}

class AssertionError extends Error {
  constructor(message) {
    super(message);
    this.name = "AssertionError";
  }
}

function show(value) {
  if (typeof value === "string") return JSON.stringify(value.length > 200 ? `${value.slice(0, 200)}…` : value);
  try {
    const text = JSON.stringify(value);
    if (text !== undefined) return text.length > 200 ? `${text.slice(0, 200)}…` : text;
  } catch {
    // cyclic: fall through
  }
  return String(value);
}

function fail(message, fallback) {
  throw new AssertionError(message ? `${message} (${fallback})` : fallback);
}

/** Structural equality in the manner of node:assert/strict deepEqual (plain data). */
function deepEqual(a, b) {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (a instanceof Date) return Object.is(a.getTime(), b.getTime());
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length) return false;
  return keysA.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k]));
}

/** The assertions the suites use, strict like node:assert/strict. */
export const assert = {
  ok(value, message) {
    if (!value) fail(message, `expected a truthy value, got ${show(value)}`);
  },
  equal(actual, expected, message) {
    if (!Object.is(actual, expected)) fail(message, `expected ${show(expected)}, got ${show(actual)}`);
  },
  notEqual(actual, expected, message) {
    if (Object.is(actual, expected)) fail(message, `expected something other than ${show(expected)}`);
  },
  deepEqual(actual, expected, message) {
    if (!deepEqual(actual, expected)) fail(message, `expected ${show(expected)}, got ${show(actual)}`);
  },
  notDeepEqual(actual, expected, message) {
    if (deepEqual(actual, expected)) fail(message, `expected something other than ${show(expected)}`);
  },
  match(string, regexp, message) {
    if (!regexp.test(string)) fail(message, `${show(string)} does not match ${regexp}`);
  },
  fail(message) {
    throw new AssertionError(message ?? "failed");
  },
  throws(fn, check, message) {
    try {
      fn();
    } catch (error) {
      checkError(error, check, message);
      return;
    }
    fail(message, "expected an exception");
  },
  async rejects(promiseOrFn, check, message) {
    try {
      await (typeof promiseOrFn === "function" ? promiseOrFn() : promiseOrFn);
    } catch (error) {
      checkError(error, check, message);
      return;
    }
    fail(message, "expected a rejection");
  },
};

/** `check` as in node:assert: an object of expected properties, a class, or a predicate. */
function checkError(error, check, message) {
  if (check === undefined) return;
  if (typeof check === "function" && check.prototype !== undefined && error instanceof check) return;
  if (typeof check === "function" && check.prototype === undefined) {
    if (check(error) === true) return;
    fail(message, `error ${show(error?.message)} failed the check`);
  }
  if (typeof check === "object" && check !== null) {
    for (const [k, v] of Object.entries(check)) {
      const ok = v instanceof RegExp ? v.test(error?.[k]) : Object.is(error?.[k], v);
      if (!ok) fail(message, `error.${k} is ${show(error?.[k])}, expected ${show(v)}`);
    }
    return;
  }
  fail(message, `unexpected error ${show(error?.message ?? error)}`);
}

function report(result) {
  window.__skiliftResults.push(result);
  const note = result.skip !== undefined ? ` # SKIP ${result.skip}` : result.ok ? "" : `: ${result.error}`;
  const line = `${result.ok ? "ok" : "not ok"} - ${result.name}${note}`;
  (result.ok ? console.log : console.error)(`[harness] ${line}`);
  return window.__skiliftReport?.(result);
}

/**
 * Runs every registered test in order and reports each. A test that has not
 * settled after `hangMs` is reported failed (a hang guard, not a timing test).
 */
export async function run({ hangMs = 120_000 } = {}) {
  window.__skiliftResults = [];
  for (const { name, fn, skip: skipped } of tests) {
    if (skipped !== undefined) {
      await report({ name, ok: true, skip: skipped });
      continue;
    }
    let timer;
    try {
      await Promise.race([
        (async () => fn())(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no result after ${hangMs} ms (hung?)`)), hangMs);
        }),
      ]);
      await report({ name, ok: true });
    } catch (error) {
      const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      await report({ name, ok: false, error: detail, stack: error?.stack });
    } finally {
      clearTimeout(timer);
    }
  }
  window.__skiliftDone = true;
  return window.__skiliftResults;
}

/** For a page that fails before any test runs (an import error): reports it as one failed test. */
export async function reportPageError(name, error) {
  window.__skiliftResults ??= [];
  await report({ name, ok: false, error: String(error?.stack ?? error) });
  window.__skiliftDone = true;
}
