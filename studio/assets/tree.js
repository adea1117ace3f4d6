// The data of a record as a tree that folds. Built lazily: a node's
// children are made when it is first opened, and a hundred at a time, so
// a 1 MB document costs what is on screen, not what is stored.

import { h, pathText } from "./dom.js";

const CHUNK = 100;
const LONG_STRING = 300;

function isBranch(value) {
  return value !== null && typeof value === "object";
}

function summary(value) {
  if (Array.isArray(value)) return `[${value.length} item${value.length === 1 ? "" : "s"}]`;
  const n = Object.keys(value).length;
  return `{${n} field${n === 1 ? "" : "s"}}`;
}

function leaf(value) {
  if (typeof value === "string") {
    if (value.length <= LONG_STRING) return h("span", { class: "v-string" }, JSON.stringify(value));
    const full = JSON.stringify(value);
    const el = h("span", { class: "v-string" }, `${full.slice(0, LONG_STRING)}…`);
    const more = h("button", { class: "link", type: "button", onclick: () => (el.textContent = full) && more.remove() }, `show all ${value.length} characters`);
    return h("span", {}, el, " ", more);
  }
  return h("span", { class: `v-${value === null ? "null" : typeof value}` }, JSON.stringify(value));
}

function label(name) {
  return typeof name === "number" ? h("span", { class: "k-index" }, `${name}`) : h("span", { class: "k-name" }, name);
}

/** The children of `value` from `from` on, a chunk at a time, with a button for the next chunk. */
function children(list, value, path, from) {
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  const end = Math.min(entries.length, from + CHUNK);
  for (let i = from; i < end; i++) list.append(node(entries[i][0], entries[i][1], [...path, entries[i][0]], false));
  if (end < entries.length) {
    const more = h("li", { class: "more" }, h("button", { class: "link", type: "button", onclick: () => {
      more.remove();
      children(list, value, path, end);
    } }, `show ${Math.min(CHUNK, entries.length - end)} more (${entries.length - end} left)`));
    list.append(more);
  }
}

function node(name, value, path, open) {
  const title = pathText(path);
  if (!isBranch(value)) return h("li", { class: "leaf", title }, name === null ? null : [label(name), ": "], leaf(value));
  const item = h("li", { class: "branch", title });
  let list = null;
  const toggle = h("button", { class: "toggle", type: "button", "aria-expanded": "false" }, name === null ? "data" : label(name), " ", h("span", { class: "summary" }, summary(value)));
  const setOpen = (yes) => {
    toggle.setAttribute("aria-expanded", String(yes));
    item.classList.toggle("open", yes);
    if (yes && list === null) {
      list = h("ul", {});
      children(list, value, path, 0);
      item.append(list);
    }
    if (list) list.hidden = !yes;
  };
  toggle.addEventListener("click", () => setOpen(toggle.getAttribute("aria-expanded") !== "true"));
  item.append(toggle);
  if (open) setOpen(true);
  return item;
}

/** A folding tree of `value`, its first level open. */
export function tree(value) {
  return h("ul", { class: "tree" }, node(null, value, [], true));
}
