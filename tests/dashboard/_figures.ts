/**
 * Test data: one process's published figures.
 * @module
 */
import type { NodeFigures } from "../../src/dashboard/figures.ts";

/** One process's figures, with overrides. */
export function node(over: Partial<NodeFigures> = {}): NodeFigures {
  return {
    node: "n1",
    host: "h",
    pid: 1,
    started_at: "2026-01-01T00:00:00.000Z",
    updated_at: 1_000,
    connections: { operator: 2, module: 1 },
    events_appended: 3,
    events_delivered: 5,
    event_frames_out: 10,
    resumes: { fresh: 2, resumed: 1 },
    closes: { "1000": 1 },
    heartbeat_timeouts: 1,
    sr_event: { le: [0.01, 0.1], counts: [2, 3], count: 3, sum: 0.1 },
    database: "ok",
    broker: "ok",
    log: { epoch: "e", head: 5, oldest: 1, retention_hours: 24 },
    clients: [],
    clients_total: 3,
    ...over,
  };
}
