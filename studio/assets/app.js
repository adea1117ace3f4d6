// skilift studio's page: reads the token, then shows the view the hash
// names (dom.js's routes). Views: stores, keys, key (a version with
// ?version=), diff, and, with --write only, restore and remove.

import { api, ApiError, setToken, takeToken } from "./api.js";
import { currentRoute, h, link } from "./dom.js";
import { storesView } from "./stores-view.js";
import { keysView } from "./keys-view.js";
import { keyView } from "./key-view.js";
import { diffView, removeView, restoreView } from "./compare-view.js";
import { showNotice } from "./notice.js";

const VIEWS = { stores: storesView, keys: keysView, key: keyView, diff: diffView };
const WRITE_VIEWS = { restore: restoreView, remove: removeView };

const $ = (id) => document.getElementById(id);
let info = null;
let drawing = 0;

function tokenView(message) {
  const input = h("input", { name: "token", autocomplete: "off", "aria-label": "studio URL or token", placeholder: "http://127.0.0.1:4983/?token=…" });
  return [
    h("section", { class: "panel" },
      h("h2", {}, "Token needed"),
      h("p", {}, message),
      h("form", { class: "inline", onsubmit: (e) => {
        e.preventDefault();
        setToken(input.value);
        info = null;
        draw();
      } }, input, h("button", { type: "submit" }, "Use it")),
    ),
  ];
}

function crumbs(title) {
  const nav = $("crumbs");
  const parts = [["stores", link("stores")], ...title];
  nav.replaceChildren(...parts.flatMap(([text, href], i) => [i ? h("span", { class: "sep" }, "›") : null, h("a", { href }, text)]).filter(Boolean));
}

async function draw() {
  const mine = ++drawing;
  const view = $("view");
  const { view: name, params } = currentRoute();
  try {
    info ??= await api.get("info");
    $("target").textContent = info.target;
    $("mode").textContent = info.write ? "writes enabled" : "read only";
    $("mode").className = `mode ${info.write ? "write" : "read"}`;
    const render = VIEWS[name] ?? (info.write ? WRITE_VIEWS[name] : undefined);
    if (!render) throw new ApiError(404, "no_view", info.write || !WRITE_VIEWS[name] ? `There is no view “${name}”.` : "This studio runs without --write: it only reads.");
    view.setAttribute("aria-busy", "true");
    const { title, body } = await render(info, params);
    if (mine !== drawing) return;
    crumbs(title);
    showNotice($("notice"));
    view.replaceChildren(...body.filter(Boolean));
    document.title = `${[...title.map(([t]) => t)].reverse().join(" · ") || "stores"} — skilift studio`;
  } catch (error) {
    if (mine !== drawing) return;
    crumbs([]);
    showNotice($("notice"));
    if (error instanceof ApiError && error.status === 401) {
      view.replaceChildren(...tokenView("This page needs the token skilift studio printed: paste the whole URL it printed, or the token alone. Links you share never carry it."));
    } else {
      view.replaceChildren(h("section", { class: "panel error" }, h("h2", {}, "Cannot show this"), h("p", {}, error.message ?? String(error)), h("p", {}, h("a", { href: link("stores") }, "back to the stores"))));
    }
  } finally {
    if (mine === drawing) {
      view.removeAttribute("aria-busy");
      view.dataset.drawn = location.hash; // which route the view shows (tests wait on it)
    }
  }
}

takeToken();
window.addEventListener("hashchange", draw);
draw();
