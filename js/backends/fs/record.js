// Record files of FsBackend (index.js) and the small file-system steps that
// make writing them crash-safe.
//
// A record file is one header line of JSON, a newline, then the value:
//   {"format":"skilift-fs/1","store":..,"key":..,"version":"7","time":..,
//    "userIds":[..],"escaped":false,"bytes":N}\n<value as N bytes of UTF-8>
// The header carries the original store and key (so a listing can recover
// them from hashed file names) and everything of the entry but the value, so
// it can be read without the value. The value is written raw, not re-escaped
// inside JSON, so a record costs its own size; a value that is not
// well-formed UTF-16 (a lone surrogate, which UTF-8 cannot carry) is stored
// JSON-encoded instead, flagged `escaped`. `bytes` catches a file that is
// not whole, which atomic writes should make impossible.
//
// A removal is a record too: header `"removed":true`, no user ids, an
// empty value. It takes the next version number of the key's chain, so the
// numbers (the version tokens) go on rising after a removal and a token
// from before it never names a version again (index.js).

import { open, readFile, rename } from "node:fs/promises";
import { sleep } from "../shared.js";
import { withOpenFile } from "./open_files.js";

const FORMAT = "skilift-fs/1";

/** An Error with a `code`, for failures of the file system layer. */
export function fsError(code, message) {
  return Object.assign(new Error(message), { code });
}

/** The bytes of a record file. */
export function encodeRecord({ store, key, version, time, userIds, value, removed = false }) {
  const escaped = !value.isWellFormed();
  const body = Buffer.from(escaped ? JSON.stringify(value) : value, "utf8");
  const fields = { format: FORMAT, store, key, version, time, userIds, escaped, bytes: body.length };
  const header = JSON.stringify(removed ? { ...fields, removed: true } : fields);
  return Buffer.concat([Buffer.from(`${header}\n`, "utf8"), body]);
}

function parseHeader(text, path) {
  let header;
  try {
    header = JSON.parse(text);
  } catch {
    header = null;
  }
  if (
    header === null ||
    typeof header !== "object" ||
    header.format !== FORMAT ||
    typeof header.store !== "string" ||
    typeof header.key !== "string" ||
    typeof header.version !== "string" ||
    typeof header.time !== "number" ||
    !Array.isArray(header.userIds) ||
    !Number.isSafeInteger(header.bytes) ||
    (header.removed !== undefined && header.removed !== true)
  ) {
    throw fsError("fs_corrupt_record", `FsBackend: ${path} is not a skilift record file`);
  }
  return header;
}

/** Decodes a whole record file: the header fields plus `value`. */
export function decodeRecord(bytes, path) {
  const newline = bytes.indexOf(0x0a);
  if (newline < 0) throw fsError("fs_corrupt_record", `FsBackend: ${path} has no header line`);
  const header = parseHeader(bytes.toString("utf8", 0, newline), path);
  if (bytes.length - newline - 1 !== header.bytes) {
    throw fsError("fs_corrupt_record", `FsBackend: ${path} is incomplete (torn write)`);
  }
  const body = bytes.toString("utf8", newline + 1);
  return { ...header, value: header.escaped ? JSON.parse(body) : body };
}

/** The decoded record at `path`, or null if there is no such file. */
export async function readRecord(path) {
  let bytes;
  try {
    bytes = await withOpenFile(() => readFile(path));
  } catch (e) {
    if (e.code === "ENOENT") return null;
    throw e;
  }
  return decodeRecord(bytes, path);
}

/** Only the header of the record at `path` (not the value), or null if there is no such file. */
export function readHeader(path) {
  return withOpenFile(() => readHeaderOpen(path));
}

async function readHeaderOpen(path) {
  let file;
  try {
    file = await open(path, "r");
  } catch (e) {
    if (e.code === "ENOENT") return null;
    throw e;
  }
  try {
    const chunks = [];
    let chunkSize = 4096;
    for (;;) {
      const { bytesRead, buffer } = await file.read({ buffer: Buffer.alloc(chunkSize) });
      const chunk = buffer.subarray(0, bytesRead);
      const newline = chunk.indexOf(0x0a);
      if (newline >= 0) {
        chunks.push(chunk.subarray(0, newline));
        return parseHeader(Buffer.concat(chunks).toString("utf8"), path);
      }
      if (bytesRead === 0) throw fsError("fs_corrupt_record", `FsBackend: ${path} has no header line`);
      chunks.push(chunk);
      chunkSize = Math.min(chunkSize * 4, 1 << 20);
    }
  } finally {
    await file.close();
  }
}

/** Creates `path` (which must not exist) with `bytes`, and fsyncs it. */
export function writeDurably(path, bytes) {
  return withOpenFile(() => writeDurablyOpen(path, bytes));
}

async function writeDurablyOpen(path, bytes) {
  const file = await open(path, "wx");
  try {
    await file.writeFile(bytes);
    await file.sync();
  } finally {
    await file.close();
  }
}

/**
 * Fsyncs a directory so the names created, renamed or removed in it survive
 * a power loss. Platforms that cannot open or sync directories (Windows,
 * some network file systems) answer EPERM/EISDIR/EINVAL: nothing to do there.
 */
export function syncDirectory(path) {
  return withOpenFile(() => syncDirectoryOpen(path));
}

async function syncDirectoryOpen(path) {
  let dir;
  try {
    dir = await open(path, "r");
    await dir.sync();
  } catch (e) {
    if (!["EPERM", "EISDIR", "EINVAL", "ENOTSUP", "EBADF", "EACCES"].includes(e.code)) throw e;
  } finally {
    await dir?.close();
  }
}

/**
 * rename(), retried briefly where Windows refuses to replace a file that
 * another process (a reader, a virus scanner) has open.
 */
export async function replaceFile(from, to) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await rename(from, to);
    } catch (e) {
      const busy = process.platform === "win32" && ["EPERM", "EACCES", "EBUSY"].includes(e.code);
      if (!busy || attempt >= 20) throw e;
      await sleep(5 * (attempt + 1));
    }
  }
}
