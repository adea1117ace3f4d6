// A broken game server, on purpose (loaded with `node --import` by the check
// when asked, never by the game): receipts granted with plain `patch` and
// `update`, as a game that forgot exactly-once would. A receipt delivered to
// two servers is then granted twice, and the check's purchase audit must fail.

import { Session, Store } from "skilift";

Session.prototype.patchOnce = function (id, fn, ...args) {
  return Promise.resolve(this.patch(fn, ...args));
};
Store.prototype.updateOnce = function (key, id, fn, ...args) {
  return this.update(key, fn, ...args);
};
