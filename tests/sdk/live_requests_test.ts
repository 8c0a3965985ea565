/**
 * Requests against the real server: one in flight across a reconnect
 * settles exactly once; errors carry their code; tokens are refused or
 * renewed; heartbeats keep an idle connection open.
 */
import assert from "node:assert/strict";
import { mintToken } from "../_support/server.ts";
import { SQLITE } from "../integration/backends.ts";
import { connect, type ReviewClient, ReviewError } from "../../web/sdk/mod.ts";
import { inState, reach, startHub } from "./_live.ts";
import { Tap } from "./_tap.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const FAST = { baseMs: 200, capMs: 1000 };

Deno.test(
  { name: "an approval whose ACK is lost with the connection settles once", ...opts },
  async () => {
    const hub = await startHub(SQLITE);
    const tap = new Tap();
    const clients: ReviewClient[] = [];
    try {
      const writer = connect(hub.server.wsUrl, { token: await mintToken("writer", "module") });
      const alice = connect(hub.server.wsUrl, {
        token: await mintToken("alice", "operator"),
        WebSocket: tap.WebSocket,
        backoff: FAST,
      });
      clients.push(writer, alice);
      const id = await hub.db.insertResponse({ response_text: "original" });
      const announced = await writer.submit(id);
      await reach(alice, announced.seq!);
      let swallowed: Record<string, unknown> | null = null;
      tap.incoming = (frame, socket) => {
        const approveId = tap.sentOf("APPROVED")[0]?.frame.id;
        if (!swallowed && frame.type === "ACK" && frame.id === approveId) {
          swallowed = frame; // the server decided, but the reply is lost with the connection
          queueMicrotask(() => socket.drop());
          return "drop";
        }
        return "deliver";
      };
      let settled = 0;
      const ack = await alice.approve(id, "edited").finally(() => settled++);
      await Promise.resolve();
      assert.equal(settled, 1);
      assert.ok(swallowed, "the first ACK was swallowed");
      const sends = tap.sentOf("APPROVED");
      assert.equal(sends.length, 2, "sent again after the resume");
      assert.deepEqual(sends[0]!.frame, sends[1]!.frame, "the same frame, same id");
      assert.notEqual(sends[0]!.socket, sends[1]!.socket);
      assert.equal(ack.duplicate, true);
      assert.equal(ack.seq, (swallowed as Record<string, unknown>).seq);
      const row = await hub.db.getResponse(id);
      assert.equal(row?.status, "approved");
      assert.equal(row?.decided_by, "alice");
      assert.equal(row?.response_text, "edited");
      const approvals = (await hub.db.events()).filter((e) => e.kind === "approved");
      assert.equal(approvals.length, 1, "one decision in the log");
    } finally {
      clients.forEach((c) => c.close());
      await hub.dispose();
    }
  },
);

Deno.test(
  { name: "a request made before the connection exists is sent once connected", ...opts },
  async () => {
    const hub = await startHub(SQLITE);
    const clients: ReviewClient[] = [];
    try {
      const id = await hub.db.insertResponse();
      const writer = connect(hub.server.wsUrl, { token: await mintToken("writer", "module") });
      clients.push(writer);
      assert.equal(writer.state, "connecting");
      const ack = await writer.submit(id);
      assert.equal(typeof ack.seq, "number");
      const again = await writer.submit(id);
      assert.equal(again.seq, ack.seq);
      assert.equal(again.duplicate, true);
    } finally {
      clients.forEach((c) => c.close());
      await hub.dispose();
    }
  },
);

Deno.test(
  { name: "ERRORs reject with their code: not_pending names the decider", ...opts },
  async () => {
    const hub = await startHub(SQLITE);
    const clients: ReviewClient[] = [];
    try {
      const writer = connect(hub.server.wsUrl, { token: await mintToken("writer", "module") });
      const alice = connect(hub.server.wsUrl, { token: await mintToken("alice", "operator") });
      const bob = connect(hub.server.wsUrl, { token: await mintToken("bob", "operator") });
      clients.push(writer, alice, bob);
      const id = await hub.db.insertResponse();
      await writer.submit(id);
      await alice.reject(id, "spam");
      await assert.rejects(bob.approve(id), (e) => {
        assert.ok(e instanceof ReviewError);
        assert.equal(e.code, "not_pending");
        assert.equal(e.fields.decided_by, "alice");
        return true;
      });
      await assert.rejects(
        alice.submit(id),
        (e) => e instanceof ReviewError && e.code === "forbidden",
      );
      await assert.rejects(
        alice.approve(999_999),
        (e) => e instanceof ReviewError && e.code === "not_found",
      );
    } finally {
      clients.forEach((c) => c.close());
      await hub.dispose();
    }
  },
);

Deno.test(
  { name: "a refused token closes the client; a token function is asked again", ...opts },
  async () => {
    const hub = await startHub(SQLITE);
    const clients: ReviewClient[] = [];
    try {
      const expired = await mintToken("alice", "operator", { ttlSeconds: -60 });
      const fixed = connect(hub.server.wsUrl, { token: expired });
      clients.push(fixed);
      await inState(fixed, "closed");
      const status = fixed.status;
      assert.ok(status.kind === "closed" && status.reason.kind === "unauthorized");

      const good = await mintToken("alice", "operator");
      let calls = 0;
      const renewing = connect(hub.server.wsUrl, {
        token: () => ++calls === 1 ? expired : good,
        backoff: FAST,
      });
      clients.push(renewing);
      await inState(renewing, "connected");
      assert.equal(calls, 2);
    } finally {
      clients.forEach((c) => c.close());
      await hub.dispose();
    }
  },
);

Deno.test(
  { name: "heartbeats keep an idle connection open past the server's timeout", ...opts },
  async () => {
    const hub = await startHub(SQLITE, {
      HEARTBEAT_INTERVAL_MS: "200",
      HEARTBEAT_TIMEOUT_MS: "600",
    });
    const tap = new Tap();
    const clients: ReviewClient[] = [];
    try {
      const alice = connect(hub.server.wsUrl, {
        token: await mintToken("alice", "operator"),
        WebSocket: tap.WebSocket,
      });
      clients.push(alice);
      await inState(alice, "connected");
      // Ten answered heartbeats span more than three server timeouts.
      await new Promise<void>((resolve) => {
        let answers = 0;
        tap.incoming = (frame) => {
          if (frame.type === "HEARTBEAT" && ++answers === 10) resolve();
          return "deliver";
        };
      });
      assert.equal(alice.state, "connected");
      assert.equal(alice.stats.connections, 1, "never reconnected");
      assert.equal(tap.sockets.length, 1);
    } finally {
      clients.forEach((c) => c.close());
      await hub.dispose();
    }
  },
);
