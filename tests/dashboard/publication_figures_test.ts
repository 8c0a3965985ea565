/** The publication figures of the cluster view: combined over processes, and checked when parsed. */
import assert from "node:assert/strict";
import { totalOf } from "../../src/dashboard/aggregate.ts";
import { parseNodeFigures } from "../../src/dashboard/figures.ts";
import { totalPublication } from "../../src/dashboard/publication_figures.ts";
import { node } from "./_figures.ts";

const latency = (counts: number[]) => ({
  le: [1, 10, 60],
  counts,
  count: counts.at(-1)!,
  sum: 5,
});

Deno.test("publication: the shared queue by max, each process's counts and latency summed", () => {
  const t = totalPublication([
    {
      queue: { queued: 3, failed: 1 },
      oldest_unpublished_seconds: 40,
      latency: latency([1, 2, 2]),
      failures: { timeout: 2 },
      attempts: { taken: 4, published: 2 },
    },
    {
      queue: { queued: 2, failed: 1, publishing: 1 },
      oldest_unpublished_seconds: 45,
      latency: latency([0, 2, 2]),
      failures: { timeout: 1, other: 1 },
      attempts: { taken: 1 },
    },
  ]);
  assert.deepEqual(t.queue, { queued: 3, failed: 1, publishing: 1 });
  assert.equal(t.oldest_unpublished_seconds, 45);
  assert.deepEqual(t.latency.counts, [1, 4, 4]);
  assert.equal(t.latency_p50, 4, "interpolated within (1, 10]");
  assert.deepEqual(t.failures, { timeout: 3, other: 1 });
  assert.deepEqual(t.attempts, { taken: 5, published: 2 });
  // Processes without the figures (an older version) count for nothing.
  assert.deepEqual(totalOf([node()]).publication.queue, {});
  assert.equal(totalOf([node()]).publication.latency_p99, null);
});

Deno.test("publication: a published record's figures are checked like the rest", () => {
  const good = {
    queue: { queued: 1 },
    oldest_unpublished_seconds: 3,
    latency: latency([0, 0, 0]),
    failures: {},
    attempts: {},
  };
  assert.ok(parseNodeFigures(JSON.stringify(node({ publication: good }))));
  assert.ok(parseNodeFigures(JSON.stringify(node())), "absent is fine");
  for (
    const bad of [
      { ...good, queue: { queued: "1" } },
      { ...good, oldest_unpublished_seconds: null },
      { ...good, latency: { le: [1], counts: [], count: 0, sum: 0 } },
      "yes",
    ]
  ) {
    assert.equal(parseNodeFigures(JSON.stringify({ ...node(), publication: bad })), null);
  }
});
