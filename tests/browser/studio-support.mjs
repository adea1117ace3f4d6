// Helpers of the studio tests (studio.test.mjs): a real `skilift studio`
// child process from the built package, seed data written through a Store,
// raw HTTP requests with any Host header, and screenshots kept as test
// artifacts in target/studio-screenshots/ (ignored by git).

import { spawn } from "node:child_process";
import http from "node:http";
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Store } from "../../pkg/node.mjs";

const BIN = fileURLToPath(new URL("../../pkg/cjs/cli/main.cjs", import.meta.url));
export const SHOTS = fileURLToPath(new URL("../../target/studio-screenshots/", import.meta.url));
const LINE = /^skilift studio: (http:\/\/127\.0\.0\.1:(\d+)\/)\?token=([0-9a-f]{64})$/;
/** Hang guard for one wait (not a timing assertion). */
export const WAIT_MS = 60_000;

/**
 * Starts `skilift studio <target> --port 0 ...args`; resolves once it printed
 * its line: { base, url, port, token, stdout(), stop() }. stop() sends
 * SIGINT and resolves { code, stdout } once it has exited.
 */
export function startStudio(target, ...args) {
  const child = spawn(process.execPath, [BIN, "studio", target, "--port", "0", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`studio printed nothing in ${WAIT_MS} ms; stderr: ${stderr}`)), WAIT_MS);
    exited.then((code) => reject(new Error(`studio exited with ${code}: ${stderr}`)));
    child.stdout.on("data", (d) => {
      stdout += d;
      const m = LINE.exec(stdout.split("\n")[0]);
      if (!stdout.includes("\n")) return;
      clearTimeout(timer);
      if (!m) return reject(new Error(`unexpected first line: ${JSON.stringify(stdout)}`));
      resolve({
        base: m[1],
        url: `${m[1]}?token=${m[3]}`,
        port: Number(m[2]),
        token: m[3],
        stdout: () => stdout,
        stderr: () => stderr,
        stop: async () => {
          child.kill("SIGINT");
          return { code: await exited, stdout };
        },
      });
    });
  });
}

/** One request with node:http, Host header and all as given: { status, text, json }. */
export function request(port, { method = "GET", path, headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, method, path, headers, agent: false }, (res) => {
      let text = "";
      res.on("data", (c) => (text += c));
      res.on("end", () => {
        let json;
        try {
          json = JSON.parse(text);
        } catch {}
        resolve({ status: res.statusCode, headers: res.headers, text, json });
      });
    });
    req.on("error", reject);
    if (body !== undefined) req.write(typeof body === "string" ? body : JSON.stringify(body));
    req.end();
  });
}

export const DEFAULT_DATA = () => ({ coins: 0, items: [], profile: { name: "" } });

/**
 * Seeds `name` on `backend`: alice (user id 101) with four versions
 * (renamed, +10 coins, a sword, a receipt applied exactly once) and bob
 * (user id 202) with one. Returns the versions of alice, newest first.
 */
export async function seed(backend, name) {
  const store = new Store({ name, defaultData: DEFAULT_DATA, backend, pullDelay: 0.05 });
  const add = store.action((d, n) => ({ ...d, coins: d.coins + n }));
  const give = store.action((d, item) => ({ ...d, items: [...d.items, item] }));
  const rename = store.action((d, who) => ({ ...d, profile: { ...d.profile, name: who } }));
  const alice = store.load("alice");
  alice.userid(101);
  for (const [fn, arg] of [[rename, "Alice"], [add, 10], [give, "sword"]]) {
    alice.patch(fn, arg);
    await alice.await();
  }
  await alice.patchOnce("receipt-1", add, 5);
  const bob = store.load("bob");
  bob.userid(202);
  bob.patch(add, 1);
  await store.close();
  return (await store.view("alice").history()).map((v) => v.version);
}

/** Goes to the view at `hash` and waits until the page has drawn it (app.js sets #view's data-drawn). */
export async function visit(page, base, hash) {
  await page.goto(`${base}${hash}`);
  await page.waitForFunction(() => document.getElementById("view").dataset.drawn === location.hash);
}

/** A screenshot of the whole page, kept as target/studio-screenshots/<name>.png. */
export async function shoot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: `${SHOTS}${name}.png`, fullPage: true });
}
