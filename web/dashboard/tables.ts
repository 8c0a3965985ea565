/**
 * The dashboard's figures as text: the tiles (connections, processes,
 * latency, database and broker, the log), the processes table and the alive
 * clients table. Every value goes in as text (`dom.ts`), never as markup:
 * user names come from tokens and are data.
 * @module
 */
import type { ClusterFigures, NodeSummary } from "../../src/dashboard/aggregate.ts";
import type { ClientFigure } from "../../src/dashboard/figures.ts";
import { byId, h } from "../page/dom.ts";
import type { Point } from "./series.ts";

/** Names a node for people: `host:pid`. */
export function nodeName(n: Pick<NodeSummary, "host" | "pid">): string {
  return `${n.host}:${n.pid}`;
}

function setFigure(name: string, text: string, state?: string): void {
  for (const el of document.querySelectorAll<HTMLElement>(`[data-figure="${name}"]`)) {
    el.textContent = text;
    if (state !== undefined) el.dataset.state = state;
  }
}

const ms = (v: number | null) =>
  v === null ? "–" : v < 10 ? `${v.toFixed(1)} ms` : `${Math.round(v)} ms`;
const count = (n: number) => n.toLocaleString("en-US");

/**
 * Shows when a moment was, as a clock time and how long ago.
 * @param iso the moment
 * @param now the current time (ms)
 * @returns e.g. `14:03:07 (5 s ago)`
 */
export function since(iso: string, now: number): string {
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return iso;
  const s = Math.max(0, Math.round((now - at) / 1000));
  const ago = s < 60
    ? `${s} s`
    : s < 3600
    ? `${Math.floor(s / 60)} min`
    : `${Math.floor(s / 3600)} h`;
  return `${new Date(at).toISOString().slice(11, 19)} (${ago} ago)`;
}

/**
 * Fills the tiles.
 * @param f the cluster view
 * @param point the latest point (rates and windowed latency)
 */
export function renderTiles(f: ClusterFigures, point: Point): void {
  const t = f.total;
  const conns = t.connections;
  const authenticated = (conns.operator ?? 0) + (conns.admin ?? 0) + (conns.module ?? 0);
  setFigure("connections-total", count(authenticated));
  setFigure(
    "connections-roles",
    `${conns.operator ?? 0} operators · ${conns.admin ?? 0} admins · ${conns.module ?? 0} modules`,
  );
  setFigure("nodes", count(t.nodes));
  setFigure("events-rate", `${point.appendedPerSec.toFixed(1)}/s`);
  setFigure("events-total", `${count(t.events_appended)} appended since start`);
  const bare = (v: number | null) => ms(v).replace(/ ms$/, "");
  setFigure("latency", point.p99Ms === null ? "–" : `${bare(point.p50Ms)} · ${ms(point.p99Ms)}`);
  setFigure(
    "latency-total",
    `since start: p50 ${ms(t.sr_event_p50 === null ? null : t.sr_event_p50 * 1000)}, ` +
      `p99 ${ms(t.sr_event_p99 === null ? null : t.sr_event_p99 * 1000)}`,
  );
  setFigure("database", t.database, t.database);
  setFigure("broker", t.broker === "off" ? "off (no Redis)" : t.broker, t.broker);
  setFigure("log-head", count(t.log.head));
  setFigure(
    "log-retention",
    `oldest ${t.log.oldest === 0 ? "–" : count(t.log.oldest)} · kept ${t.log.retention_hours} h`,
  );
  const p = t.pending ?? null;
  setFigure("pending", p === null ? "–" : count(p.count));
  setFigure(
    "pending-age",
    p === null
      ? ""
      : `oldest ${Math.round(p.oldest_age_seconds / 60)} min · ${count(p.overdue)} overdue ` +
        `(SLA ${Math.round(p.sla_seconds / 60)} min)`,
    p !== null && p.overdue > 0 ? "down" : "ok",
  );
  setFigure("heartbeat-timeouts", count(t.heartbeat_timeouts));
  const closes = Object.entries(t.closes).sort(([a], [b]) => Number(a) - Number(b))
    .map(([code, n]) => `${code}: ${n}`).join(" · ");
  setFigure("closes", closes || "none yet");
  const r = t.resumes;
  setFigure(
    "resumes",
    `${r.resumed ?? 0} resumed · ${r.snapshot ?? 0} snapshot · ${r.fresh ?? 0} fresh`,
  );
}

/**
 * Fills the processes table.
 * @param f the cluster view
 */
export function renderNodes(f: ClusterFigures): void {
  const rows = f.nodes.map((n) =>
    h(
      "tr",
      { "data-node": n.node },
      h("td", {}, nodeName(n), n.node === f.self ? h("span", { class: "tag" }, "this") : ""),
      h("td", { class: "num" }, count(Object.values(n.connections).reduce((a, c) => a + c, 0))),
      h("td", {}, h("span", { class: "state", "data-state": n.database }, n.database)),
      h("td", {}, h("span", { class: "state", "data-state": n.broker }, n.broker)),
      h("td", { class: "num" }, count(n.log.head)),
      h("td", { class: "num" }, ms(n.sr_event_p99 === null ? null : n.sr_event_p99 * 1000)),
      h("td", {}, since(n.started_at, f.generated_at)),
      h("td", { class: "num" }, `${(n.age_ms / 1000).toFixed(1)} s`),
    )
  );
  byId("nodes-body").replaceChildren(...rows);
}

/**
 * Fills the alive clients table.
 * @param f the cluster view
 * @param names node id → the name shown
 */
export function renderClients(f: ClusterFigures, names: ReadonlyMap<string, string>): void {
  const row = (c: ClientFigure) =>
    h(
      "tr",
      { "data-client-id": c.id, "data-user": c.user ?? "" },
      h("td", {}, c.user ?? "–"),
      h("td", {}, h("span", { class: "role", "data-role": c.role ?? "" }, c.role ?? "–")),
      h("td", {}, names.get(c.node) ?? c.node),
      h("td", {}, since(c.connected_at, f.generated_at)),
      h("td", {}, since(c.last_heartbeat, f.generated_at)),
      h("td", { class: "mono" }, c.remote_address),
    );
  byId("clients-body").replaceChildren(...f.clients.map(row));
  const listed = f.clients.length;
  const total = f.total.clients_total;
  byId("clients-count").textContent = listed === total
    ? `${count(total)}`
    : `${count(listed)} of ${count(total)} listed`;
  byId("clients-empty").hidden = listed > 0;
}
