/**
 * Helpers shared by the store test cases: inserting rows as another module
 * would, reading the whole log, and registering a test on a fresh database.
 * @module
 */
import assert from "node:assert/strict";
import type { Store, StoredEvent } from "../../src/store/store.ts";
import { asResponseId, asSeq, type ResponseId, type Seq } from "../../src/protocol/types.ts";
import type { StoreFixture, StoreHarness } from "./_fixtures.ts";

/** A row to insert, as another module would. */
export interface NewRow {
  platform?: string;
  post_url?: string;
  post_text?: string | null;
  author?: string | null;
  response_text?: string;
  status?: string;
  created_at?: string;
  decided_by?: string | null;
}

/**
 * Inserts a `responses` row through the fixture's raw connection.
 * @returns its id
 */
export async function insertRow(fx: StoreFixture, row: NewRow = {}): Promise<ResponseId> {
  const r = await fx.exec(
    "INSERT INTO responses (platform, post_url, post_text, author, response_text, status, created_at, decided_by) " +
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    [
      row.platform ?? "vk",
      row.post_url ?? "https://vk.com/wall-1_2",
      row.post_text ?? null,
      row.author ?? null,
      row.response_text ?? "proposed reply",
      row.status ?? "pending",
      row.created_at ?? "2026-01-02 03:04:05.678",
      row.decided_by ?? null,
    ],
  );
  assert.ok(r.insertId > 0);
  return asResponseId(r.insertId);
}

/** Asserts an append result is `appended` and returns its event. */
export function appended(
  r:
    | Awaited<ReturnType<Store["decide"]>>
    | Awaited<ReturnType<Store["release"]>>
    | Awaited<ReturnType<Store["claim"]>>,
): StoredEvent {
  assert.equal(r.kind, "appended", `expected appended, got ${JSON.stringify(r)}`);
  return (r as { event: StoredEvent }).event;
}

/** Reads the whole log from the start. */
export async function readAll(store: Store): Promise<StoredEvent[]> {
  const out: StoredEvent[] = [];
  let after = asSeq(0);
  for (;;) {
    const page = await store.readSince(after, 1000);
    const last = page.at(-1);
    if (last === undefined) return out;
    out.push(...page);
    after = last.seq;
  }
}

/** Asserts seqs are exactly 1…n in order. */
export function assertContiguous(events: readonly { seq: Seq }[], from = 1): void {
  events.forEach((e, i) => assert.equal(e.seq, from + i, `seq at index ${i}`));
}

/** The context of one test: a fresh database and one initialised store on it. */
export interface Ctx {
  readonly fx: StoreFixture;
  readonly store: Store;
}

/** Registers a test that gets a fresh database and an initialised store. */
export function storeTest(h: StoreHarness, name: string, fn: (ctx: Ctx) => Promise<void>): void {
  Deno.test({
    name: `${h.name} store: ${name}`,
    ignore: h.ignore,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const fx = await h.fresh();
      try {
        const store = fx.open();
        await store.init();
        await fn({ fx, store });
      } finally {
        await fx.dispose();
      }
    },
  });
}
