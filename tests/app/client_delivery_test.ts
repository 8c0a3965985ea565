import assert from "node:assert/strict";
import { ClientDelivery } from "../../src/app/client_delivery.ts";
import { asSeq, type Seq } from "../../src/protocol/types.ts";

Deno.test("the feed's sink hands each event to the connections, then tells the observer", () => {
  const order: string[] = [];
  const delivery = new ClientDelivery(
    { deliverEvent: (seq: Seq, frame: string) => order.push(`clients ${seq} ${frame}`) },
    { delivered: (seq: number) => order.push(`observer ${seq}`) },
  );
  const sink = delivery.deliver; // handed on unbound, as the feed takes it
  sink(asSeq(7), "{}");
  sink(asSeq(8), "[]");
  assert.deepEqual(order, ["clients 7 {}", "observer 7", "clients 8 []", "observer 8"]);
});
