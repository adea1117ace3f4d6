// Node's `import "skilift"`. It re-exports the CommonJS build instead of
// loading a second copy of the engine, so code that mixes `import` and
// `require` shares one engine, one strict-mode switch and one SkiliftError.
import skilift from "./cjs/index.cjs";

export const { Store, Session, View, transaction, strict, SkiliftError, MemoryBackend } = skilift;
// The same default export as the browser build's (js/index.js).
export default skilift.default;
