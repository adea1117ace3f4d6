// Patch throughput: changes per second on one player document, for each
// (document size × change) cell and each contender.
//
// What each contender does per change, and why it is the same work:
//   - start from the current snapshot, which is deeply frozen;
//   - apply the change (`CHANGES.top` or `CHANGES.deep`, the very same
//     function for every contender);
//   - end with a new snapshot that is deeply frozen (every object reachable
//     from it is frozen: the old ones already were, the new ones are frozen
//     now), and hand it to the same `updated` callback.
// How they get there is what is being compared: the floor copies and freezes
// everything; Immer and Mutative copy the changed path and freeze what is
// new; Automerge records a CRDT operation and re-materialises the path;
// skilift runs a registered action through `session.patch` (strict mode off,
// an `updated` callback bound, the change queued for the next save).

import { CHANGES, DOCUMENTS, deepFreeze, jsonBytes, jsonCopy, slotOf } from "./documents.mjs";
import { ROUNDS, ROUND_MS, interleave, median, rate } from "./measure.mjs";
import { automerge, immer, mutative } from "./peers.mjs";
import { MemoryBackend, Store, failFast } from "./skilift.mjs";

/** The callback every contender hands its snapshot to: reads it, so the snapshot cannot be optimised away. */
let sink = 0;
let last;
const updated = (data) => {
  sink += data.money;
  last = data;
};

/** The argument of the `n`-th change of a cell: the slot index for `deep`, nothing for `top`. */
const argOf = (change, doc) => (change === "deep" ? (n) => slotOf(n, doc) : () => undefined);

/**
 * Each contender: `setup(doc, change)` returns `{ step(n), close() }`;
 * `step(n)` makes the `n`-th change and calls `updated`.
 */
export const CONTENDERS = [
  {
    name: "plain-JS floor",
    // Copy the whole document through JSON, change the copy, freeze all of
    // it: what code without a library does to hand out immutable snapshots.
    // (A JSON round trip is faster than structuredClone on these documents.)
    setup(doc, change) {
      const fn = CHANGES[change];
      const arg = argOf(change, doc);
      let state = deepFreeze(jsonCopy(doc));
      return {
        step(n) {
          state = deepFreeze(fn(jsonCopy(state), arg(n)));
          updated(state);
        },
      };
    },
  },
  {
    name: "Immer",
    // `produce` with autoFreeze (Immer's default, set explicitly here).
    setup(doc, change) {
      const fn = CHANGES[change];
      const arg = argOf(change, doc);
      const producer = new immer.Immer({ autoFreeze: true });
      let state = deepFreeze(jsonCopy(doc));
      return {
        step(n) {
          const a = arg(n);
          state = producer.produce(state, (draft) => {
            fn(draft, a);
          });
          updated(state);
        },
      };
    },
  },
  {
    name: "Mutative",
    // `create` with enableAutoFreeze: frozen results, as Immer's.
    setup(doc, change) {
      const fn = CHANGES[change];
      const arg = argOf(change, doc);
      const options = { enableAutoFreeze: true };
      let state = deepFreeze(jsonCopy(doc));
      return {
        step(n) {
          const a = arg(n);
          state = mutative.create(
            state,
            (draft) => {
              fn(draft, a);
            },
            options,
          );
          updated(state);
        },
      };
    },
  },
  {
    name: "Automerge",
    // `change` on a document made with `freeze: true`. Automerge 3 then
    // re-freezes the root only, not the objects it re-materialises along the
    // changed path; those are frozen here (the root, `inventory` and the
    // slot for `deep`: a few objects, not a walk of the document), so its
    // snapshot is as deeply frozen as the others'.
    setup(doc, change) {
      const fn = CHANGES[change];
      const arg = argOf(change, doc);
      let state = automerge.from(jsonCopy(doc), { freeze: true });
      return {
        step(n) {
          const a = arg(n);
          state = automerge.change(state, (draft) => {
            fn(draft, a);
          });
          if (change === "deep") {
            Object.freeze(state.inventory);
            Object.freeze(state.inventory[a]);
          }
          updated(state);
        },
      };
    },
  },
  {
    name: "skilift",
    // One loaded session on MemoryBackend, the change registered as an
    // action; the pull delay is long so no save runs inside a round (saves
    // are the save workload's business).
    async setup(doc, change) {
      const arg = argOf(change, doc);
      const store = new Store({
        name: `patch-${change}`,
        defaultData: () => jsonCopy(doc),
        backend: new MemoryBackend(),
        pullDelay: 1e6,
        onError: failFast,
      });
      const action = store.action(CHANGES[change]);
      const session = store.load("player");
      await session.await();
      session.updated(updated);
      return {
        step(n) {
          session.patch(action, arg(n));
        },
        close: () => store.close(),
      };
    },
  },
];

/**
 * Makes two changes and checks what the comparison assumes of the second
 * snapshot: handed to the callback, deeply frozen, and changed.
 */
function check(name, step) {
  const frozen = (v) => v === null || typeof v !== "object" || (Object.isFrozen(v) && Object.values(v).every(frozen));
  step(0);
  const before = JSON.stringify(last);
  last = undefined;
  step(1);
  if (last === undefined) throw new Error(`bench: ${name} did not call the updated callback`);
  if (!frozen(last)) throw new Error(`bench: ${name} handed out a snapshot that is not deeply frozen`);
  if (JSON.stringify(last) === before) throw new Error(`bench: ${name} did not change the document`);
}

/**
 * Runs every cell; returns rows `{ doc, bytes, change, rates: { [name]: perSecond } }`.
 * Contenders alternate round by round within a cell (see `interleave`).
 */
export async function benchPatch(log) {
  const rows = [];
  for (const { name: docName, make } of DOCUMENTS) {
    const doc = make();
    for (const change of Object.keys(CHANGES)) {
      const states = [];
      for (const c of CONTENDERS) {
        const state = await c.setup(doc, change);
        check(c.name, state.step);
        states.push({ c, state, next: 2 });
      }
      // Warm up each contender (JIT, caches) before any round counts.
      for (const s of states) s.next = rate(ROUND_MS / 3, s.next, s.state.step).next;
      const results = await interleave(states, ROUNDS, (s) => {
        const r = rate(ROUND_MS, s.next, s.state.step);
        s.next = r.next;
        return r.perSecond;
      });
      const rates = {};
      states.forEach((s, i) => (rates[s.c.name] = median(results[i])));
      for (const s of states) await s.state.close?.();
      const row = { doc: docName, bytes: jsonBytes(doc), change, rates };
      rows.push(row);
      log(row);
    }
  }
  if (sink === 0) throw new Error("bench: the updated callbacks never ran");
  return rows;
}
