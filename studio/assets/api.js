// The page's only way to the data: the studio's /api routes on this origin,
// with the token in the x-skilift-token header (never a cookie, never in a
// view's URL). The token comes from the ?token= of the URL the studio
// printed, is kept in this origin's localStorage so a link opened in a new
// tab works, and is taken out of the address bar at once.

const STORAGE = "skilift-studio-token";

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** Moves ?token= from the address bar into storage; the token or null. */
export function takeToken() {
  const url = new URL(location.href);
  const given = url.searchParams.get("token");
  if (given) {
    localStorage.setItem(STORAGE, given);
    url.searchParams.delete("token");
    history.replaceState(null, "", url.pathname + url.search + url.hash);
  }
  return localStorage.getItem(STORAGE);
}

/** Keeps a token pasted by the user (the printed URL, or the token alone). */
export function setToken(text) {
  const m = /[?&]token=([0-9a-f]+)/i.exec(text);
  localStorage.setItem(STORAGE, (m ? m[1] : text).trim());
}

async function call(method, route, params, body) {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params ?? {})) if (v !== undefined && v !== null) query.set(k, String(v));
  const response = await fetch(`/api/${route}${query.toString() ? `?${query}` : ""}`, {
    method,
    headers: { "x-skilift-token": localStorage.getItem(STORAGE) ?? "", ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    cache: "no-store",
    credentials: "omit",
  });
  let answer;
  try {
    answer = await response.json();
  } catch {
    throw new ApiError(response.status, "bad_answer", `the studio answered HTTP ${response.status} without JSON`);
  }
  if (!response.ok) throw new ApiError(response.status, answer.error, answer.message ?? `HTTP ${response.status}`);
  return answer;
}

export const api = {
  get: (route, params) => call("GET", route, params),
  post: (route, body) => call("POST", route, {}, body),
};
