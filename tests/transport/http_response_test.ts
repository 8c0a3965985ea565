import assert from "node:assert/strict";
import { reasonPhrase, respondError, writeResponse } from "../../src/transport/http_response.ts";
import { trackedPair } from "./_fake_conn.ts";

Deno.test("writeResponse: status line, the Response's fields, content-length and the connection's fate", async () => {
  const { peer, conn } = trackedPair(() => 0);
  const held = conn.account.held;
  await writeResponse(
    conn,
    "GET",
    new Response("hello", { status: 404, headers: { "x-a": "1", "content-length": "99" } }),
    true,
  );
  const text = peer.text();
  assert.match(text, /^HTTP\/1\.1 404 Not Found\r\n/);
  assert.match(text, /\r\nx-a: 1\r\n/);
  assert.match(text, /content-length: 5\r\n/, "the body's own length, not the Response's field");
  assert.doesNotMatch(text, /content-length: 99/);
  assert.match(text, /connection: keep-alive\r\n\r\nhello$/);
  peer.written.length = 0;
  await writeResponse(conn, "HEAD", new Response("hello", { statusText: "Fine" }), false);
  assert.match(peer.text(), /^HTTP\/1\.1 200 Fine\r\n/, "a given status text is kept");
  assert.match(peer.text(), /content-length: 5\r\nconnection: close\r\n\r\n$/, "HEAD: no body");
  assert.equal(conn.account.held, held, "each response's charge is released once written");
  conn.close();
});

Deno.test("writeResponse: a head with a non-ASCII field value is written as UTF-8", async () => {
  const { peer, conn } = trackedPair(() => 0);
  const res = new Response("x");
  res.headers.set("x-name", "caf\u00e9"); // stored as a ByteString: one byte 0xE9
  await writeResponse(conn, "GET", res, true);
  const bytes = peer.written.flatMap((b) => [...b]);
  const at = bytes.indexOf(0xc3);
  assert.deepEqual(bytes.slice(at, at + 2), [0xc3, 0xa9], "é as UTF-8, not one byte");
  assert.match(peer.text(), /x-name: café\r\n/);
  conn.close();
});

Deno.test("writeResponse: a response over the connection's account is 503 and closes, nothing else sent", async () => {
  const { peer, conn } = trackedPair(() => 0);
  const held = conn.account.held;
  await writeResponse(conn, "GET", new Response(new Uint8Array(2 << 20)), true);
  assert.match(peer.text(), /^HTTP\/1\.1 503 Service Unavailable\r\n/);
  assert.match(peer.text(), /response over this connection's limit/);
  assert.ok(peer.text().length < 1000, "the big body was not written");
  assert.equal(conn.closed, true);
  assert.equal(conn.account.held, held, "nothing stays charged");
});

Deno.test("respondError: plain text, its length, connection: close", async () => {
  const { peer, conn } = trackedPair(() => 0);
  await respondError(conn, { status: 431, message: "head too large" });
  assert.equal(
    peer.text(),
    "HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-type: text/plain\r\n" +
      "content-length: 15\r\nconnection: close\r\n\r\nhead too large\n",
  );
  assert.equal(reasonPhrase(299), "Status", "an unknown status has a generic phrase");
  conn.close();
});
