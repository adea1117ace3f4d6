// A Node server project's view of the package: the Node entry points only,
// compiled without the DOM library (lib es2022 + @types/node), as many
// server projects are. See typecheck.mjs.
import { MemoryBackend, Store, type Backend } from "skilift";
import { FsBackend } from "skilift/fs";
import { createHandler } from "skilift/server";
import { PostgresBackend } from "skilift/postgres";
import { FetchBackend } from "skilift/fetch";
import { createServer } from "node:http";

const backend: Backend = new FsBackend("./data");
const store = new Store({ name: "players", defaultData: () => ({ coins: 0 }), backend });
const addCoins = store.action((data, n: number) => ({ ...data, coins: data.coins + n }));
store.load("p").patch(addCoins, 1);
// @ts-expect-error a string where the action takes a number
store.load("p").patch(addCoins, "1");
createServer(createHandler(new MemoryBackend(), { authorize: () => true }));
const remote: Backend = new FetchBackend("http://127.0.0.1:8080");
const pg: Backend = new PostgresBackend({
  query: async () => ({ rows: [] }),
  connect: async () => ({ query: async () => ({ rows: [] }), release: () => {} }),
});
export { remote, pg };
