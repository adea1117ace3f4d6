// Comparing two versions of a key (or one and now), and the two writes,
// which the page offers only when the studio runs with --write: restoring
// a version (its diff against the current data first, then a confirmation)
// and removing a key (typing the key to confirm).

import { api, ApiError } from "./api.js";
import { go, h, link, section, table, time } from "./dom.js";
import { diff, diffTable, metaChanges } from "./diff.js";
import { flash } from "./notice.js";

async function entry(store, key, v) {
  return v === "now" ? api.get("key", { store, key }) : api.get("version", { store, key, version: v });
}

function side(label, rec, isNow) {
  return h("div", { class: "side" }, h("strong", {}, label), " ", h("code", {}, `v${rec.version}`), isNow ? " (now)" : "", " · ", time(rec.time));
}

function changes(a, b) {
  const meta = metaChanges(a, b);
  return [
    meta.length ? section("Record", table(["part", "before", "after"], meta, { class: "diff" })) : null,
    section("Data, field by field", a.kind === "record" && b.kind === "record" ? diffTable(diff(a.data, b.data)) : h("p", { class: "muted" }, "One of the two is not a record: nothing to compare field by field.")),
  ];
}

export async function diffView(info, params) {
  const storeArg = params.get("store");
  const key = params.get("key");
  const av = params.get("a");
  const bv = params.get("b") ?? "now";
  const [a, b] = await Promise.all([entry(storeArg, key, av), entry(storeArg, key, bv)]);
  const { store } = a;
  return {
    title: [[store, link("keys", { store })], [key, link("key", { store, key })], [`v${a.version} → ${bv === "now" ? "now" : `v${b.version}`}`, location.hash]],
    body: [
      h("div", { class: "compare-head" }, side("A", a, av === "now"), h("span", { class: "arrow" }, "→"), side("B", b, bv === "now"),
        h("a", { class: "button", href: link("diff", { store, key, a: bv, b: av }) }, "swap")),
      ...changes(a, b),
    ],
  };
}

export async function restoreView(info, params) {
  const storeArg = params.get("store");
  const key = params.get("key");
  const version = params.get("version");
  const [now, old] = await Promise.all([api.get("key", { store: storeArg, key }), api.get("version", { store: storeArg, key, version })]);
  const { store } = now;
  const status = h("p", { class: "status" });
  const confirm = h("button", { type: "button", class: "write", onclick: async () => {
    confirm.disabled = true;
    try {
      const done = await api.post("restore", { store, key, version, current: now.version });
      flash(`Restored ${key} to the data of version ${version}: it is now version ${done.version}. Game servers get it at their next pull.`);
      go("key", { store, key });
    } catch (error) {
      if (error instanceof ApiError && error.code === "changed") {
        flash(error.message);
        return restoreAgain();
      }
      status.textContent = error.message;
      confirm.disabled = false;
    }
  } }, `Restore version ${version}`);
  // The key changed since the diff was drawn: draw it again from fresh data.
  const restoreAgain = () => window.dispatchEvent(new HashChangeEvent("hashchange"));
  return {
    title: [[store, link("keys", { store })], [key, link("key", { store, key })], [`restore v${version}`, location.hash]],
    body: [
      section(`Restore version ${version}?`,
        h("p", {}, `This writes a new version of ${key} with the data and migration steps of version ${version} (written `, time(old.time),
          `), by compare-and-set on the current version ${now.version}; pending transactions and exactly-once ids stay as they are now. Servers running the game replay what they have queued on it at their next pull.`),
        h("p", {}, "What it changes, from now (A) to version ", version, " (B):"),
        h("div", { class: "actions-bar" }, confirm, h("a", { class: "button", href: link("key", { store, key }) }, "cancel")),
        status,
      ),
      ...changes(now, old),
    ],
  };
}

export async function removeView(info, params) {
  const storeArg = params.get("store");
  const key = params.get("key");
  const now = await api.get("key", { store: storeArg, key });
  const { store } = now;
  const status = h("p", { class: "status" });
  const typed = h("input", { name: "confirm", autocomplete: "off", spellcheck: false, "aria-label": "type the key to confirm", placeholder: key });
  const button = h("button", { type: "submit", class: "danger", disabled: true }, "Remove for ever");
  typed.addEventListener("input", () => (button.disabled = typed.value !== key));
  const form = h("form", { class: "inline", onsubmit: async (e) => {
    e.preventDefault();
    button.disabled = true;
    try {
      await api.post("remove", { store, key, confirm: typed.value });
      flash(`Removed ${key} from ${store}: its data and every retained version are erased.`);
      go("keys", { store });
    } catch (error) {
      status.textContent = error.message;
      button.disabled = typed.value !== key;
    }
  } }, typed, button);
  return {
    title: [[store, link("keys", { store })], [key, link("key", { store, key })], ["remove", location.hash]],
    body: [
      section(`Remove ${key}?`,
        h("p", {}, `This erases ${key} in ${store} and every retained version (now at v${now.version}, written `, time(now.time), "). It cannot be undone; servers that still hold the key stop writing it."),
        h("p", {}, "Type the key to confirm:"),
        form,
        status,
      ),
    ],
  };
}
