// The first view: the target's stores (when it can list them: a FsBackend
// directory), a field to open any store by name, and the stores opened
// lately on this machine.

import { api } from "./api.js";
import { go, h, link, section, table } from "./dom.js";

const RECENT = "skilift-studio-recent";

/** Remembers `store` among the last ten opened. */
export function rememberStore(store) {
  const recent = recentStores().filter((s) => s !== store);
  localStorage.setItem(RECENT, JSON.stringify([store, ...recent].slice(0, 10)));
}

function recentStores() {
  try {
    const list = JSON.parse(localStorage.getItem(RECENT) ?? "[]");
    return Array.isArray(list) ? list.filter((s) => typeof s === "string") : [];
  } catch {
    return [];
  }
}

function openForm() {
  const input = h("input", { name: "store", placeholder: "players/global", required: true, "aria-label": "store name" });
  return h("form", { class: "inline", onsubmit: (e) => {
    e.preventDefault();
    go("keys", { store: input.value.trim() });
  } }, input, h("button", { type: "submit" }, "Open store"));
}

export async function storesView(info) {
  const parts = [];
  if (info.stores) {
    const { stores } = await api.get("stores");
    parts.push(section(`Stores (${stores.length})`, stores.length === 0
      ? h("p", { class: "muted" }, "This target holds no skilift stores yet.")
      : table(["store", "keys"], stores.map((s) => [h("a", { href: link("keys", { store: s.store }) }, s.store), String(s.keys)]), { class: "stores" })));
  } else {
    parts.push(section("Stores", h("p", { class: "muted" }, `${info.target} cannot list its stores: open one by its name (name/scope; "players" means players/global).`)));
  }
  parts.push(section("Open a store", openForm()));
  const recent = recentStores();
  if (recent.length) parts.push(section("Opened lately", h("ul", { class: "plain" }, recent.map((s) => h("li", {}, h("a", { href: link("keys", { store: s }) }, s))))));
  return { title: [], body: parts };
}
