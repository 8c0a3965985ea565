/**
 * No loss across a SIGKILL and restart, on SQLite and MariaDB: a resuming
 * client gets every committed event, contiguous, none twice, same epoch.
 */
import assert from "node:assert/strict";
import { mintToken, startServer } from "../_support/server.ts";
import { type Frame, TestClient } from "../_support/ws_client.ts";
import { BACKENDS } from "./backends.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

/** Reconnects a reader with its last contiguous seq until it has caught up to `head`. */
async function resumeUntil(
  url: string,
  token: string,
  epoch: string,
  seqs: number[],
  head: number,
) {
  const client = await TestClient.open(url);
  const welcome = await client.hello(token, { epoch, last_seq: seqs.at(-1) ?? 0 });
  assert.equal(welcome.resumed, true, JSON.stringify(welcome));
  assert.equal(welcome.epoch, epoch, "same epoch after the restart");
  const want = head - (seqs.at(-1) ?? 0);
  const events = await client.events(want, 10_000);
  return { client, welcome, events };
}

for (const kind of BACKENDS) {
  Deno.test({
    name: `SIGKILL while a module sends SR loses nothing (${kind.name})`,
    ignore: !kind.available,
    ...opts,
  }, async () => {
    const backend = await kind.create();
    let server = await startServer(backend.env);
    const db = await backend.open();
    const moduleToken = await mintToken("writer", "module");
    const operatorToken = await mintToken("reader", "operator");
    const seen: number[] = [];
    const reader = await TestClient.open(server.wsUrl);
    const { epoch } = await reader.hello(operatorToken);
    await reader.nextOf("SNAPSHOT");
    reader.socket.addEventListener("message", (ev) => {
      const f = JSON.parse(ev.data as string) as Frame;
      if (f.type === "EVENT") seen.push(f.seq);
    });
    const acked: number[] = [];
    const writer = await TestClient.open(server.wsUrl);
    await writer.hello(moduleToken);
    // Pipeline SRs without waiting, so some are in flight at the kill.
    let stop = false;
    const pump = (async () => {
      let n = 0;
      while (!stop && writer.socket.readyState === WebSocket.OPEN) {
        const id = await db.insertResponse({ response_text: `reply ${n++}` });
        writer.send({ type: "SR", id: `sr${id}`, response_id: id });
        if (n % 5 === 0) await new Promise((r) => setTimeout(r, 5));
      }
    })();
    writer.socket.addEventListener("message", (ev) => {
      const f = JSON.parse(ev.data as string) as Frame;
      if (f.type === "ACK") acked.push(f.seq);
    });
    while (acked.length < 40) await new Promise((r) => setTimeout(r, 5));
    await server.kill();
    stop = true;
    await pump.catch(() => {});
    await reader.closed;
    await writer.closed;

    server = await startServer({ ...backend.env, WEBSOCKET_PORT: String(server.port) });
    try {
      const log = await db.events();
      const head = log.length;
      assert.deepEqual(
        log.map((e) => e.seq),
        Array.from({ length: head }, (_, i) => i + 1),
        "log contiguous",
      );
      for (const seq of acked) assert.ok(seq <= head, `acknowledged seq ${seq} is in the log`);
      const { client, events } = await resumeUntil(server.wsUrl, operatorToken, epoch, seen, head);
      const all = [...seen, ...events.map((e) => e.seq)];
      assert.deepEqual(
        all,
        Array.from({ length: head }, (_, i) => i + 1),
        "every committed event once, in order",
      );
      // And life goes on from there.
      const mod = await TestClient.open(server.wsUrl);
      await mod.hello(moduleToken);
      const ack = await mod.request({ type: "SR", response_id: await db.insertResponse() });
      assert.equal(ack.seq, head + 1);
      const live = await client.next((f) => f.type === "EVENT" && f.seq === head + 1);
      assert.equal(live.event, "pending");
      await mod.close();
      await client.close();
    } finally {
      await server.kill();
      await db.close();
      await backend.dispose();
    }
  });
}
