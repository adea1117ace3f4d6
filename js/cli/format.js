// How the inspector (js/cli/main.js) shows what it read: the engine's record
// envelope (docs/record-format.md) decoded into
// its parts, and entries as lines.

const TRANSACTIONS = "skilift:transactions";

/** A key as typed on a command line: bare if plain, else JSON-quoted. */
export function keyName(key) {
  return /^[\w.:@+-]+$/.test(key) ? key : JSON.stringify(key);
}

/** JSON, indented, with any part that fits on one line kept on one line. */
export function pretty(value, indent = "", width = 80) {
  const flat = JSON.stringify(value);
  if (flat === undefined || value === null || typeof value !== "object" || indent.length + flat.length <= width) return flat;
  const inner = indent + "  ";
  if (Array.isArray(value)) {
    return `[\n${value.map((v) => inner + pretty(v, inner, width)).join(",\n")}\n${indent}]`;
  }
  const fields = Object.entries(value).map(([k, v]) => `${inner}${JSON.stringify(k)}: ${pretty(v, inner, width)}`);
  return `{\n${fields.join(",\n")}\n${indent}}`;
}

/** ISO time of a ms timestamp. */
export function iso(ms) {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms);
}

/**
 * The envelope `{"skilift":1,"migrations":[...],"pending":[...],"writers":{...},"data":...}`
 * of a stored value, or `{ error }` saying why it is not one.
 */
export function decodeEnvelope(value) {
  let record;
  try {
    record = JSON.parse(value);
  } catch (e) {
    return { error: `not JSON (${e.message})` };
  }
  if (record === null || typeof record !== "object" || Array.isArray(record)) return { error: "not a JSON object" };
  if ("decision" in record) return { decision: record.decision, format: record.skilift };
  for (const field of ["skilift", "migrations", "pending", "writers", "data"]) {
    if (!(field in record)) return { error: `no "${field}" field: not a skilift record` };
  }
  return record;
}

function call({ action, args }) {
  return `${action}(${(args ?? []).map((a) => JSON.stringify(a)).join(", ")})`;
}

/** The decision of a pending transaction: "committed", "aborted" or "undecided"; `door` as a target's. */
export async function decisionOf(door, id) {
  const entry = await door.get(TRANSACTIONS, id);
  if (entry === null) return "undecided";
  return decodeEnvelope(entry.value).decision ?? "unreadable decision record";
}

/** The envelope fields this version knows (docs/record-format.md). */
const ENVELOPE = ["skilift", "requires", "migrations", "compatible", "pending", "writers", "once", "origin", "data"];

/** Lines describing a record's envelope (everything but the data); `door` as a target's. */
export async function describeRecord(door, entry, record) {
  const lines = [
    `version    ${entry.version}, written ${iso(entry.time)}`,
    `user ids   ${JSON.stringify(entry.userIds ?? [])}`,
    `format     skilift ${record.skilift}`,
    `migrations ${record.migrations.length ? record.migrations.join(", ") : "none"}`,
  ];
  if (record.compatible?.length) lines.push(`compatible ${record.compatible.join(", ")} (older servers may write this key)`);
  if (record.requires?.length) lines.push(`requires   ${record.requires.join(", ")} (servers without these features stop on it)`);
  const newer = Object.keys(record).filter((f) => !ENVELOPE.includes(f));
  if (newer.length) lines.push(`fields     ${newer.join(", ")} (of a newer skilift; kept by every write)`);
  const writers = Object.entries(record.writers ?? {});
  if (writers.length) {
    const last = Math.max(...writers.map(([, w]) => w.time ?? 0));
    lines.push(`writers    ${writers.length} session(s), last ${iso(last)}`);
  }
  if (record.pending.length === 0) lines.push("pending    none");
  for (const p of record.pending) {
    const decision = await decisionOf(door, p.id);
    lines.push(`pending    transaction ${p.id}, created ${iso(p.created)}, decision: ${decision}`);
    lines.push(`             if committed: ${p.success.map(call).join("; ") || "nothing"}`);
    lines.push(`             if aborted:   ${p.failure.map(call).join("; ") || "nothing"}`);
  }
  return lines;
}

/** One line per retained version, newest first. */
export function historyLines(entries) {
  return entries.map((entry) => {
    const record = decodeEnvelope(entry.value);
    const note = record.error ? `undecodable: ${record.error}` : `pending ${record.pending?.length ?? 0}`;
    const bytes = Buffer.byteLength(entry.value, "utf8");
    return `v${entry.version.padEnd(6)} ${iso(entry.time)}  users ${JSON.stringify(entry.userIds ?? [])}  ${bytes} bytes  ${note}`;
  });
}
