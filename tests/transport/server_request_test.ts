import assert from "node:assert/strict";
import { ServerRequest } from "../../src/transport/server_request.ts";

function fields(...pairs: Array<[string, string]>): Array<[string, string]> {
  return pairs;
}

Deno.test("ServerRequest: method, URL and fields as given; no body on a GET, and reading it stays unused", async () => {
  const req = new ServerRequest(
    "GET",
    "http://hub.example/healthz?x=1",
    fields(["host", "hub.example"], ["x-a", "1"], ["x-a", "2"]),
    null,
  );
  assert.equal(req.method, "GET");
  assert.equal(req.url, "http://hub.example/healthz?x=1");
  assert.deepEqual([...req.headers], [["host", "hub.example"], ["x-a", "1, 2"]]);
  assert.equal(req.headers, req.headers, "one Headers, made once");
  req.headers.set("x-b", "3");
  assert.equal(req.headers.get("x-b"), "3", "a handler's change to them stays");
  assert.equal(req.body, null);
  assert.equal(req.bodyUsed, false);
  assert.equal(await req.text(), "", "a GET's body reads as empty, as a Request's does");
});

Deno.test("ServerRequest: the body and its readers are a Request's, read once", async () => {
  const body = new TextEncoder().encode('{"a":1}');
  const req = new ServerRequest(
    "POST",
    "http://h/api/sr",
    fields(["content-type", "application/json"]),
    body,
  );
  assert.equal(req.bodyUsed, false);
  assert.ok(req.body instanceof ReadableStream);
  assert.deepEqual(await req.json(), { a: 1 });
  assert.equal(req.bodyUsed, true);
  await assert.rejects(() => req.text(), TypeError, "a body is read once");
});

Deno.test("ServerRequest: the body streams as sent, and each reader gives it in its own form", async () => {
  const bytes = new TextEncoder().encode("héllo");
  const make = () => new ServerRequest("PUT", "http://h/x", fields(), bytes);
  const chunks: number[] = [];
  for await (const chunk of make().body!) chunks.push(...chunk);
  assert.deepEqual(chunks, [...bytes]);
  assert.deepEqual(await make().bytes(), bytes);
  assert.deepEqual(new Uint8Array(await make().arrayBuffer()), bytes);
  assert.equal(await (await make().blob()).text(), "héllo");
  let streamed = "";
  for await (const text of make().textStream()) streamed += text;
  assert.equal(streamed, "héllo");
  const form = await new ServerRequest(
    "POST",
    "http://h/f",
    fields(["content-type", "application/x-www-form-urlencoded"]),
    new TextEncoder().encode("a=1&b=2"),
  ).formData();
  assert.equal(form.get("b"), "2");
});

Deno.test("ServerRequest: clone() is a genuine Request of the same method, URL, fields and body", async () => {
  const req = new ServerRequest(
    "POST",
    "http://h/api/sr?q=1",
    fields(["x-a", "1"], ["x-a", "2"]),
    new TextEncoder().encode("payload"),
  );
  req.headers.set("x-b", "set by the handler");
  const copy = req.clone();
  assert.ok(copy instanceof Request);
  assert.equal(copy.headers.get("x-b"), "set by the handler");
  assert.equal(copy.method, "POST");
  assert.equal(copy.url, "http://h/api/sr?q=1");
  assert.equal(copy.headers.get("x-a"), "1, 2");
  assert.equal(await copy.text(), "payload");
  assert.equal(await req.text(), "payload", "the clone's reading leaves the original's body");
  assert.throws(() => req.clone(), TypeError, "as a Request's: no clone of a body read");
  // A genuine Request where one is needed (fetch, new Request(req, init)).
  const get = new ServerRequest("GET", "http://h/page", fields(), null);
  assert.equal(new Request(get.clone(), { method: "HEAD" }).url, "http://h/page");
});

Deno.test("ServerRequest: the fetch-only members are those of a Request, and its signal is not aborted", () => {
  const req = new ServerRequest("GET", "http://h/", fields(), null);
  const real = new Request("http://h/");
  assert.equal(req.signal.aborted, false);
  assert.equal(req.cache, real.cache);
  assert.equal(req.credentials, real.credentials);
  assert.equal(req.destination, real.destination);
  assert.equal(req.integrity, real.integrity);
  assert.equal(req.isHistoryNavigation, real.isHistoryNavigation);
  assert.equal(req.isReloadNavigation, real.isReloadNavigation);
  assert.equal(req.keepalive, real.keepalive);
  assert.equal(req.mode, real.mode);
  assert.equal(req.redirect, real.redirect);
  assert.equal(req.referrer, real.referrer);
  assert.equal(req.referrerPolicy, real.referrerPolicy);
});
