// A pull's read of a record, split in JS so that the record's data never
// enters wasm (src/engine/host.rs `Entry::data`): the engine decodes the
// envelope, JSON.parse the data. Called by storage.js `answerEntry`.

import { fromJson } from "./documents.js";

/**
 * A pull's read of a record (docs/record-format.md), split so that its data
 * never enters wasm: `[envelope, data]`, the record's text with `null` in
 * place of its data (the engine decodes that, and checks all of it) and the
 * data parsed and frozen (`fromJson`, as the engine would have asked for
 * it). Only when `data` is the record's last top-level field and is JSON
 * (the engine writes it last); otherwise undefined, and the engine reads
 * the whole text as before, and says what is wrong with it.
 * The slice from the data's start to the record's closing brace parses only
 * if it is exactly one JSON value: the data, and nothing after it.
 */
export function splitRecord(text) {
  const start = dataStart(text);
  if (start < 0) return undefined;
  let end = text.length - 1;
  while (end > start && isSpace(text.charCodeAt(end))) end--;
  if (end <= start || text.charCodeAt(end) !== 125 /* } */) return undefined;
  let data;
  try {
    data = fromJson(text.slice(start, end));
  } catch {
    return undefined;
  }
  return [text.slice(0, start) + "null" + text.slice(end), data];
}

function isSpace(c) {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

function skipSpace(text, i) {
  while (isSpace(text.charCodeAt(i))) i++;
  return i;
}

/** The index just after the string that opens at `i`, or -1. */
function stringEnd(text, i) {
  for (;;) {
    const q = text.indexOf('"', i + 1);
    if (q < 0) return -1;
    let slashes = 0;
    while (text.charCodeAt(q - 1 - slashes) === 92 /* \ */) slashes++;
    if ((slashes & 1) === 0) return q + 1;
    i = q;
  }
}

/**
 * The index just after the value that starts at `i`, or -1. Loose (the
 * engine checks the envelope), but exact on JSON: strings and nesting.
 */
function valueEnd(text, i) {
  const c = text.charCodeAt(i);
  if (c === 34 /* " */) return stringEnd(text, i);
  if (c === 123 /* { */ || c === 91 /* [ */) {
    let depth = 0;
    for (; i < text.length; i++) {
      const d = text.charCodeAt(i);
      if (d === 34) {
        i = stringEnd(text, i);
        if (i < 0) return -1;
        i--;
      } else if (d === 123 || d === 91) {
        depth++;
      } else if ((d === 125 || d === 93) && --depth === 0) {
        return i + 1;
      }
    }
    return -1;
  }
  for (; i < text.length; i++) {
    const d = text.charCodeAt(i);
    if (d === 44 || d === 125 || d === 93 || isSpace(d)) break;
  }
  return i;
}

/** Where the value of the top-level field `"data"` starts, or -1. */
function dataStart(text) {
  let i = skipSpace(text, 0);
  if (text.charCodeAt(i) !== 123) return -1;
  i++;
  for (;;) {
    i = skipSpace(text, i);
    if (text.charCodeAt(i) !== 34) return -1;
    const keyEnd = stringEnd(text, i);
    if (keyEnd < 0) return -1;
    const isData = keyEnd - i === 6 && text.startsWith('"data"', i);
    i = skipSpace(text, keyEnd);
    if (text.charCodeAt(i) !== 58 /* : */) return -1;
    i = skipSpace(text, i + 1);
    if (isData) return i;
    i = valueEnd(text, i);
    if (i < 0) return -1;
    i = skipSpace(text, i);
    if (text.charCodeAt(i) !== 44 /* , */) return -1;
    i++;
  }
}
