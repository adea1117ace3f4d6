// The bot players: who they are, which server they are on, and what each
// does next. The coordinator asks; bots never talk to storage. Each bot keeps
// the coins the coordinator expects it to have (its model), so it only spends
// and trades what it has; the report checks the stored data, not this model.

/** Seeded xorshift32, so a run can be repeated with SKILIFT_DEMO_SEED. */
export class Rng {
  constructor(seed) {
    this.state = seed >>> 0 || 1;
  }
  next() {
    let x = this.state;
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    this.state = x;
    return x / 4294967296;
  }
  int(lo, hi) {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick(list) {
    return list[Math.floor(this.next() * list.length)];
  }
}

export function makeBots(count) {
  return Array.from({ length: count }, (_, i) => ({
    number: i + 1,
    key: `player_${String(i + 1).padStart(2, "0")}`,
    name: `bot${String(i + 1).padStart(2, "0")}`,
    server: null, // name of the server it plays on, null before it joins
    coins: 0, // what the coordinator expects (escrowed coins already taken)
  }));
}

/**
 * The next thing `bot` does: `{ kind: "earn" | "spend" | "gem" | "hop" | "trade" | "purchase", ... }`,
 * or null to idle. `others` are the bots online; `servers` the live servers;
 * `mines`: the bot's server runs version 2 of the game, which has gems.
 */
export function nextAction(bot, others, servers, rng, mines = false) {
  const roll = rng.next();
  if (roll < 0.05) return { kind: "purchase", n: rng.int(10, 100) }; // coins bought in the shop
  if (roll < 0.42) return mines && roll >= 0.34 ? { kind: "gem", n: rng.int(1, 5) } : { kind: "earn", n: rng.int(1, 20) };
  if (roll < 0.64) {
    if (bot.coins < 5) return { kind: "earn", n: rng.int(5, 20) };
    return { kind: "spend", n: rng.int(1, Math.min(15, bot.coins)) };
  }
  if (roll < 0.86) {
    const partners = others.filter((b) => b !== bot);
    if (bot.coins < 2 || partners.length === 0) return { kind: "earn", n: rng.int(1, 20) };
    return { kind: "trade", to: rng.pick(partners), n: rng.int(1, Math.min(10, bot.coins)) };
  }
  const elsewhere = servers.filter((s) => s !== bot.server);
  if (elsewhere.length === 0) return null;
  return { kind: "hop", server: rng.pick(elsewhere) };
}
