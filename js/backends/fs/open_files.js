// How many files FsBackend holds open at once, in the whole process.
//
// Why: an operation that opens a file and then reads or writes it takes
// several steps on libuv's thread pool, which runs them first come, first
// served. Ten thousand reads started together (a listing of a big store,
// a game server loading every player at once) open ten thousand files
// before the first is read and closed, and past the process's limit on
// open files (`ulimit -n`, 1,024 or 4,096 on many machines) every further
// open fails with EMFILE: a listing failed outright, and loads and saves
// only got through on retries (tests/backends/fs-open-files.test.mjs).
// The pool runs four steps at a time, so a few dozen files open is all the
// speed there is to have.
//
// Every span from an open to its close goes through `withOpenFile`, and no
// such span waits for another (they are leaves), so the slots cannot
// deadlock.

import { Slots } from "../slots.js";

/** Files open at once, at most, across every FsBackend of the process. */
export const OPEN_FILES = 64;

const slots = new Slots(OPEN_FILES);

/** Runs `fn` (which opens a file and closes it before it settles) when a slot is free. */
export function withOpenFile(fn) {
  return slots.run(fn);
}
