// The page's small toolbox: building elements, the hash routes (every view
// has its own URL, without the token), and how times, sizes and JSON
// values are shown.

/** An element: h("a", { href, class: "x", onclick }, child, "text", [more]). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else if (name === "class") el.className = value;
    else if (name in el && name !== "list") el[name] = value;
    else el.setAttribute(name, value === true ? "" : value);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
}

/** The URL of a view: `#/name?param=value…` (undefined params left out). */
export function link(view, params = {}) {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") query.set(k, String(v));
  const q = query.toString();
  return `#/${view}${q ? `?${q}` : ""}`;
}

/** The view and params of the current hash. */
export function currentRoute() {
  const hash = location.hash.replace(/^#\/?/, "");
  const at = hash.indexOf("?");
  const view = at < 0 ? hash : hash.slice(0, at);
  return { view: view || "stores", params: new URLSearchParams(at < 0 ? "" : hash.slice(at + 1)) };
}

export function go(view, params) {
  location.hash = link(view, params);
}

/** A time as "2026-05-01 12:00:03.120 UTC" (the title gives the local time). */
export function time(ms) {
  if (!Number.isFinite(ms)) return h("span", { class: "muted" }, "unknown");
  const iso = new Date(ms).toISOString().replace("T", " ").replace("Z", " UTC");
  return h("time", { datetime: new Date(ms).toISOString(), title: `${new Date(ms).toString()} (${ms} ms)` }, iso);
}

export function bytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(2)} MB`;
}

/** A JSON value on one line, cut at `max` characters. */
export function preview(value, max = 120) {
  const text = value === undefined ? "(none)" : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;
}

/** A path of keys and indexes as `inventory[3].count` / `["a b"]`. */
export function pathText(path) {
  if (path.length === 0) return "(the whole document)";
  return path
    .map((p, i) => (typeof p === "number" ? `[${p}]` : /^[A-Za-z_$][\w$]*$/.test(p) ? (i === 0 ? p : `.${p}`) : `[${JSON.stringify(p)}]`))
    .join("");
}

/** A table: headers and rows of cells (each cell an element, text or array). */
export function table(headers, rows, attrs = {}) {
  return h("table", attrs, h("thead", {}, h("tr", {}, headers.map((t) => h("th", {}, t)))), h("tbody", {}, rows.map((cells) => h("tr", {}, cells.map((c) => h("td", {}, c))))));
}

/** A section with a heading. */
export function section(title, ...children) {
  return h("section", { class: "panel" }, h("h2", {}, title), ...children);
}
