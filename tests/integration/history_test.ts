/**
 * `GET /api/history` (v1.1) against a running server on SQLite and on
 * MariaDB: tokens (401/403), filters, case-insensitive search (Cyrillic
 * included), cursor paging newest first with ties on `decided_at`, and
 * `400 bad_frame` naming a bad parameter. Decisions made over the protocol
 * show up with the edited text.
 */
import assert from "node:assert/strict";
import { mintToken } from "../_support/server.ts";
import type { TestDb } from "../_support/db.ts";
import { BACKENDS } from "./backends.ts";
import { withTwoServers } from "./_two_servers.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

interface Decided {
  status: "approved" | "rejected";
  platform: "vk" | "telegram";
  by: string;
  at: string;
  text: string;
  post?: string;
  author?: string;
}

async function insertDecided(db: TestDb, d: Decided): Promise<number> {
  const id = await db.insertResponse({
    platform: d.platform,
    post_url: d.platform === "vk" ? "https://vk.com/wall-1_1" : "https://t.me/c/1",
    response_text: d.text,
    post_text: d.post ?? "post",
    author: d.author ?? "someone",
  });
  await db.exec(
    "UPDATE responses SET status = ?, decided_by = ?, decided_at = ?, reason = ? WHERE id = ?",
    [d.status, d.by, d.at, d.status === "rejected" ? "no" : null, id],
  );
  return id;
}

for (const kind of BACKENDS) {
  Deno.test(
    { name: `history on ${kind.name}`, ignore: !kind.available, ...opts },
    (t) =>
      withTwoServers(kind, {}, async ({ servers, db, connect }) => {
        const base = `${servers[1]!.url}/api/history`;
        const operator = await mintToken("alice", "operator");
        const get = async (query: string, token: string | null = operator) => {
          const res = await fetch(`${base}${query}`, {
            headers: token === null ? {} : { authorization: `Bearer ${token}` },
          });
          return { status: res.status, body: await res.json() };
        };
        // 12 decided rows; three share one decided_at (the keyset's tie on id).
        const ids: number[] = [];
        for (let i = 0; i < 12; i++) {
          ids.push(
            await insertDecided(db, {
              status: i % 3 === 0 ? "rejected" : "approved",
              platform: i % 2 === 0 ? "vk" : "telegram",
              by: i % 4 === 0 ? "bob" : "carol",
              at: i >= 9
                ? "2026-02-01 10:00:00.000"
                : `2026-01-01 10:00:${String(i).padStart(2, "0")}.000`,
              text: i === 4 ? "Ответ про ПОГОДУ 100%" : `reply ${i}`,
              post: i === 5 ? "A post about Weather" : "post",
              author: i === 6 ? "WeatherMan" : "someone",
            }),
          );
        }
        await db.insertResponse({ response_text: "still pending" });
        // Newest first: the three tied rows by id descending, then 8…0.
        const expected = [...ids.slice(9, 12).reverse(), ...ids.slice(0, 9).reverse()];

        await t.step("tokens: 401 without or with a bad one, 403 for a module", async () => {
          assert.equal((await get("", null)).status, 401);
          const bad = await get("", "not-a-token");
          assert.equal(bad.status, 401);
          assert.equal(bad.body.code, "unauthorized");
          const mod = await get("", await mintToken("writer", "module"));
          assert.equal(mod.status, 403);
          assert.equal(mod.body.code, "forbidden");
          assert.equal((await get("", await mintToken("root", "admin"))).status, 200);
        });

        await t.step("newest decision first, every field, paged by cursor", async () => {
          const all = await get("");
          assert.equal(all.status, 200);
          assert.deepEqual(
            all.body.items.map((i: { response_id: number }) => i.response_id),
            expected,
          );
          assert.equal(all.body.next_cursor, null);
          const first = all.body.items[0];
          assert.deepEqual(Object.keys(first).sort(), [
            "author",
            "created_at",
            "decided_at",
            "decided_by",
            "original_text", // v1.2
            "platform",
            "post_text",
            "post_url",
            "publication", // v1.2
            "reason",
            "response_id",
            "response_text",
            "status",
          ]);
          assert.equal(first.decided_at, "2026-02-01T10:00:00.000Z");
          const seen: number[] = [];
          let cursor: string | null = null;
          let pages = 0;
          do {
            const page = await get(`?limit=5${cursor ? `&cursor=${cursor}` : ""}`);
            assert.equal(page.status, 200);
            assert.ok(page.body.items.length <= 5);
            seen.push(...page.body.items.map((i: { response_id: number }) => i.response_id));
            cursor = page.body.next_cursor;
            pages++;
          } while (cursor !== null);
          assert.deepEqual(seen, expected);
          assert.equal(pages, 3);
          // A page size that splits the tie on decided_at still loses nothing.
          const two = await get("?limit=2");
          const rest = await get(`?limit=200&cursor=${two.body.next_cursor}`);
          assert.deepEqual(
            [...two.body.items, ...rest.body.items].map((i: { response_id: number }) =>
              i.response_id
            ),
            expected,
          );
        });

        await t.step("filters: status, platform, by, together", async () => {
          const ids_ = async (q: string) =>
            (await get(q)).body.items.map((i: { response_id: number }) => i.response_id);
          const rejected = expected.filter((id) => ids.indexOf(id) % 3 === 0);
          assert.deepEqual(await ids_("?status=rejected"), rejected);
          const tg = expected.filter((id) => ids.indexOf(id) % 2 === 1);
          assert.deepEqual(await ids_("?platform=telegram"), tg);
          const bob = expected.filter((id) => ids.indexOf(id) % 4 === 0);
          assert.deepEqual(await ids_("?by=bob"), bob);
          assert.deepEqual(
            await ids_("?status=approved&platform=vk&by=carol"),
            expected.filter((id) => {
              const i = ids.indexOf(id);
              return i % 3 !== 0 && i % 2 === 0 && i % 4 !== 0;
            }),
          );
          assert.deepEqual(await ids_("?by=nobody"), []);
        });

        await t.step("search: case-insensitive over reply, post text and author", async () => {
          const found = async (q: string) =>
            (await get(`?q=${encodeURIComponent(q)}`)).body.items.map((
              i: { response_id: number },
            ) => i.response_id).sort((a: number, b: number) => a - b);
          assert.deepEqual(await found("погоду"), [ids[4]], "Cyrillic, other case");
          assert.deepEqual(await found("WEATHER"), [ids[5], ids[6]], "post text and author");
          assert.deepEqual(await found("100%"), [ids[4]], "% is a character, not a wildcard");
          assert.deepEqual(await found("0%"), [ids[4]]);
          assert.deepEqual(await found("_"), [], "_ is a character too");
          assert.deepEqual(await found("still pending"), [], "pending rows are not history");
        });

        await t.step("400 bad_frame naming the bad parameter", async () => {
          for (
            const [q, name] of [
              ["?limit=0", "limit"],
              ["?limit=201", "limit"],
              ["?limit=abc", "limit"],
              ["?status=pending", "status"],
              ["?cursor=garbage", "cursor"],
              [`?q=${"x".repeat(300)}`, "q"],
            ] as const
          ) {
            const r = await get(q);
            assert.equal(r.status, 400, q);
            assert.equal(r.body.type, "ERROR");
            assert.equal(r.body.code, "bad_frame");
            assert.match(r.body.message, new RegExp(`'${name}'`), q);
          }
        });

        await t.step("a decision over the protocol shows up, with the edited text", async () => {
          const id = await db.insertResponse({ response_text: "original" });
          const op = await connect(0, "dave");
          await op.nextOf("SNAPSHOT");
          const ack = await op.request({
            type: "APPROVED",
            response_id: id,
            text: "edited by dave",
          });
          assert.equal(ack.type, "ACK");
          const top = (await get("?limit=1&by=dave")).body.items[0];
          assert.equal(top.response_id, id);
          assert.equal(top.response_text, "edited by dave");
          assert.equal(top.status, "approved");
          assert.ok(Math.abs(Date.parse(top.decided_at) - Date.now()) < 60_000);
        });
      }),
  );
}
