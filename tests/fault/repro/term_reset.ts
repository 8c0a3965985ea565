/**
 * Repro (not a test): 20 modules sending SRs as fast as they can when the
 * server gets SIGTERM, six times; prints the close codes the clients saw.
 * The contract says 1012. Seen on 2026-12-01 at 2102ca7 (`Deno.serve` and
 * `Deno.upgradeWebSocket`): `{"0": 100, "1012": 20}` and `{"0": 79,
 * "1012": 41}` — code 0 is how Deno's client reports a connection that
 * failed without a close frame it could read (a browser says 1006); the
 * fault suite's `term_reset`. At 87ea4ca (the project's own WebSocket
 * layer): `{"1012": 120}`.
 *
 * Run: `deno run -A tests/fault/repro/term_reset.ts`
 * @module
 */
import { sqliteDb } from "../../_support/db.ts";
import { mintToken, startServer } from "../../_support/server.ts";

const dir = await Deno.makeTempDir({ prefix: "wstest_term_" });
const codes: Record<string, number> = {};
try {
  for (let round = 0; round < 6; round++) {
    const path = `${dir}/t${round}.sqlite`;
    const server = await startServer({
      SQLITE_PATH: path,
      RATE_LIMIT_PER_SEC: "100000",
      RATE_LIMIT_BURST: "100000",
    });
    const db = sqliteDb(path);
    const token = await mintToken("m", "module");
    const sockets: WebSocket[] = [];
    const closed: Promise<void>[] = [];
    for (let i = 0; i < 20; i++) {
      const ws = new WebSocket(server.wsUrl);
      sockets.push(ws);
      await new Promise((r) => ws.onopen = r);
      ws.send(JSON.stringify({ type: "CL", id: "hello", token }));
      closed.push(
        new Promise((resolve) =>
          ws.onclose = (ev) => {
            codes[ev.code] = (codes[ev.code] ?? 0) + 1;
            resolve();
          }
        ),
      );
    }
    await new Promise((r) => setTimeout(r, 300));
    let stop = false;
    const pump = (async () => {
      while (!stop) {
        for (const ws of sockets) {
          if (ws.readyState !== WebSocket.OPEN) continue;
          ws.send(JSON.stringify({ type: "SR", id: 1, response_id: await db.insertResponse() }));
        }
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    await new Promise((r) => setTimeout(r, 200 + round * 37));
    await server.stop("SIGTERM");
    await Promise.all(closed);
    stop = true;
    await pump;
    await db.close();
  }
  console.log("close codes after SIGTERM:", JSON.stringify(codes));
} finally {
  await Deno.remove(dir, { recursive: true }).catch(() => {});
}
