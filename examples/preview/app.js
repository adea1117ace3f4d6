// The preview's game: one player's data in IndexedDB, through a skilift
// Store. Buttons patch registered actions; `updated` renders every change,
// whether it came from this tab or, at a pull, from another tab.

import { Store } from "skilift";
import { IndexedDbBackend } from "skilift/indexeddb";

const $ = (id) => document.getElementById(id);
const key = new URLSearchParams(location.search).get("player") ?? "player_1";

const store = new Store({
  name: "players",
  defaultData: () => ({ name: "New player", coins: 0, items: [] }),
  schema: (d) => Number.isInteger(d.coins) && d.coins >= 0 && typeof d.name === "string",
  backend: new IndexedDbBackend("skilift-preview"),
  pullDelay: 0.5,
  onError: (error) => {
    $("status").dataset.state = "error";
    $("status").textContent = "storage trouble; changes are kept and retried";
    $("message").textContent = error.message;
  },
});

const earn = store.action((d, n) => ({ ...d, coins: d.coins + n }));
// Returning undefined cancels the patch: no change, patch() answers false.
const spend = store.action((d, n) => (d.coins >= n ? { ...d, coins: d.coins - n } : undefined));
const buy = store.action((d, item, price) =>
  d.coins >= price ? { ...d, coins: d.coins - price, items: [...d.items, item] } : undefined,
);
const rename = store.action((d, name) => ({ ...d, name }));

const session = store.load(key);
session.userid(1);
$("key").textContent = key;

session.updated((d) => {
  $("name").textContent = d.name;
  $("coins").textContent = String(d.coins);
  $("items").textContent = d.items.length ? d.items.join(", ") : "none";
});

let unsaved = 0;
function setStatus(state, text) {
  $("status").dataset.state = state;
  $("status").textContent = text;
}

/**
 * Patches and shows when the change is stored. `await()` settles when the
 * session's next request succeeds, which may be a pull already under way
 * that did not carry this patch; the request after that one does.
 */
async function act(fn, ...args) {
  $("message").textContent = "";
  if (!session.patch(fn, ...args)) {
    $("message").textContent = "not enough coins";
    return;
  }
  unsaved++;
  setStatus("unsaved", "saving…");
  await session.await();
  await session.await();
  if (--unsaved === 0) setStatus("saved", "saved");
}

$("earn").onclick = () => act(earn, 10);
$("spend").onclick = () => act(spend, 5);
$("buy").onclick = () => act(buy, "sword", 25);
$("rename").onclick = () => {
  const name = $("new-name").value.trim();
  if (name) act(rename, name);
};

await session.await(); // loaded
for (const button of document.querySelectorAll("button")) button.disabled = false;
setStatus("saved", session.loaded() ? "loaded" : "offline");
addEventListener("pagehide", () => session.stop());
