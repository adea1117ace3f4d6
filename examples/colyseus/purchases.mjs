// The purchase webhook: POST /purchases {"receipt", "playerId", "coins"},
// answered {"granted": true|false}. A platform delivers a receipt more than
// once, and to any server behind the load balancer (this one may not even
// hold the player); Players.grant applies it exactly once wherever it lands.
// A real game checks the platform's signature on the request first.

const MAX_BODY = 4096;

/** A Node `http` request handler for the purchase webhook (other routes: 404). */
export function purchasesHandler(players) {
  return (req, res) => {
    const reply = (status, body) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    if (req.method !== "POST" || req.url !== "/purchases") return reply(404, { error: "POST /purchases" });
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk) => {
      body += chunk;
      if (body.length > MAX_BODY) req.destroy();
    });
    req.on("end", async () => {
      let p;
      try {
        p = JSON.parse(body);
      } catch {
        return reply(400, { error: "the body must be JSON" });
      }
      const ok = typeof p?.receipt === "string" && /^[\w-]{1,64}$/.test(p.receipt) &&
        typeof p.playerId === "string" && /^[\w-]{1,64}$/.test(p.playerId) && Number.isInteger(p.coins) && p.coins > 0;
      if (!ok) return reply(400, { error: 'expected {"receipt": id, "playerId": id, "coins": whole number > 0}' });
      try {
        reply(200, { granted: await players.grant(p.playerId, p.receipt, p.coins) });
      } catch (error) {
        // Not granted here (the key is bad, or the server is shutting down):
        // an error status makes the platform deliver it again, elsewhere or later.
        reply(503, { error: String(error?.code ?? error?.message ?? error) });
      }
    });
  };
}
