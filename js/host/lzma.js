// A synchronous LZMA decoder, for the one thing the browser build needs it
// for: the engine's WebAssembly module, embedded LZMA-compressed in a JS
// module (scripts/embed-wasm.mjs) so a page downloads about 80 KB of it
// gzipped instead of 131 KB as plain base64, and still instantiates it
// synchronously at import (no top-level await, no .wasm file for bundlers to
// copy). Browsers' own DecompressionStream would do, but only asynchronously.
//
// It reads the ".lzma" (LZMA-alone) format that Python's `lzma` module and
// xz-utils write: one properties byte (lc, lp, pb), the dictionary size, the
// uncompressed size (or "unknown", then an end marker), and the range-coded
// stream. The algorithm follows the LZMA specification of the LZMA SDK
// (LzmaSpec.cpp); the names below are its names. The output size is known
// to the caller, so the whole output is one array and the "window" is that
// array itself.

const PROB_INIT = 1024; // half of 1 << 11: both bits equally likely
const MATCH_MIN_LEN = 2;
const END_POS_MODEL_INDEX = 14;
const ALIGN_BITS = 4;

const probs = (n) => new Uint16Array(n).fill(PROB_INIT);

// The range decoder. A class, not a closure over an object literal: its
// fields stay in one hidden class and its methods inline once optimised
// (10 ms against 16 ms for the module, measured in Node 20; the first run,
// the one a page makes, is about 30 ms either way, mostly before V8
// optimises the loop).
class RangeDecoder {
  constructor(input, start) {
    if (input[start] !== 0) throw new Error("lzma: the range coder's first byte is not 0");
    this.input = input;
    this.pos = start + 5;
    this.range = 0xffffffff;
    this.code =
      ((input[start + 1] << 24) | (input[start + 2] << 16) | (input[start + 3] << 8) | input[start + 4]) >>> 0;
    if (this.code === this.range) throw new Error("lzma: corrupted range coder state");
  }

  bit(p, i) {
    const prob = p[i];
    const bound = (this.range >>> 11) * prob;
    let bit;
    if (this.code < bound) {
      p[i] = prob + ((2048 - prob) >>> 5);
      this.range = bound;
      bit = 0;
    } else {
      p[i] = prob - (prob >>> 5);
      this.code -= bound;
      this.range -= bound;
      bit = 1;
    }
    if (this.range < 0x1000000) {
      this.range = (this.range << 8) >>> 0;
      this.code = ((this.code << 8) | this.input[this.pos++]) >>> 0;
    }
    return bit;
  }

  direct(count) {
    let result = 0;
    for (let i = 0; i < count; i++) {
      this.range >>>= 1;
      let bit = 0;
      if (this.code >= this.range) {
        this.code -= this.range;
        bit = 1;
      }
      if (this.range < 0x1000000) {
        this.range = (this.range << 8) >>> 0;
        this.code = ((this.code << 8) | this.input[this.pos++]) >>> 0;
      }
      result = ((result << 1) | bit) >>> 0;
    }
    return result;
  }

  get overrun() {
    return this.pos > this.input.length;
  }
}

function bitTree(rc, p, base, bits) {
  let m = 1;
  for (let i = 0; i < bits; i++) m = (m << 1) | rc.bit(p, base + m);
  return m - (1 << bits);
}

function reverseBitTree(rc, p, base, bits) {
  let m = 1;
  let symbol = 0;
  for (let i = 0; i < bits; i++) {
    const bit = rc.bit(p, base + m);
    m = (m << 1) | bit;
    symbol |= bit << i;
  }
  return symbol;
}

// The two length decoders (matches, repeated matches) share this shape:
// 2-9 with 3 bits per position state, 10-17 the same, 18-273 with 8 bits.
function lengthDecoder(positions) {
  const choice = probs(2);
  const low = probs(positions << 3);
  const mid = probs(positions << 3);
  const high = probs(256);
  return (rc, posState) => {
    if (rc.bit(choice, 0) === 0) return bitTree(rc, low, posState << 3, 3);
    if (rc.bit(choice, 1) === 0) return 8 + bitTree(rc, mid, posState << 3, 3);
    return 16 + bitTree(rc, high, 0, 8);
  };
}

/**
 * Decompresses an LZMA-alone stream into exactly `size` bytes.
 * @param {Uint8Array} input
 * @param {number} size the uncompressed size, known to the caller
 * @returns {Uint8Array}
 */
export function decompressLzma(input, size) {
  let d = input[0];
  if (d >= 9 * 5 * 5) throw new Error("lzma: bad properties byte");
  const lc = d % 9;
  d = (d / 9) | 0;
  const lp = d % 5;
  const pb = (d / 5) | 0;
  const dictSize = (input[1] | (input[2] << 8) | (input[3] << 16) | (input[4] << 24)) >>> 0;
  const rc = new RangeDecoder(input, 13);

  const out = new Uint8Array(size);
  let pos = 0;
  const literals = probs(0x300 << (lc + lp));
  const isMatch = probs(12 << 4);
  const isRep = probs(12);
  const isRepG0 = probs(12);
  const isRepG1 = probs(12);
  const isRepG2 = probs(12);
  const isRep0Long = probs(12 << 4);
  const posSlot = probs(4 << 6);
  const posDecoders = probs(1 + 128 - END_POS_MODEL_INDEX);
  const align = probs(1 << ALIGN_BITS);
  const matchLength = lengthDecoder(1 << pb);
  const repLength = lengthDecoder(1 << pb);
  const pbMask = (1 << pb) - 1;
  const lpMask = (1 << lp) - 1;

  let state = 0;
  let rep0 = 0;
  let rep1 = 0;
  let rep2 = 0;
  let rep3 = 0;

  const literal = () => {
    const prev = pos > 0 ? out[pos - 1] : 0;
    const base = 0x300 * (((pos & lpMask) << lc) + (prev >>> (8 - lc)));
    let symbol = 1;
    if (state >= 7) {
      let matchByte = out[pos - rep0 - 1];
      do {
        const matchBit = (matchByte >>> 7) & 1;
        matchByte <<= 1;
        const bit = rc.bit(literals, base + ((1 + matchBit) << 8) + symbol);
        symbol = (symbol << 1) | bit;
        if (matchBit !== bit) break;
      } while (symbol < 0x100);
    }
    while (symbol < 0x100) symbol = (symbol << 1) | rc.bit(literals, base + symbol);
    out[pos++] = symbol - 0x100;
  };

  const distance = (len) => {
    const lenState = len > 3 ? 3 : len;
    const slot = bitTree(rc, posSlot, lenState << 6, 6);
    if (slot < 4) return slot;
    const directBits = (slot >>> 1) - 1;
    let dist = ((2 | (slot & 1)) << directBits) >>> 0;
    if (slot < END_POS_MODEL_INDEX) return dist + reverseBitTree(rc, posDecoders, dist - slot, directBits);
    dist += rc.direct(directBits - ALIGN_BITS) * (1 << ALIGN_BITS);
    return dist + reverseBitTree(rc, align, 0, ALIGN_BITS);
  };

  while (pos < size) {
    const posState = pos & pbMask;
    if (rc.bit(isMatch, (state << 4) + posState) === 0) {
      literal();
      state = state < 4 ? 0 : state < 10 ? state - 3 : state - 6;
      continue;
    }
    let len;
    if (rc.bit(isRep, state) !== 0) {
      if (pos === 0) throw new Error("lzma: a repeated match before any output");
      if (rc.bit(isRepG0, state) === 0) {
        if (rc.bit(isRep0Long, (state << 4) + posState) === 0) {
          state = state < 7 ? 9 : 11;
          out[pos] = out[pos - rep0 - 1];
          pos++;
          continue;
        }
      } else {
        let dist;
        if (rc.bit(isRepG1, state) === 0) {
          dist = rep1;
        } else {
          if (rc.bit(isRepG2, state) === 0) {
            dist = rep2;
          } else {
            dist = rep3;
            rep3 = rep2;
          }
          rep2 = rep1;
        }
        rep1 = rep0;
        rep0 = dist;
      }
      len = repLength(rc, posState);
      state = state < 7 ? 8 : 11;
    } else {
      rep3 = rep2;
      rep2 = rep1;
      rep1 = rep0;
      len = matchLength(rc, posState);
      state = state < 7 ? 7 : 10;
      rep0 = distance(len);
      if (rep0 === 0xffffffff) break; // the end marker: checked against `size` below
      if (rep0 >= dictSize || rep0 >= pos) throw new Error("lzma: a match reaches before the output's start");
    }
    len += MATCH_MIN_LEN;
    if (len > size - pos) throw new Error("lzma: the data is longer than its stated size");
    for (let i = 0; i < len; i++, pos++) out[pos] = out[pos - rep0 - 1];
  }
  if (pos !== size || rc.overrun) throw new Error(`lzma: decoded ${pos} bytes, expected ${size}`);
  return out;
}
