/** `LocalBroker` against the conformance suite, and the factory's choice. */
import assert from "node:assert/strict";
import { createBroker } from "../../src/broker/factory.ts";
import { LocalBroker } from "../../src/broker/local_broker.ts";
import { silentLogger } from "../../src/logging/logger.ts";
import { brokerConformance } from "./conformance.ts";

brokerConformance({
  name: "LocalBroker",
  kind: "local",
  make: () => new LocalBroker(),
  crossProcess: false,
});

Deno.test("createBroker: no REDIS_URL gives the local broker", () => {
  const broker = createBroker({ redisUrl: "", secret: "s" }, "epoch", silentLogger);
  assert.ok(broker instanceof LocalBroker);
  assert.equal(broker.kind, "local");
});
