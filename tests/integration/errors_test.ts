/**
 * Bad input over real connections to a running server, on SQLite and on
 * MariaDB: every error code answered with the connection kept usable, the
 * closes that end a connection, Origin checks and POST /api/sr's statuses.
 */
import assert from "node:assert/strict";
import { mintToken } from "../_support/server.ts";
import { type Frame, TestClient } from "../_support/ws_client.ts";
import { BACKENDS } from "./backends.ts";
import { withProtocolServer } from "./_protocol_fixture.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

for (const kind of BACKENDS) {
  Deno.test(
    { name: `errors and closes on ${kind.name}`, ignore: !kind.available, ...opts },
    (t) =>
      withProtocolServer(
        kind,
        async ({ server, db, operatorToken, moduleToken, open }) => {
          await t.step("bad frames are answered and the connection stays usable", async () => {
            const c = await open();
            const cases: Array<[string | Frame, string, boolean]> = [
              ["{not json", "bad_json", false],
              ["[1,2]", "bad_frame", false],
              [{ id: "a" }, "bad_frame", true],
              [{ type: 5, id: "a" }, "bad_frame", true],
              [{ type: "NOPE", id: "a" }, "unknown_type", true],
              [{ type: "HEARTBEAT", id: "a" }, "not_authenticated", true],
              [{ type: "SR", response_id: 1, id: "a" }, "not_authenticated", true],
              [{ type: "CL", id: "a" }, "bad_frame", true],
              [{ type: "CL", token: 5, id: "a" }, "bad_frame", true],
              [{ type: "HEARTBEAT", id: "x".repeat(65) }, "bad_frame", false],
              [{ type: "HEARTBEAT", id: 1.5 }, "bad_frame", false],
              [{ type: "HEARTBEAT", id: { a: 1 } }, "bad_frame", false],
            ];
            for (const [frame, code, hasId] of cases) {
              c.send(frame);
              const err = await c.nextOf("ERROR");
              assert.equal(err.code, code, JSON.stringify(frame));
              assert.equal(typeof err.message, "string");
              assert.equal(err.retryable, false);
              if (hasId) assert.equal(err.id, "a");
              else assert.equal("id" in err, false, JSON.stringify(err));
            }
            await c.hello(operatorToken);
            const after: Array<[Frame, string, RegExp]> = [
              [{ type: "SR", id: "b", response_id: 1 }, "forbidden", /SR/],
              [{ type: "APPROVED", id: "b" }, "bad_frame", /response_id/],
              [{ type: "APPROVED", id: "b", response_id: "1" }, "bad_frame", /response_id/],
              [{ type: "APPROVED", id: "b", response_id: -1 }, "bad_frame", /response_id/],
              [{ type: "APPROVED", id: "b", response_id: 1.5 }, "bad_frame", /response_id/],
              [{ type: "APPROVED", id: "b", response_id: 1, text: 5 }, "bad_frame", /text/],
              [
                { type: "APPROVED", id: "b", response_id: 1, text: "x".repeat(4097) },
                "too_large",
                /text/,
              ],
              [
                { type: "REJECTED", id: "b", response_id: 1, reason: "x".repeat(1025) },
                "too_large",
                /reason/,
              ],
              [{ type: "CL", id: "b", token: operatorToken }, "already_authenticated", /CL/],
            ];
            for (const [frame, code, message] of after) {
              const err = await c.request(frame);
              assert.equal(err.code, code, JSON.stringify(frame).slice(0, 80));
              assert.equal(err.id, "b");
              if (code !== "forbidden") assert.match(err.message, message);
            }
            const hb = await c.request({ type: "HEARTBEAT" });
            assert.equal(hb.type, "HEARTBEAT");
            assert.equal(c.socket.readyState, WebSocket.OPEN);
          });

          await t.step("closes: binary 1003, oversize 1009, bad tokens 4001", async () => {
            const bin = await open();
            bin.socket.send(new Uint8Array([1, 2, 3]));
            assert.equal((await bin.closed).code, 1003);
            const big = await open();
            big.send({ type: "HEARTBEAT", pad: "x".repeat(70_000) });
            assert.equal((await big.closed).code, 1009);
            const forged = await mintToken("mallory", "operator", {
              secret: "another-secret-entirely-000000000",
            });
            const expired = await mintToken("alice", "operator", { ttlSeconds: -10 });
            for (const token of [forged, expired, "garbage", "a.b.c"]) {
              const c = await open();
              c.send({ type: "CL", id: "t", token });
              const err = await c.nextOf("ERROR");
              assert.equal(err.code, "unauthorized");
              assert.equal(err.id, "t");
              assert.equal((await c.closed).code, 4001);
            }
          });

          await t.step("Origin: foreign 403, own and allowed pass", async () => {
            const foreign = await fetch(`${server.url}/ws`, {
              headers: {
                upgrade: "websocket",
                connection: "Upgrade",
                origin: "https://evil.example",
                "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
                "sec-websocket-version": "13",
              },
            });
            assert.equal(foreign.status, 403);
            await foreign.body?.cancel();
            const own = await TestClient.open(server.wsUrl, { headers: { origin: server.url } });
            await own.hello(operatorToken);
            await own.close();
          });

          await t.step("POST /api/sr answers like SR", async () => {
            const post = (body: string, token?: string) =>
              fetch(`${server.url}/api/sr`, {
                method: "POST",
                headers: {
                  "content-type": "application/json",
                  ...(token ? { authorization: `Bearer ${token}` } : {}),
                },
                body,
              });
            const id = await db.insertResponse();
            const ok = await post(JSON.stringify({ response_id: id }), moduleToken);
            assert.equal(ok.status, 200);
            const ack = await ok.json();
            assert.equal(ack.type, "ACK");
            assert.equal(typeof ack.seq, "number");
            const dup = await (await post(JSON.stringify({ response_id: id }), moduleToken)).json();
            assert.equal(dup.duplicate, true);
            const expect = async (res: Response, status: number, code: string) => {
              assert.equal(res.status, status);
              assert.equal((await res.json()).code, code);
            };
            await expect(await post(JSON.stringify({ response_id: id })), 401, "unauthorized");
            await expect(
              await post(JSON.stringify({ response_id: id }), "bad.token.x"),
              401,
              "unauthorized",
            );
            await expect(
              await post(JSON.stringify({ response_id: id }), operatorToken),
              403,
              "forbidden",
            );
            await expect(await post("{oops", moduleToken), 400, "bad_json");
            await expect(
              await post(JSON.stringify({ response_id: "x" }), moduleToken),
              400,
              "bad_frame",
            );
            await expect(
              await post(JSON.stringify({ response_id: 99999999 }), moduleToken),
              404,
              "not_found",
            );
            const decided = await db.insertResponse({ status: "rejected" });
            await expect(
              await post(JSON.stringify({ response_id: decided }), moduleToken),
              409,
              "not_pending",
            );
            const get = await fetch(`${server.url}/api/sr`);
            assert.equal(get.status, 405);
            await get.body?.cancel();
          });
        },
      ),
  );
}
