/**
 * Behind a reverse proxy that terminates TLS: a trusted proxy's
 * `X-Forwarded-Proto` names the scheme the browser used, so the page's own
 * `https://` origin may open `/ws`; an untrusted peer's header means nothing.
 */
import assert from "node:assert/strict";
import { startServer } from "../_support/server.ts";
import { SQLITE } from "./backends.ts";
import { closeQuietly, readUntil, writeAll } from "./_attack.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

async function handshake(port: number, headers: string): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await writeAll(
    conn,
    new TextEncoder().encode(
      `GET /ws HTTP/1.1\r\nHost: hub.example:443\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${headers}\r\n`,
    ),
  );
  const head = await readUntil(conn, "\r\n\r\n", 5000);
  closeQuietly(conn);
  return head.slice(0, 12);
}

for (const trusted of [true, false]) {
  Deno.test({
    name: `X-Forwarded-Proto ${
      trusted ? "from a trusted proxy names" : "from anyone else does not name"
    } the scheme`,
    ...opts,
    fn: async () => {
      const b = await SQLITE.create();
      const server = await startServer({
        ...b.env,
        TRUSTED_PROXIES: trusted ? "127.0.0.1" : "10.9.9.9",
      });
      try {
        const origin = "Origin: https://hub.example:443\r\n";
        const forwarded = await handshake(server.port, `${origin}X-Forwarded-Proto: https\r\n`);
        assert.equal(forwarded, trusted ? "HTTP/1.1 101" : "HTTP/1.1 403");
        assert.equal(await handshake(server.port, origin), "HTTP/1.1 403");
      } finally {
        await server.stop();
        await b.dispose();
      }
    },
  });
}
