// Starting Debian's Chromium through playwright-core, shared by the browser
// test runners. No browser is ever downloaded: scripts/setup-browser.sh
// installs the system Chromium and playwright-core.

import { existsSync } from "node:fs";

export const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

// Without the background-networking flags Chromium keeps trying to reach
// hosts this machine's closed network refuses.
const ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * Launches headless Chromium, or prints what to install (naming `who`) and
 * resolves null.
 */
export async function launchChromium(who) {
  let chromium;
  try {
    ({ chromium } = await import("playwright-core"));
  } catch {
    console.error(`${who}: playwright-core is not installed; run scripts/setup-browser.sh`);
    return null;
  }
  if (!existsSync(CHROMIUM)) {
    console.error(`${who}: no Chromium at ${CHROMIUM}; run scripts/setup-browser.sh`);
    return null;
  }
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
}
