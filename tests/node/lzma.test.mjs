// The LZMA decoder of the browser build (js/host/lzma.js), against liblzma
// (Python's `lzma`, the build's compressor): every input comes back byte
// for byte, and a damaged stream throws instead of returning wrong bytes or
// running past its end.

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { decompressLzma } from "../../pkg/esm/host/lzma.js";

// The same settings as scripts/embed-wasm.mjs, and two others, so a decoder
// that only works for lc=3 lp=0 pb=2 fails.
function compress(bytes, { lc = 3, lp = 0, pb = 2 } = {}) {
  const script = `import lzma, sys
f = [{"id": lzma.FILTER_LZMA1, "preset": 9 | lzma.PRESET_EXTREME, "lc": ${lc}, "lp": ${lp}, "pb": ${pb}, "dict_size": 1 << 20}]
sys.stdout.buffer.write(lzma.compress(sys.stdin.buffer.read(), format=lzma.FORMAT_ALONE, filters=f))`;
  return new Uint8Array(execFileSync("python3", ["-c", script], { input: bytes }));
}

// xorshift32, seeded: the inputs are the same on every run.
function random(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

function inputs() {
  const next = random(20261205);
  const noise = Uint8Array.from({ length: 50_000 }, () => next() & 0xff);
  // Text-like data with long repeats and short ones: matches, repeated
  // matches, short reps and literals after matches all occur.
  const words = ["coins", "items", "sword", "shield", "player_", "\u0000\u0001", "{\"a\":1}"];
  let text = "";
  while (text.length < 200_000) text += words[next() % words.length] + (next() % 7 === 0 ? String(next()) : "");
  const runs = new Uint8Array(70_000).fill(7);
  return [
    ["empty", new Uint8Array(0)],
    ["one byte", new Uint8Array([42])],
    ["noise", noise],
    ["text", new TextEncoder().encode(text)],
    ["one long run", runs],
  ];
}

test("decodes what liblzma encodes, for several lc/lp/pb settings", () => {
  for (const [name, bytes] of inputs()) {
    for (const props of [{}, { lc: 0, lp: 2, pb: 0 }, { lc: 4, lp: 0, pb: 4 }]) {
      const packed = compress(bytes, props);
      const out = decompressLzma(packed, bytes.length);
      assert.equal(Buffer.compare(Buffer.from(out), Buffer.from(bytes)), 0, `${name} with ${JSON.stringify(props)}`);
    }
  }
});

test("the browser build's embedded module decodes to a valid WebAssembly module", async () => {
  const { bytes } = await import("../../pkg/esm/wasm/skilift_bytes.js");
  assert.ok(bytes.length > 100_000, `decoded ${bytes.length} bytes`);
  assert.ok(WebAssembly.validate(bytes));
});

test("a damaged or truncated stream throws; it never returns a wrong module quietly", () => {
  const [, text] = inputs()[3];
  const packed = compress(text);
  assert.throws(() => decompressLzma(packed.subarray(0, packed.length >> 1), text.length), /lzma:/);
  assert.throws(() => decompressLzma(packed, text.length + 1), /lzma:/);
  const wrongFirst = packed.slice();
  wrongFirst[13] = 1; // the range coder's first byte must be 0
  assert.throws(() => decompressLzma(wrongFirst, text.length), /first byte/);
  // Flipped bytes in the middle: either an error, or (rarely, as with any
  // format without a checksum) other bytes; the build checks the real
  // module once (scripts/embed-wasm.mjs) and WebAssembly.validate would
  // refuse garbage. What must never happen is a hang or a read past the end.
  const next = random(7);
  for (let i = 0; i < 50; i++) {
    const damaged = packed.slice();
    damaged[20 + (next() % (packed.length - 20))] ^= 1 << (next() % 8);
    try {
      const out = decompressLzma(damaged, text.length);
      assert.equal(out.length, text.length);
    } catch (e) {
      assert.match(e.message, /^lzma: /);
    }
  }
});
