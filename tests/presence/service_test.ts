import assert from "node:assert/strict";
import { createClient, type WebSocketClient } from "../../src/connection/client.ts";
import { WebSocketManager } from "../../src/connection/manager.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { PresenceService } from "../../src/presence/service.ts";
import type { PresenceTransport, SharedReport } from "../../src/presence/transport.ts";
import type { Role } from "../../src/protocol/types.ts";
import { FakeClock } from "../_support/fake_clock.ts";

const logger = createLogger("error");
const STALE_MS = 3000;

/** One table shared by the "processes": rows with their writer's time, stale ones ignored. */
class MemoryTable {
  readonly rows = new Map<string, { users: string; at: number }>();
  /** Reports written whole, and heartbeats moved on alone, per process. */
  readonly writes = new Map<string, number>();
  readonly touches = new Map<string, number>();
  constructor(readonly clock: FakeClock) {}
  transport(processId: string): PresenceTransport & { dead: boolean } {
    const { rows, clock, writes, touches } = this;
    return {
      kind: "memory",
      dead: false,
      write(users) {
        if (this.dead) return Promise.resolve();
        rows.set(processId, { users, at: clock.now() });
        writes.set(processId, (writes.get(processId) ?? 0) + 1);
        return Promise.resolve();
      },
      touch() {
        const row = rows.get(processId);
        if (this.dead || row === undefined) return Promise.resolve(false);
        row.at = clock.now();
        touches.set(processId, (touches.get(processId) ?? 0) + 1);
        return Promise.resolve(true);
      },
      read(): Promise<SharedReport[]> {
        const oldest = clock.now() - STALE_MS;
        return Promise.resolve(
          [...rows].filter(([, r]) => r.at >= oldest).map(([id, r]) => ({
            processId: id,
            users: r.users,
          })),
        );
      },
      remove() {
        rows.delete(processId);
        return Promise.resolve();
      },
    };
  }
}

function fakeSocket() {
  const sent: string[] = [];
  return {
    sent,
    readyState: 1,
    bufferedAmount: 0,
    send: (t: string) => void sent.push(t),
    close: () => {},
  };
}

function process_(clock: FakeClock, table: MemoryTable, processId: string) {
  const manager = new WebSocketManager({
    clock,
    logger,
    maxBufferedBytes: 1 << 20,
    helloTimeoutMs: 10_000,
    heartbeatTimeoutMs: STALE_MS,
  });
  const transport = table.transport(processId);
  const service = new PresenceService({ manager, transport, clock, logger, processId });
  const join = (user: string, role: Role = "operator") => {
    const socket = fakeSocket();
    const client: WebSocketClient = createClient(socket, "127.0.0.1", clock.now(), {
      perSecond: 10,
      burst: 10,
    });
    manager.addClient(client);
    manager.authenticate(client, role, user);
    client.state = "live";
    service.welcome(client);
    return { client, socket, lists: () => socket.sent.map((t) => JSON.parse(t).operators) };
  };
  return { manager, transport, service, join };
}

/** Moves fake time in small steps, letting the transports' promises settle. */
async function run(clock: FakeClock, ms: number) {
  for (let t = 0; t < ms; t += 50) {
    clock.tick(50);
    for (let i = 0; i < 5; i++) await Promise.resolve();
  }
}

/** Two started processes sharing one table. */
function twoProcesses() {
  const clock = new FakeClock(1_000_000);
  const table = new MemoryTable(clock);
  const p1 = process_(clock, table, "p1");
  const p2 = process_(clock, table, "p2");
  p1.service.start();
  p2.service.start();
  return { clock, table, p1, p2 };
}

const users = (list: Array<{ user: string; connections: number }>) =>
  list.map((e) => `${e.user}×${e.connections}`).join(" ");

Deno.test("presence service: welcome list, changes from another process, coalesced, and a dead process leaving", async () => {
  const { clock, table, p1, p2 } = twoProcesses();
  await run(clock, 100);
  const alice = p1.join("alice");
  assert.deepEqual(
    alice.lists().map(users),
    ["alice×1"],
    `the welcome carries the list: ${alice.socket.sent}`,
  );
  await run(clock, 1500);
  // Bob joins process 2: Alice on process 1 hears of it within 2 s (poll 500 ms, write 100 ms).
  const joinedAt = clock.now();
  p2.join("bob");
  let seenAt = 0;
  for (let t = 0; t < 2000 && seenAt === 0; t += 50) {
    await run(clock, 50);
    if (alice.lists().some((l) => users(l) === "alice×1 bob×1")) seenAt = clock.now();
  }
  assert.ok(seenAt > 0 && seenAt - joinedAt <= 2000, `seen after ${seenAt - joinedAt} ms`);
  // A burst of changes is coalesced: at most one list per second, the last one exact.
  const before = alice.socket.sent.length;
  const start = clock.now();
  const burst = [p2.join("bob"), p2.join("carol"), p1.join("dave", "admin")];
  p1.join("writer", "module");
  await run(clock, 2500);
  const sent = alice.socket.sent.slice(before).length;
  assert.ok(sent >= 1 && sent <= Math.ceil((clock.now() - start) / 1000), `${sent} lists`);
  assert.equal(
    users(alice.lists().at(-1)),
    "alice×1 bob×2 carol×1 dave×1",
    "modules are not listed",
  );
  // Closing one of Bob's connections counts down.
  p2.manager.removeClient(burst[0]!.client.id, 1000);
  await run(clock, 2000);
  assert.equal(users(alice.lists().at(-1)), "alice×1 bob×1 carol×1 dave×1");
  // Process 2 dies (stops writing): its users leave once its report is stale.
  p2.transport.dead = true;
  await p2.service.stop().catch(() => {});
  table.rows.set("p2", table.rows.get("p2") ?? { users: "[]", at: clock.now() }); // no withdrawal: a kill
  const diedAt = clock.now();
  let goneAt = 0;
  for (let t = 0; t < STALE_MS + 5000 && goneAt === 0; t += 50) {
    await run(clock, 50);
    if (users(alice.lists().at(-1)) === "alice×1 dave×1") goneAt = clock.now();
  }
  assert.ok(goneAt > 0, "the dead process's users left");
  assert.ok(goneAt - diedAt <= STALE_MS + 5000);
  await p1.service.stop();
});

Deno.test("presence service: a storm of hellos ends with every client holding the exact list", async () => {
  const clock = new FakeClock(1_000_000);
  const table = new MemoryTable(clock);
  const p1 = process_(clock, table, "p1");
  p1.service.start();
  await run(clock, 100);
  const clients = Array.from({ length: 300 }, (_, i) => p1.join(`op${i}`));
  await run(clock, 1500);
  for (const c of clients) {
    const last = c.lists().at(-1);
    assert.equal(last.length, 100, "v1.2: at most 100 people listed");
    assert.equal(
      JSON.parse(c.socket.sent.at(-1)!).total,
      300,
      "the broadcast after the storm is exact",
    );
    assert.ok(c.socket.sent.length <= 3, `${c.socket.sent.length} lists to one client`);
  }
  // Past the first builds of the second, a newcomer's first list is the broadcast that was
  // due anyway, not a list of its own and then the broadcast: one list each, not two.
  const once = clients.filter((c) => c.socket.sent.length === 1).length;
  assert.ok(once >= 300 - 25, `${once} of 300 clients got one list`);
  await p1.service.stop();
});

Deno.test("presence service: outside a storm the welcome carries the list at once, also while a broadcast is due", async () => {
  const clock = new FakeClock(1_000_000);
  const table = new MemoryTable(clock);
  const p1 = process_(clock, table, "p1");
  p1.service.start();
  await run(clock, 100);
  const first = p1.join("alice");
  assert.equal(first.socket.sent.length, 1);
  await run(clock, 200); // a broadcast is now due (Alice's join), within the second
  const bob = p1.join("bob");
  assert.equal(bob.socket.sent.length, 1, "Bob's welcome carried the list");
  assert.equal(users(bob.lists()[0]), "alice×1 bob×1");
  await p1.service.stop();
});

Deno.test("1000 operators, one toggling every 0.6 s: each client ≤ 16 KiB of PRESENCE a second, the last state arrives", async () => {
  const clock = new FakeClock(1_000_000);
  const table = new MemoryTable(clock);
  const p1 = process_(clock, table, "p1");
  p1.service.start();
  await run(clock, 100);
  // Long names: the list of 100 would pass 16 KiB, so fewer are listed.
  const clients = Array.from(
    { length: 1000 },
    (_, i) => p1.join(`operator-${String(i).padStart(4, "0")}-${"x".repeat(200)}`),
  );
  await run(clock, 1500);
  const watched = clients.slice(0, 5);
  const mark = watched.map((c) => c.socket.sent.length);
  // The toggler: joins and leaves every 0.6 s for 15 s.
  let toggler: ReturnType<typeof p1.join> | null = null;
  for (let t = 0; t < 15_000; t += 600) {
    if (toggler === null) toggler = p1.join("toggler");
    else {
      p1.manager.removeClient(toggler.client.id, 1000);
      toggler = null;
    }
    await run(clock, 600);
  }
  await run(clock, 3000);
  for (const [k, c] of watched.entries()) {
    const frames = c.socket.sent.slice(mark[k]).map((t) => ({
      t,
      bytes: new TextEncoder().encode(t).length,
    }));
    const bytes = frames.reduce((n, f) => n + f.bytes, 0);
    assert.ok(frames.every((f) => f.bytes <= 16 * 1024), "every frame fits 16 KiB");
    assert.ok(bytes <= 16 * 1024 * 19, `${bytes} bytes in ~18 s`);
    const last = JSON.parse(c.socket.sent.at(-1)!);
    assert.equal(last.total, toggler === null ? 1000 : 1001, "the last state arrived");
    assert.ok(last.operators.length > 0 && last.operators.length <= 100);
  }
  await p1.service.stop();
});

Deno.test("when a broadcast is costly the next waits longer (at most 5 s), and the last state still arrives", async () => {
  const clock = new FakeClock(1_000_000);
  const table = new MemoryTable(clock);
  const p1 = process_(clock, table, "p1");
  p1.service.start();
  await run(clock, 100);
  // 4000 operators of 64 users: each broadcast ~4.5 KB to everyone, ~18 MB: past 8 MiB a second.
  const clients = Array.from({ length: 4000 }, (_, i) => p1.join(`user${i % 64}`));
  await run(clock, 1500);
  const watched = clients[0]!;
  const mark = watched.socket.sent.length;
  const start = clock.now();
  for (let i = 0; i < 20; i++) {
    p1.join(`user${i % 64}`);
    await run(clock, 500);
  }
  const frames = watched.socket.sent.length - mark;
  const seconds = (clock.now() - start) / 1000;
  assert.ok(frames <= seconds / 1.5, `${frames} frames in ${seconds} s: spaced out`);
  await run(clock, 6000);
  const last = JSON.parse(watched.socket.sent.at(-1)!);
  const connections = last.operators.reduce(
    (n: number, e: { connections: number }) => n + e.connections,
    0,
  );
  assert.equal(connections, 4020, "the last state arrived");
  await p1.service.stop();
});

Deno.test("presence service: an unchanged roster moves its heartbeat on alone; a change, or a pruned row, is written whole", async () => {
  const { clock, table, p1, p2 } = twoProcesses();
  for (let i = 0; i < 50; i++) p1.join(`user-${i}`);
  await run(clock, 500);
  const writesAfterJoins = table.writes.get("p1") ?? 0;
  assert.ok(writesAfterJoins >= 1);
  await run(clock, 5000);
  assert.equal(
    table.writes.get("p1"),
    writesAfterJoins,
    "nobody came or went: no report rewritten",
  );
  assert.ok((table.touches.get("p1") ?? 0) >= 4, `touched ${table.touches.get("p1")} times`);
  const bob = p2.join("bob");
  assert.match(table.rows.get("p1")!.users, /user-49/);
  // The others still see p1's people, its row alive all along.
  await run(clock, 1000);
  assert.equal(users(bob.lists().at(-1)).split(" ").length, 51);
  // A change is written whole, once, within the write-soon delay.
  p1.join("carol");
  await run(clock, 300);
  assert.equal(table.writes.get("p1"), writesAfterJoins + 1);
  assert.match(table.rows.get("p1")!.users, /carol/);
  // The row pruned (as another process does to a stale one): the next write is whole again.
  table.rows.delete("p1");
  await run(clock, 1100);
  assert.equal(table.writes.get("p1"), writesAfterJoins + 2);
  assert.match(table.rows.get("p1")!.users, /carol/);
  await p1.service.stop();
  await p2.service.stop();
});
