// What changed between two versions' data, field by field: every path
// whose value was added, removed or changed, in document order. Objects
// are compared by field name, arrays by position once their equal ends are
// set aside. The walk stops
// counting at MAX_CHANGES, so two unrelated 1 MB documents stay quick.

import { h, pathText, preview, table } from "./dom.js";

const MAX_CHANGES = 20000;
const SHOWN = 200;

function same(x, y) {
  return x === y || JSON.stringify(x) === JSON.stringify(y);
}

function isObject(v) {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** The changes from `a` to `b`: [{ path, kind: "added" | "removed" | "changed", before, after }]. */
export function diff(a, b, path = [], out = []) {
  if (out.length >= MAX_CHANGES || a === b) return out;
  if (isObject(a) && isObject(b)) {
    for (const k of Object.keys(a)) {
      if (!Object.hasOwn(b, k)) out.push({ path: [...path, k], kind: "removed", before: a[k] });
      else diff(a[k], b[k], [...path, k], out);
    }
    for (const k of Object.keys(b)) if (!Object.hasOwn(a, k)) out.push({ path: [...path, k], kind: "added", after: b[k] });
    return out;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    // The equal elements at both ends are skipped first, so one item taken
    // out of (or put into) a list is one change, not a shift of every
    // element after it; what remains is compared by position.
    let start = 0;
    while (start < a.length && start < b.length && same(a[start], b[start])) start++;
    let endA = a.length;
    let endB = b.length;
    while (endA > start && endB > start && same(a[endA - 1], b[endB - 1])) {
      endA--;
      endB--;
    }
    const common = Math.min(endA, endB);
    for (let i = start; i < common; i++) diff(a[i], b[i], [...path, i], out);
    for (let i = common; i < endA; i++) out.push({ path: [...path, i], kind: "removed", before: a[i] });
    for (let i = common; i < endB; i++) out.push({ path: [...path, i], kind: "added", after: b[i] });
    return out;
  }
  if (typeof a !== "object" && a === b) return out;
  if (JSON.stringify(a) !== JSON.stringify(b)) out.push({ path, kind: "changed", before: a, after: b });
  return out;
}

function counts(changes) {
  const n = { added: 0, removed: 0, changed: 0 };
  for (const c of changes) n[c.kind]++;
  const capped = changes.length >= MAX_CHANGES ? ` (stopped counting at ${MAX_CHANGES})` : "";
  return `${n.changed} changed, ${n.added} added, ${n.removed} removed${capped}`;
}

/** The table of changes, SHOWN rows at a time. */
export function diffTable(changes) {
  if (changes.length === 0) return h("p", { class: "same" }, "The data is the same.");
  const wrap = h("div", {}, h("p", { class: "counts" }, counts(changes)));
  const rows = (from) =>
    changes.slice(from, from + SHOWN).map((c) => [
      h("code", {}, pathText(c.path)),
      h("span", { class: `badge ${c.kind}` }, c.kind),
      c.kind === "added" ? "" : h("code", { class: "before" }, preview(c.before, 160)),
      c.kind === "removed" ? "" : h("code", { class: "after" }, preview(c.after, 160)),
    ]);
  const t = table(["field", "", "before", "after"], rows(0), { class: "diff" });
  wrap.append(t);
  let shown = SHOWN;
  if (changes.length > shown) {
    const more = h("button", { type: "button", onclick: () => {
      const body = t.tBodies[0];
      for (const cells of rows(shown)) body.append(h("tr", {}, cells.map((c) => h("td", {}, c))));
      shown += SHOWN;
      if (shown >= changes.length) more.remove();
      else more.textContent = `show more (${changes.length - shown} left)`;
    } }, `show more (${changes.length - shown} left)`);
    wrap.append(more);
  }
  return wrap;
}

/** Differences of the record's parts other than the data (user ids, migrations, pending, exactly-once ids). */
export function metaChanges(a, b) {
  const rows = [];
  const same = (x, y) => JSON.stringify(x) === JSON.stringify(y);
  if (!same(a.userIds, b.userIds)) rows.push(["user ids", preview(a.userIds), preview(b.userIds)]);
  if (!same(a.migrations, b.migrations)) rows.push(["migration steps", preview(a.migrations), preview(b.migrations)]);
  const ids = (r, f) => (r[f] ?? []).map((x) => x.id);
  if (!same(ids(a, "pending"), ids(b, "pending"))) rows.push(["pending transactions", preview(ids(a, "pending")), preview(ids(b, "pending"))]);
  if ((a.once ?? []).length !== (b.once ?? []).length) rows.push(["exactly-once ids", `${(a.once ?? []).length}`, `${(b.once ?? []).length}`]);
  return rows;
}
