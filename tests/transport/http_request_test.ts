import assert from "node:assert/strict";
import type { RequestHead } from "../../src/transport/http_head.ts";
import {
  buildRequest,
  clientAddress,
  isValidHost,
  requestScheme,
} from "../../src/transport/http_request.ts";
import { trackedPair } from "./_fake_conn.ts";

function head(target: string, fields: Array<[string, string]> = [["host", "hub.example"]]) {
  return {
    method: "GET",
    target,
    version: "1.1",
    headers: fields,
    contentLength: 0,
    keepAlive: true,
  } as RequestHead;
}

Deno.test("buildRequest: the URL's path and query are the target as sent, every field kept in order", () => {
  const req = buildRequest(
    head("/api/history?q=a%20b", [["host", "hub.example:8080"], ["x-a", "1"], ["x-a", "2"]]),
    null,
    "https",
  )!;
  assert.equal(req.url, "https://hub.example:8080/api/history?q=a%20b");
  assert.equal(req.method, "GET");
  assert.equal(req.headers.get("x-a"), "1, 2");
  assert.equal(req.body, null);
});

Deno.test("buildRequest: a target WHATWG URL would rewrite, a fragment, two or bad Hosts are refused", () => {
  for (const target of ["/a/../b", "/a\\b", "/%2e%2e/x", "/a#frag", "/a/./b"]) {
    assert.equal(buildRequest(head(target), null, "http"), null, target);
  }
  assert.equal(buildRequest(head("/", [["host", "a"], ["host", "b"]]), null, "http"), null);
  assert.equal(buildRequest(head("/", [["host", "a/b"]]), null, "http"), null);
  assert.equal(buildRequest(head("ftp://x/"), null, "http"), null, "not http(s)");
  assert.equal(buildRequest(head("http://x/a/../b"), null, "http"), null, "absolute, rewritten");
  assert.equal(buildRequest(head("http://x/ok"), null, "http")?.url, "http://x/ok");
  assert.equal(buildRequest(head("/", []), null, "http")?.url, "http://localhost/", "no Host");
});

Deno.test("buildRequest: a body goes into the Request with its method", async () => {
  const h = { ...head("/api/x"), method: "POST", contentLength: 2 } as RequestHead;
  const req = buildRequest(h, new TextEncoder().encode("{}"), "http")!;
  assert.equal(req.method, "POST");
  assert.equal(await req.text(), "{}");
});

Deno.test("isValidHost: a name, IPv4 or bracketed IPv6, with an optional port", () => {
  // "" is a request with no Host, which stands for localhost.
  for (const ok of ["", "example.com", "10.0.0.1:80", "[::1]:8443", "a-b_c~d"]) {
    assert.ok(isValidHost(ok), ok);
  }
  for (const bad of ["a b", "a:99999", "a:", "[::1", "a/b", "user@host"]) {
    assert.ok(!isValidHost(bad), bad);
  }
});

Deno.test("clientAddress and requestScheme: a trusted proxy's forwarded fields, an untrusted peer's own", () => {
  const { conn } = trackedPair(() => 0); // the peer is 10.0.0.1
  const fwd = head("/", [
    ["x-forwarded-for", "203.0.113.9, 10.0.0.2"],
    ["x-forwarded-proto", "HTTPS"],
  ]);
  const none = new Set<string>();
  const proxies = new Set(["10.0.0.1", "10.0.0.2"]);
  assert.equal(clientAddress(conn, fwd, none), "10.0.0.1", "an untrusted peer's header is ignored");
  assert.equal(clientAddress(conn, fwd, proxies), "203.0.113.9", "right-most not a proxy");
  assert.equal(clientAddress(conn, head("/", []), proxies), "10.0.0.1", "no header: the peer");
  assert.equal(requestScheme(conn, fwd, none, "http"), "http");
  assert.equal(requestScheme(conn, fwd, proxies, "http"), "https");
  const odd = head("/", [["x-forwarded-proto", "gopher"]]);
  assert.equal(requestScheme(conn, odd, proxies, "http"), "http", "only http or https");
  conn.close();
});
