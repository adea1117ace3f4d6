// Child process of postgres-faults.test.mjs: a game server whose pool has
// no "error" listener of its own (as in most games), on PostgresBackend.
// It stores a change, has the server close its idle connections
// (pg_terminate_backend, as a restart or failover does), waits, and
// stores another. Prints one line of JSON; a process killed by the pool's
// "error" event prints nothing and exits 1.
//
//   node postgres-idle-child.mjs URL TABLE_PREFIX

import pg from "pg";
import { Store } from "../../pkg/node.mjs";
import { PostgresBackend } from "../../pkg/cjs/backends/postgres/index.cjs";

const [url, tablePrefix] = process.argv.slice(2);
const name = `skilift-idle-${process.pid}`;
const pool = new pg.Pool({ connectionString: url, max: 2, application_name: name });
const admin = new pg.Client({ connectionString: url });
await admin.connect();
const store = new Store({ name: "players", defaultData: () => ({ n: 0 }), backend: new PostgresBackend(pool, { tablePrefix }) });
const add = store.action((d) => ({ n: d.n + 1 }));
const first = await store.update("ada", add);
const { rows } = await admin.query("SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = $1", [name]);
await new Promise((resolve) => setTimeout(resolve, 500)); // the idle clients hear of it
const second = await store.update("ada", add);
const data = await store.view("ada").latest();
await store.close();
await Promise.all([pool.end(), admin.end()]);
console.log(JSON.stringify({ first, terminated: rows.length, second, data }));
