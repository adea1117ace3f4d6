// A store's keys: a page at a time (after the last key of the previous
// page), filtered by a prefix, or the keys carrying a user id. Each row
// sums up the key's current entry.

import { api } from "./api.js";
import { bytes, go, h, link, section, table, time } from "./dom.js";
import { rememberStore } from "./stores-view.js";

function filters(store, params) {
  const prefix = h("input", { name: "prefix", value: params.get("prefix") ?? "", placeholder: "key prefix", "aria-label": "key prefix" });
  const user = h("input", { name: "user", value: params.get("user") ?? "", placeholder: "user id", inputmode: "numeric", "aria-label": "user id" });
  return h("div", { class: "filters" },
    h("form", { class: "inline", onsubmit: (e) => {
      e.preventDefault();
      go("keys", { store, prefix: prefix.value });
    } }, prefix, h("button", { type: "submit" }, "Filter")),
    h("form", { class: "inline", onsubmit: (e) => {
      e.preventDefault();
      go("keys", { store, user: user.value.trim() });
    } }, user, h("button", { type: "submit" }, "Keys of user id")),
  );
}

function state(k) {
  if (k.gone) return h("span", { class: "muted" }, "removed meanwhile");
  if (k.error) return h("span", { class: "badge bad" }, "undecodable");
  if (k.decision) return h("span", { class: "badge" }, `decision: ${k.decision}`);
  return k.pending ? h("span", { class: "badge pending" }, `${k.pending} pending`) : "";
}

export async function keysView(info, params) {
  const storeArg = params.get("store");
  const user = params.get("user");
  const page = await api.get("keys", { store: storeArg, prefix: params.get("prefix") ?? undefined, user: user ?? undefined, after: params.get("after") ?? undefined });
  const { store, keys, more } = page;
  rememberStore(store);
  const what = user !== null ? `Keys of user id ${user}` : params.get("prefix") ? `Keys starting with “${params.get("prefix")}”` : "Keys";
  const from = params.get("after") ? ` after “${params.get("after")}”` : "";
  const rows = keys.map((k) => [
    h("a", { href: link("key", { store, key: k.key }), class: "key" }, k.key === "" ? "(empty key)" : k.key),
    k.version ?? "",
    k.time ? time(k.time) : "",
    (k.userIds ?? []).join(", "),
    state(k),
    k.bytes === undefined ? "" : bytes(k.bytes),
  ]);
  const base = { store, prefix: params.get("prefix") ?? undefined, user: user ?? undefined };
  const paging = h("p", { class: "paging" },
    params.get("after") ? h("a", { href: link("keys", base) }, "← first page") : null,
    more ? h("a", { href: link("keys", { ...base, after: keys.at(-1).key }), rel: "next" }, "next page →") : null,
  );
  return {
    title: [[store, link("keys", { store })]],
    body: [
      section(`${what}${from} (${keys.length}${more ? "+" : ""})`,
        filters(store, params),
        keys.length === 0 ? h("p", { class: "muted" }, "No keys here.") : table(["key", "version", "written", "user ids", "state", "size"], rows, { class: "keys" }),
        paging,
      ),
    ],
  };
}
