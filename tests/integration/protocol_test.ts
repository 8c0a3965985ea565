/**
 * Every frame and endpoint of PROTOCOL.md over real WebSocket connections
 * to a running server, on SQLite and on MariaDB: hello, snapshot, heartbeat,
 * SR, decisions, resume, stats and a graceful stop.
 */
import assert from "node:assert/strict";
import { mintToken } from "../_support/server.ts";
import { type Frame } from "../_support/ws_client.ts";
import { BACKENDS } from "./backends.ts";
import { withProtocolServer } from "./_protocol_fixture.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

for (const kind of BACKENDS) {
  Deno.test(
    { name: `protocol on ${kind.name}`, ignore: !kind.available, ...opts },
    (t) =>
      withProtocolServer(
        kind,
        async ({ server, db, operatorToken, bobToken, moduleToken, open }) => {
          await t.step("HTTP endpoints", async () => {
            const health = await fetch(`${server.url}/healthz`);
            assert.equal(health.status, 200);
            assert.equal((await health.text()).trim(), "ok");
            const ready = await fetch(`${server.url}/readyz`);
            assert.equal(ready.status, 200);
            await ready.body?.cancel();
            const page = await fetch(`${server.url}/`);
            assert.equal(page.status, 200);
            const csp = page.headers.get("content-security-policy") ?? "";
            assert.match(csp, /script-src 'self'/);
            assert.doesNotMatch(csp, /unsafe-inline/);
            await page.body?.cancel();
            const missing = await fetch(`${server.url}/nope`);
            assert.equal(missing.status, 404);
            await missing.body?.cancel();
            const traversal = await fetch(`${server.url}/static/..%2Fdeno.json`);
            assert.equal(traversal.status, 404);
            await traversal.body?.cancel();
          });

          await t.step(
            "CL → WELCOME with every field; SNAPSHOT of pending rows in order",
            async () => {
              const later = await db.insertResponse({
                created_at: new Date(Date.now() + 1000),
                response_text: "later",
              });
              const earlier = await db.insertResponse({
                created_at: new Date(Date.now() - 1000),
                response_text: "earlier",
              });
              await db.insertResponse({ status: "approved" });
              const c = await open();
              const welcome = await c.hello(operatorToken);
              assert.equal(welcome.role, "operator");
              assert.equal(welcome.user, "alice");
              assert.equal(welcome.resumed, false);
              assert.equal(typeof welcome.client_id, "string");
              assert.equal(typeof welcome.epoch, "string");
              assert.equal(welcome.heartbeat_interval_ms, 15000);
              assert.equal(welcome.heartbeat_timeout_ms, 45000);
              const snap = await c.nextOf("SNAPSHOT");
              assert.equal(snap.seq, welcome.seq);
              const ids = snap.items.map((i: Frame) => i.response_id);
              assert.deepEqual(ids, [earlier, later]);
              assert.equal(snap.items[0].platform, "vk");
              assert.match(snap.items[0].html, /earlier/);
              await db.exec("UPDATE responses SET status = 'rejected' WHERE id IN (?, ?)", [
                earlier,
                later,
              ]);
            },
          );

          await t.step("HEARTBEAT answers with ts and the id", async () => {
            const c = await open();
            await c.hello(operatorToken);
            const before = Date.now();
            const hb = await c.request({ type: "HEARTBEAT", id: 7 });
            assert.equal(hb.type, "HEARTBEAT");
            assert.equal(hb.id, 7);
            assert.ok(hb.ts >= before - 1000 && hb.ts <= Date.now() + 1000);
          });

          await t.step("SR → ACK, EVENT pending to every operator, duplicate, errors", async () => {
            const op1 = await open();
            const op2 = await open();
            const mod = await open();
            await op1.hello(operatorToken);
            await op2.hello(bobToken);
            await mod.hello(moduleToken);
            const id = await db.insertResponse({
              post_text: "the post",
              author: "Ann",
              response_text: "thanks!",
            });
            const ack = await mod.request({ type: "SR", response_id: id });
            assert.equal(ack.type, "ACK");
            assert.equal(ack.duplicate, false);
            assert.equal(typeof ack.seq, "number");
            for (const op of [op1, op2, mod]) {
              const ev = await op.next((f) => f.type === "EVENT" && f.response_id === id);
              assert.equal(ev.event, "pending");
              assert.equal(ev.seq, ack.seq);
              assert.equal(ev.platform, "vk");
              assert.equal(ev.post_url, "https://vk.com/wall-1_1");
              assert.match(ev.html, /the post/);
              assert.match(ev.html, /thanks!/);
              assert.match(ev.html, /Ann/);
            }
            const dup = await mod.request({ type: "SR", response_id: id });
            assert.equal(dup.type, "ACK");
            assert.equal(dup.duplicate, true);
            assert.equal(dup.seq, ack.seq);
            const forbidden = await op1.request({ type: "SR", response_id: id });
            assert.equal(forbidden.code, "forbidden");
            const notFound = await mod.request({ type: "SR", response_id: 987654321 });
            assert.equal(notFound.code, "not_found");
            assert.equal(notFound.retryable, false);
            const decided = await db.insertResponse({ status: "approved" });
            await db.exec("UPDATE responses SET decided_by = 'carol' WHERE id = ?", [decided]);
            const np = await mod.request({ type: "SR", response_id: decided });
            assert.equal(np.code, "not_pending");
            assert.equal(np.status, "approved");
            assert.equal(np.decided_by, "carol");
          });

          await t.step(
            "APPROVED with text, duplicate by the same user, not_pending for another",
            async () => {
              const alice = await open();
              const bob = await open();
              const mod = await open();
              await alice.hello(operatorToken);
              await bob.hello(bobToken);
              await mod.hello(moduleToken);
              const id = await db.insertResponse({ response_text: "original reply" });
              const pending = await mod.request({ type: "SR", response_id: id });
              const ack = await alice.request({
                type: "APPROVED",
                response_id: id,
                text: "edited reply",
              });
              assert.equal(ack.type, "ACK");
              assert.equal(ack.seq, pending.seq + 1);
              const ev = await bob.next((f) =>
                f.type === "EVENT" && f.event === "approved" && f.response_id === id
              );
              assert.equal(ev.by, "alice");
              assert.equal(ev.text, "edited reply");
              assert.match(ev.at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
              const row = await db.getResponse(id);
              assert.equal(row?.status, "approved");
              assert.equal(row?.decided_by, "alice");
              assert.equal(row?.response_text, "edited reply");
              const again = await alice.request({ type: "APPROVED", response_id: id });
              assert.equal(again.type, "ACK");
              assert.equal(again.duplicate, true);
              assert.equal(again.seq, ack.seq);
              const lost = await bob.request({ type: "REJECTED", response_id: id });
              assert.equal(lost.code, "not_pending");
              assert.equal(lost.status, "approved");
              assert.equal(lost.decided_by, "alice");
              assert.match(lost.message, /alice/);
              const byModule = await mod.request({ type: "APPROVED", response_id: id });
              assert.equal(byModule.code, "forbidden");
              // Without text, the approved event carries the row's reply.
              const id2 = await db.insertResponse({ response_text: "as proposed" });
              await alice.request({ type: "APPROVED", response_id: id2 });
              const ev2 = await bob.next((f) => f.type === "EVENT" && f.response_id === id2);
              assert.equal(ev2.text, "as proposed");
            },
          );

          await t.step("REJECTED with and without a reason", async () => {
            const alice = await open();
            await alice.hello(operatorToken);
            const id = await db.insertResponse();
            const ack = await alice.request({
              type: "REJECTED",
              response_id: id,
              reason: "off topic",
            });
            assert.equal(ack.type, "ACK");
            const ev = await alice.next((f) => f.type === "EVENT" && f.response_id === id);
            assert.equal(ev.event, "rejected");
            assert.equal(ev.reason, "off topic");
            assert.equal(ev.by, "alice");
            const row = await db.getResponse(id);
            assert.equal(row?.status, "rejected");
            assert.equal(row?.reason, "off topic");
            const id2 = await db.insertResponse();
            await alice.request({ type: "REJECTED", response_id: id2 });
            const ev2 = await alice.next((f) => f.type === "EVENT" && f.response_id === id2);
            assert.equal(ev2.reason, null);
            const nf = await alice.request({ type: "REJECTED", response_id: 99999999 });
            assert.equal(nf.code, "not_found");
          });

          await t.step(
            "resume: exactly the missed events in order; foreign epoch → SNAPSHOT",
            async () => {
              const mod = await open();
              await mod.hello(moduleToken);
              const reader = await open();
              const welcome = await reader.hello(operatorToken);
              await reader.nextOf("SNAPSHOT");
              const first = await db.insertResponse();
              const a = await mod.request({ type: "SR", response_id: first });
              await reader.next((f) => f.type === "EVENT" && f.seq === a.seq);
              await reader.close();
              const missed: number[] = [];
              for (let i = 0; i < 5; i++) {
                missed.push(
                  (await mod.request({ type: "SR", response_id: await db.insertResponse() })).seq,
                );
              }
              const back = await open();
              const w2 = await back.hello(operatorToken, { epoch: welcome.epoch, last_seq: a.seq });
              assert.equal(w2.resumed, true);
              assert.equal(w2.epoch, welcome.epoch);
              assert.ok(w2.seq >= missed[4]!);
              const got = await back.events(w2.seq - a.seq);
              assert.deepEqual(got.map((e) => e.seq), range(a.seq + 1, w2.seq));
              assert.ok(back.history.every((f) => f.type !== "SNAPSHOT"));
              // live events follow without a gap
              const live = await mod.request({
                type: "SR",
                response_id: await db.insertResponse(),
              });
              const ev = await back.next((f) => f.type === "EVENT" && f.seq === live.seq);
              assert.equal(ev.seq, w2.seq + 1);

              const foreign = await open();
              const w3 = await foreign.hello(operatorToken, { epoch: "not-this-log", last_seq: 1 });
              assert.equal(w3.resumed, false);
              await foreign.nextOf("SNAPSHOT");
              const ahead = await open();
              const w4 = await ahead.hello(operatorToken, {
                epoch: welcome.epoch,
                last_seq: 1_000_000,
              });
              assert.equal(w4.resumed, false);
              await ahead.nextOf("SNAPSHOT");
              const fromZero = await open();
              const w5 = await fromZero.hello(operatorToken, { epoch: welcome.epoch, last_seq: 0 });
              assert.equal(w5.resumed, true);
              const all = await fromZero.events(w5.seq);
              assert.deepEqual(all.map((e) => e.seq), range(1, w5.seq));
              const log = await db.events();
              assert.deepEqual(log.map((e) => e.seq), range(1, log.length));
              // the pending event in the log keeps the original reply text
              const original = all.find((e) =>
                e.event === "pending" && /original reply/.test(e.html)
              );
              assert.ok(original, "the pending event keeps the reply as proposed");
            },
          );

          await t.step("/stats and /metrics show the clients and counters", async () => {
            const c = await open();
            await c.hello(operatorToken);
            const stats = await (await fetch(`${server.url}/stats`, {
              headers: { authorization: `Bearer ${await mintToken("root", "admin")}` },
            })).json();
            assert.ok(Array.isArray(stats.clients));
            const me = stats.clients.find((x: Frame) => x.user === "alice");
            assert.ok(
              me && me.role === "operator" && me.connected_at && me.last_heartbeat && me.id,
            );
            assert.ok(stats.ws_frames_in_total["type=CL"] >= 1);
            const metrics = await (await fetch(`${server.url}/metrics`)).text();
            for (
              const name of [
                "ws_connections",
                "ws_frames_in_total",
                "ws_errors_total",
                "ws_event_log_head",
                "ws_db_query_seconds_bucket",
                "ws_resumes_total",
              ]
            ) {
              assert.match(metrics, new RegExp(`^${name}`, "m"), name);
            }
          });

          await t.step("SIGTERM: clients closed 1012, exit 0", async () => {
            const c = await open();
            await c.hello(operatorToken);
            const code = await server.stop("SIGTERM");
            assert.equal((await c.closed).code, 1012);
            assert.equal(code, 0, server.output());
          });
        },
      ),
  );
}

/** [from, …, to]. */
export function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}
