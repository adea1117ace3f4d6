// A one-line message shown above the next view (after a restore or a
// removal, which move to another view), then cleared.

let pending = null;

export function flash(text) {
  pending = text;
}

/** Shows the pending message, if any, in `el`. */
export function showNotice(el) {
  el.hidden = pending === null;
  el.textContent = pending ?? "";
  pending = null;
}
