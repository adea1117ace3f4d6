// skilift: lockless player-data sessions (SPEC section 2). The names users
// import; each lives in the file named after it.

export { Store } from "./store.js";
export { Session } from "./session.js";
export { View } from "./view.js";
export { transaction } from "./transaction.js";
export { strict } from "./strict.js";
export { SkiliftError } from "./errors.js";
export { MemoryBackend } from "./memory_backend.js";
