// One key: its data as a folding tree, the record's metadata (version,
// time, user ids, migration steps, pending transactions with their
// decision, exactly-once ids, writers) and its history as a timeline, from
// which any two versions (or one and now) are compared. `version` in the
// URL shows a past version instead of the current one.

import { api } from "./api.js";
import { bytes, h, link, section, table, time } from "./dom.js";
import { tree } from "./tree.js";

const SHOWN_IDS = 50;
const PAGE = 50;
const MAX_HISTORY = 500; // the studio's largest page (js/cli/studio/api.js)

function call({ action, args }) {
  return `${action}(${(args ?? []).map((a) => JSON.stringify(a)).join(", ")})`;
}

function facts(rec) {
  const rows = [
    ["version", h("code", {}, rec.version)],
    ["written", time(rec.time)],
    ["user ids", rec.userIds.length ? rec.userIds.join(", ") : h("span", { class: "muted" }, "none")],
    ["size", bytes(rec.bytes)],
  ];
  if (rec.kind === "record") {
    rows.push(["format", `skilift ${rec.format}`]);
    rows.push(["migration steps", rec.migrations.length ? h("ol", { class: "steps" }, rec.migrations.map((m) => h("li", {}, m))) : h("span", { class: "muted" }, "none")]);
    if (rec.origin) rows.push(["origin", h("code", {}, rec.origin)]);
  }
  return h("dl", { class: "facts" }, rows.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
}

function pending(rec) {
  if (rec.pending.length === 0) return h("p", { class: "muted" }, "No pending transactions.");
  return table(["transaction", "created", "decision", "if committed", "if aborted"], rec.pending.map((p) => [
    h("code", {}, p.id),
    time(p.created),
    h("span", { class: `badge ${p.decision}` }, p.decision),
    h("code", {}, p.success.map(call).join("; ") || "nothing"),
    h("code", {}, p.failure.map(call).join("; ") || "nothing"),
  ]), { class: "pending" });
}

function onceIds(rec) {
  if (rec.once.length === 0) return h("p", { class: "muted" }, "No exactly-once ids.");
  const rows = (list) => list.map((o) => [h("code", {}, o.id), time(o.time), h("code", {}, o.by ?? "")]);
  const t = table(["id", "applied", "by"], rows(rec.once.slice(0, SHOWN_IDS)), { class: "once" });
  if (rec.once.length <= SHOWN_IDS) return t;
  const all = h("button", { type: "button", class: "link", onclick: () => {
    t.replaceWith(table(["id", "applied", "by"], rows(rec.once), { class: "once" }));
    all.remove();
  } }, `show all ${rec.once.length}`);
  return h("div", {}, t, all);
}

function writers(rec) {
  if (rec.writers.length === 0) return h("p", { class: "muted" }, "No writers recorded.");
  return table(["session", "last batch", "last write"], rec.writers.map((w) => [h("code", {}, w.session), String(w.batch), time(w.time)]), { class: "writers" });
}

/** The history timeline, a page at a time, with two radio columns to pick versions A and B. */
function timeline(info, store, key, shown, currentVersion) {
  const list = h("ol", { class: "timeline" });
  const pick = { a: null, b: null };
  const compare = h("a", { class: "button disabled", "aria-disabled": "true", id: "compare" }, "Compare A → B");
  const update = () => {
    const ready = pick.a !== null && pick.b !== null && pick.a !== pick.b;
    compare.classList.toggle("disabled", !ready);
    compare.setAttribute("aria-disabled", String(!ready));
    if (ready) compare.href = link("diff", { store, key, a: pick.a, b: pick.b === currentVersion ? "now" : pick.b });
    else compare.removeAttribute("href");
  };
  const seen = new Set();
  const more = h("button", { type: "button", class: "older" }, "older versions");
  // Each page asks again from the newest with a longer limit: versions
  // written in the same millisecond make paging by time lossy, and a key
  // keeps at most a few hundred versions.
  async function load() {
    more.disabled = true;
    const page = await api.get("history", { store, key, limit: seen.size + PAGE });
    for (const v of page.versions) {
      if (seen.has(v.version)) continue;
      seen.add(v.version);
      const radio = (side) => h("input", { type: "radio", name: `pick-${side}`, value: v.version, "aria-label": `${side.toUpperCase()}: version ${v.version}`, onchange: () => {
        pick[side] = v.version;
        update();
      } });
      const isCurrent = v.version === currentVersion;
      list.append(h("li", { class: `${isCurrent ? "current" : ""} ${v.version === shown ? "shown" : ""}`, "data-version": v.version },
        h("span", { class: "picks" }, radio("a"), radio("b")),
        h("a", { href: link("key", isCurrent ? { store, key } : { store, key, version: v.version }), class: "version" }, `v${v.version}`),
        time(v.time),
        v.userIds.length ? h("span", { class: "users" }, `users ${v.userIds.join(", ")}`) : null,
        isCurrent ? h("span", { class: "badge" }, "current") : h("span", { class: "actions" },
          h("a", { href: link("diff", { store, key, a: v.version, b: "now" }) }, "diff with now"),
          info.write ? h("a", { href: link("restore", { store, key, version: v.version }), class: "write" }, "restore…") : null),
      ));
    }
    more.disabled = false;
    if (!page.more || seen.size + PAGE > MAX_HISTORY) more.remove();
  }
  more.addEventListener("click", load);
  return { el: h("div", {}, h("p", { class: "hint" }, "Pick A (left column) and B (right column) to compare two versions, or compare one with now."), list, more, h("p", {}, compare)), load };
}

export async function keyView(info, params) {
  const storeArg = params.get("store");
  const key = params.get("key");
  const version = params.get("version");
  const current = await api.get("key", { store: storeArg, key });
  const rec = version && version !== current.version ? await api.get("version", { store: storeArg, key, version }) : current;
  const { store } = current;
  const past = rec !== current;
  const history = timeline(info, store, key, rec.version, current.version);
  await history.load().catch((error) => history.el.replaceChildren(h("p", { class: "muted" }, `No history: ${error.message}`)));
  const actions = h("div", { class: "actions-bar" },
    past ? h("a", { class: "button", href: link("key", { store, key }) }, "show current") : null,
    past ? h("a", { class: "button", href: link("diff", { store, key, a: rec.version, b: "now" }) }, "compare with now") : null,
    past && info.write ? h("a", { class: "button write", href: link("restore", { store, key, version: rec.version }) }, `restore version ${rec.version}…`) : null,
    info.write ? h("a", { class: "button danger", href: link("remove", { store, key }) }, "remove key…") : null,
  );
  const crumbs = [[store, link("keys", { store })], [key, link("key", { store, key })]];
  if (past) crumbs.push([`v${rec.version}`, location.hash]);
  const banner = past ? h("p", { class: "banner" }, `A past version (v${rec.version}); the key is now at v${current.version}.`) : null;
  const body = rec.kind === "record"
    ? [
        h("div", { class: "columns" },
          section(past ? `Data of version ${rec.version}` : "Data", tree(rec.data)),
          h("div", {},
            section("Record", facts(rec)),
            section(`Pending transactions (${rec.pending.length})`, pending(rec)),
            section(`Exactly-once ids (${rec.once.length})`, onceIds(rec)),
            section(`Writers (${rec.writers.length})`, writers(rec)),
          ),
        ),
      ]
    : [section("Record", facts(rec), rec.kind === "decision" ? h("p", {}, `A transaction decision record: ${rec.decision}.`) : [h("p", { class: "bad" }, `Undecodable: ${rec.error}`), h("pre", {}, rec.raw)])];
  return { title: crumbs, body: [banner, actions, ...body, section("History", history.el)] };
}
