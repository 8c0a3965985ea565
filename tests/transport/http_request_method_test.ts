import assert from "node:assert/strict";
import type { RequestHead } from "../../src/transport/http_head.ts";
import { buildRequest, requestMethod } from "../../src/transport/http_request.ts";

// The Request handed to handlers is no longer made by `new Request` (server_request.ts):
// what `new Request` did to the method, and what it refused, is done here.

function head(method: string): RequestHead {
  return {
    method,
    target: "/x",
    version: "1.1",
    headers: [["host", "h"]],
    contentLength: 0,
    keepAlive: true,
  };
}

Deno.test("requestMethod: fetch's six methods in upper case whatever the case sent, others as sent", () => {
  for (const m of ["GET", "get", "Get", "head", "post", "put", "delete", "options"]) {
    assert.equal(requestMethod(m), m.toUpperCase(), m);
  }
  assert.equal(requestMethod("PATCH"), "PATCH");
  assert.equal(requestMethod("patch"), "patch", "PATCH is not normalised (fetch standard)");
  assert.equal(requestMethod("PROPFIND"), "PROPFIND");
});

Deno.test("requestMethod: CONNECT, TRACE and TRACK are refused in any case", () => {
  for (const m of ["CONNECT", "connect", "TRACE", "trace", "TRACK", "Track"]) {
    assert.equal(requestMethod(m), null, m);
  }
});

Deno.test("buildRequest: the method as a Request has it; forbidden methods and a GET or HEAD with a body refused", () => {
  assert.equal(buildRequest(head("get"), null, "http")?.method, "GET");
  assert.equal(buildRequest(head("PATCH"), new Uint8Array(1), "http")?.method, "PATCH");
  assert.equal(buildRequest(head("TRACE"), null, "http"), null);
  assert.equal(buildRequest(head("GET"), new Uint8Array(0), "http"), null);
  assert.equal(buildRequest(head("head"), new Uint8Array(1), "http"), null);
});

Deno.test("buildRequest: the URL is serialised as Request.url would be", () => {
  for (const target of ["/a?q=a b", "/a?é", "/%7e", "/"]) {
    const built = buildRequest(
      { ...head("GET"), target, headers: [["host", "Hub.Example:80"]] },
      null,
      "http",
    );
    assert.equal(built?.url, new Request(`http://Hub.Example:80${target}`).url, target);
  }
  const absolute = buildRequest({ ...head("GET"), target: "https://h/a" }, null, "http");
  assert.equal(absolute?.url, "https://h/a");
});
