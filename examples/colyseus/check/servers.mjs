// The game-server processes of a check run: `node server.mjs` children on
// loopback, each told where the data is through its environment, with their
// output kept (printed if the run fails). SIGKILL for the crash, SIGTERM for
// Colyseus's graceful shutdown.

import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const SERVER = fileURLToPath(new URL("../server.mjs", import.meta.url));
/** Shortened for the check; a game keeps the defaults of game.mjs and market-room.mjs. */
export const TIMES = { PULL_DELAY: "1", TRANSACTION_TIMEOUT: "2", RECONNECT_SECONDS: "2" };

export class GameServer {
  /** `env`: where the data lives (backend.mjs); `execArgv`: e.g. a sabotage preload. */
  constructor(name, env, execArgv = []) {
    this.name = name;
    this.output = [];
    this.child = spawn(process.execPath, [...execArgv, SERVER], {
      env: { ...process.env, ...TIMES, ...env, PORT: "0", HOST: "127.0.0.1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.exited = new Promise((resolve) => this.child.on("exit", (code, signal) => resolve({ code, signal })));
    this.ready = new Promise((resolve, reject) => {
      this.exited.then(({ code, signal }) => reject(new Error(`${name} exited before listening (${signal ?? code}):\n${this.log()}`)));
      const read = (chunk) => {
        for (const line of String(chunk).split("\n").filter(Boolean)) {
          this.output.push(line);
          const port = /listening on ws:\/\/127\.0\.0\.1:(\d+)/.exec(line)?.[1];
          if (port) resolve(Number(port));
        }
      };
      this.child.stdout.on("data", read);
      this.child.stderr.on("data", read);
    });
    this.ready.then((port) => {
      this.port = port;
      this.ws = `ws://127.0.0.1:${port}`;
      this.http = `http://127.0.0.1:${port}`;
    }, () => {});
    this.alive = true;
    this.killed = false;
  }

  /** SIGKILL: no onLeave, no onDispose, no final save. */
  kill() {
    this.alive = false;
    this.killed = true;
    this.child.kill("SIGKILL");
    return this.exited;
  }

  /** SIGTERM: Colyseus disconnects the rooms, then server.mjs closes the Store. */
  async shutdown() {
    this.alive = false;
    this.child.kill("SIGTERM");
    return this.exited;
  }

  log() {
    return this.output.map((line) => `  ${this.name}| ${line}`).join("\n");
  }
}
