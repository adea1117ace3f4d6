// skilift: lockless player-data sessions (docs/api.md). The names users
// import; each lives in the file named after it. The public core is the
// files of js/ itself; js/host/ loads the WebAssembly engine, and
// js/backends/ holds the storage adapters (MemoryBackend is the only one
// in this entry point: it has no dependencies and suits tests).
// User-facing documentation is in index.d.ts.

import { Store } from "./store.js";
import { Session } from "./session.js";
import { View } from "./view.js";
import { transaction } from "./transaction.js";
import { strict } from "./strict.js";
import { SkiliftError } from "./errors.js";
import { MemoryBackend } from "./backends/memory/index.js";

export { Store, Session, View, transaction, strict, SkiliftError, MemoryBackend };

// `import skilift from "skilift"`: TypeScript accepts it for this package in
// every module setting (the types are CommonJS-shaped), and Node's `import`
// of a CommonJS module gives one, so every build has a real default export:
// the same names, in one frozen object.
const skilift = Object.freeze({ Store, Session, View, transaction, strict, SkiliftError, MemoryBackend });
export default skilift;
