import assert from "node:assert/strict";
import { ProtocolError } from "../../src/protocol/codes.ts";
import { decodeCursor, encodeCursor, parseHistoryQuery } from "../../src/history/query.ts";
import { caseGlobs, likePattern } from "../../src/store/sql_search.ts";

const parse = (q: string) => parseHistoryQuery(new URLSearchParams(q));

function refused(q: string): ProtocolError {
  try {
    parse(q);
  } catch (e) {
    assert.ok(e instanceof ProtocolError);
    assert.equal(e.code, "bad_frame");
    return e;
  }
  throw new Error(`accepted: ${q}`);
}

Deno.test("history query: defaults, filters, and a cursor that round-trips", () => {
  assert.deepEqual(parse(""), { limit: 50 });
  assert.deepEqual(parse("status=rejected&platform=vk&by=bob&q=Погода&limit=200"), {
    status: "rejected",
    platform: "vk",
    by: "bob",
    q: "Погода",
    limit: 200,
  });
  assert.deepEqual(parse("status=&q=&limit="), { limit: 50 }, "empty means absent");
  const at = new Date("2026-02-01T10:00:00.123Z");
  const cursor = encodeCursor(at, 42);
  assert.match(cursor, /^[A-Za-z0-9_-]+$/, "URL-safe");
  assert.deepEqual(decodeCursor(cursor), { decidedAt: at, id: 42 });
  assert.deepEqual(parse(`cursor=${cursor}`).after, { decidedAt: at, id: 42 });
});

Deno.test("history query: each bad parameter is named", () => {
  for (
    const [q, name] of [
      ["limit=0", "limit"],
      ["limit=201", "limit"],
      ["limit=1.5", "limit"],
      ["limit=-1", "limit"],
      ["status=pending", "status"],
      [`by=${"x".repeat(256)}`, "by"],
      [`q=${"x".repeat(257)}`, "q"],
      ["cursor=!!", "cursor"],
      [`cursor=${btoa('["not a date",1]')}`, "cursor"],
      [`cursor=${btoa('["2026-01-01T00:00:00Z",0]')}`, "cursor"],
      ["other=1", "other"],
      ["status=approved&Status=approved", "Status"],
      ["q=a&q=b", "q"],
      ["from=yesterday", "from"],
      ["from=2026-13-01", "from"],
      ["to=2026-01-01T10:00:00+03:00", "to"],
      ["to=1767225600000", "to"],
      ["publication=lost", "publication"],
    ] as const
  ) {
    assert.match(refused(q).message, new RegExp(`'${name}'`), q);
  }
});

Deno.test("v1.2 history query: from, to (ISO-8601 UTC) and publication", () => {
  assert.deepEqual(
    parse("from=2026-01-01&to=2026-02-01T10:00:00.5Z&publication=failed"),
    {
      from: new Date("2026-01-01T00:00:00Z"),
      to: new Date("2026-02-01T10:00:00.500Z"),
      publication: "failed",
      limit: 50,
    },
  );
  assert.deepEqual(
    parse("from=2026-01-01T00:00:00%2B00:00").from,
    new Date("2026-01-01T00:00:00Z"),
  );
  for (const p of ["held", "queued", "publishing", "published", "failed"]) {
    assert.equal(parse(`publication=${p}`).publication, p);
  }
});

Deno.test("search patterns escape LIKE's wildcards and the escape character", () => {
  assert.equal(likePattern("100%"), "%100!%%");
  assert.equal(likePattern("a_b!c"), "%a!_b!!c%");
  assert.equal(likePattern("plain"), "%plain%");
});

Deno.test("short searches: one GLOB per case variant, its wildcards literal", () => {
  assert.deepEqual(caseGlobs("пО"), ["*по*", "*пО*", "*По*", "*ПО*"]);
  assert.deepEqual(caseGlobs("я*"), ["*я[*]*", "*Я[*]*"]);
  assert.deepEqual(caseGlobs("1?"), ["*1[?]*"]);
  assert.deepEqual(caseGlobs("[ß"), ["*[[]ß*"]);
});
