/**
 * The `ws_nodes` side of the conformance suite: each process's figures row,
 * replaced on every write, read by freshness, forgotten once stale.
 * @module
 */
import assert from "node:assert/strict";
import type { StoreHarness } from "./_fixtures.ts";
import { type Ctx, storeTest } from "./_helpers.ts";

/**
 * Registers the node-figures cases for one implementation.
 * @param h makes fresh databases and stores of the implementation
 */
export function registerNodeCases(h: StoreHarness): void {
  const test = (name: string, fn: (ctx: Ctx) => Promise<void>) => storeTest(h, name, fn);

  test("writeNode replaces a node's row; readNodes filters by freshness", async ({ fx, store }) => {
    const other = fx.open();
    await other.init();
    try {
      await store.writeNode({ node: "a", updatedAt: 1_000, figures: '{"v":1}' });
      await store.writeNode({ node: "a", updatedAt: 2_000, figures: '{"v":2} ✓' });
      await other.writeNode({ node: "b", updatedAt: 1_500, figures: "{}" });
      assert.deepEqual(await other.readNodes(0), [
        { node: "a", updatedAt: 2_000, figures: '{"v":2} ✓' },
        { node: "b", updatedAt: 1_500, figures: "{}" },
      ]);
      assert.deepEqual((await store.readNodes(1_600)).map((r) => r.node), ["a"]);
      assert.deepEqual(await store.readNodes(2_001), []);
    } finally {
      await other.close();
    }
  });

  test("writeNode with forgetBefore deletes the stale rows only", async ({ store }) => {
    await store.writeNode({ node: "gone", updatedAt: 10, figures: "{}" });
    await store.writeNode({ node: "alive", updatedAt: 5_000, figures: "{}" });
    await store.writeNode({ node: "me", updatedAt: 6_000, figures: "{}" }, 1_000);
    assert.deepEqual((await store.readNodes(0)).map((r) => r.node), ["alive", "me"]);
  });

  test("writeNode refuses a row the table cannot hold", async ({ store }) => {
    await assert.rejects(
      store.writeNode({ node: "", updatedAt: 1, figures: "{}" }),
      TypeError,
    );
    await assert.rejects(
      store.writeNode({ node: "x".repeat(65), updatedAt: 1, figures: "{}" }),
      TypeError,
    );
    await assert.rejects(store.writeNode({ node: "n", updatedAt: 1.5, figures: "{}" }), TypeError);
  });
}
