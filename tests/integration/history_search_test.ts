/**
 * `GET /api/history` v1.2 additions and the search semantics (issue 13), on
 * SQLite and on MariaDB, against a running server: `q` finds a
 * case-insensitive substring (Cyrillic included, 1–2 characters too) of
 * the reply, post text, author or (v1.2) reason, in rows other modules
 * wrote and decided directly; `from`/`to` on `decided_at` (from inclusive,
 * to exclusive); `publication` validated; an unknown parameter named.
 */
import assert from "node:assert/strict";
import { mintToken, startServer } from "../_support/server.ts";
import { BACKENDS } from "./backends.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

for (const kind of BACKENDS) {
  Deno.test(
    { name: `history v1.2 search and filters on ${kind.name}`, ignore: !kind.available, ...opts },
    async (t) => {
      const backend = await kind.create();
      const server = await startServer(backend.env);
      const db = await backend.open();
      try {
        const token = await mintToken("alice", "operator");
        const get = async (query: string) => {
          const res = await fetch(`${server.url}/api/history${query}`, {
            headers: { authorization: `Bearer ${token}` },
          });
          return { status: res.status, body: await res.json() };
        };
        const ids = async (query: string) =>
          (await get(query)).body.items.map((i: { response_id: number }) => i.response_id)
            .sort((a: number, b: number) => a - b);
        const rows: number[] = [];
        const decide = async (text: string, at: string, reason: string | null) => {
          const id = await db.insertResponse({ response_text: text, post_text: "post" });
          await db.exec(
            "UPDATE responses SET status = ?, decided_by = 'bob', decided_at = ?, reason = ? WHERE id = ?",
            [reason === null ? "approved" : "rejected", at, reason, id],
          );
          rows.push(id);
          return id;
        };
        const a = await decide("Ответ про ПОГОДУ", "2026-01-01 00:00:00.000", null);
        const b = await decide("plain reply", "2026-01-02 00:00:00.000", "Спам и РЕКЛАМА");
        const c = await decide("x-ray", "2026-01-03 00:00:00.000", 'duplicate "quoted"');
        // A row edited after it was decided: the index follows the edit.
        await db.exec("UPDATE responses SET response_text = 'edited wording' WHERE id = ?", [c]);

        await t.step(
          "q: substring, any case, Cyrillic, in reason too; 1–2 characters too",
          async () => {
            assert.deepEqual(await ids("?q=огод"), [a], "inside a word");
            assert.deepEqual(await ids("?q=реклам"), [b], "reason, other case");
            assert.deepEqual(
              await ids(`?q=${encodeURIComponent('"quoted"')}`),
              [c],
              "quotes are text",
            );
            assert.deepEqual(await ids("?q=WORDING"), [c], "the edited text");
            assert.deepEqual(await ids("?q=x-ray"), [], "the text before the edit is gone");
            assert.deepEqual(await ids("?q=%D0%BF%D0%9E"), [a], "two characters: пО");
            assert.deepEqual(await ids("?q=zq"), []);
            assert.deepEqual(await ids("?q=zzzz-nothing"), []);
          },
        );

        await t.step("from inclusive, to exclusive, on decided_at", async () => {
          assert.deepEqual(await ids("?from=2026-01-02T00:00:00Z"), [b, c]);
          assert.deepEqual(await ids("?to=2026-01-02T00:00:00Z"), [a]);
          assert.deepEqual(await ids("?from=2026-01-02&to=2026-01-03"), [b]);
        });

        await t.step("publication is validated; unknown parameters are named", async () => {
          assert.equal((await get("?publication=published")).status, 200);
          for (
            const [query, name] of [["?publication=lost", "publication"], [
              "?sort=asc",
              "sort",
            ]] as const
          ) {
            const r = await get(query);
            assert.equal(r.status, 400, query);
            assert.equal(r.body.code, "bad_frame");
            assert.match(r.body.message, new RegExp(`'${name}'`));
          }
        });
        await t.step(
          "a row that goes back to pending leaves the search, and comes back decided",
          async () => {
            await db.exec("UPDATE responses SET status = 'pending' WHERE id = ?", [b]);
            assert.deepEqual(await ids("?q=реклам"), []);
            await db.exec("UPDATE responses SET status = 'rejected' WHERE id = ?", [b]);
            assert.deepEqual(await ids("?q=реклам"), [b]);
          },
        );
      } finally {
        await server.kill();
        await db.close();
        await backend.dispose();
      }
    },
  );
}
