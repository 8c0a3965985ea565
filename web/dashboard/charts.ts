/**
 * The dashboard's live charts, drawn with uPlot from the kept points. Each
 * chart's figure carries `data-last` (its series' latest values, JSON) so a
 * test or a curious person can read what the lines show.
 * @module
 */
import uPlot from "uplot";
import type { History, Point } from "./series.ts";
import { ROLES } from "./series.ts";

/** Colours of the series, in order (chosen to stay apart for common colour blindness). */
const PALETTE = [
  "#1a56db",
  "#d97706",
  "#059669",
  "#9333ea",
  "#dc2626",
  "#0891b2",
  "#4b5563",
] as const;

interface SeriesDef {
  readonly label: string;
  readonly value: (p: Point) => number | null;
}

interface ChartDef {
  readonly key: string;
  /** The y axis' unit, shown on hover values. */
  readonly unit: string;
  readonly series: (history: History) => SeriesDef[];
}

const fixed = (defs: SeriesDef[]) => () => defs;

/** Short names of nodes for legends: `host:pid`. */
export type NodeLabel = (node: string) => string;

function chartDefs(nodeLabel: NodeLabel): ChartDef[] {
  return [
    {
      key: "roles",
      unit: "",
      series: fixed(ROLES.map((role) => ({ label: role, value: (p) => p.byRole[role] ?? 0 }))),
    },
    {
      key: "nodes",
      unit: "",
      series: (h) =>
        h.nodes().map((node) => ({ label: nodeLabel(node), value: (p) => p.byNode[node] ?? null })),
    },
    {
      key: "events",
      unit: "/s",
      series: fixed([
        { label: "appended", value: (p) => p.appendedPerSec },
        { label: "delivered (sum of processes)", value: (p) => p.deliveredPerSec },
      ]),
    },
    {
      key: "latency",
      // Quantiles of the SRs in the last ten seconds.
      unit: " ms",
      series: fixed([
        { label: "p50", value: (p) => p.p50Ms },
        { label: "p99", value: (p) => p.p99Ms },
      ]),
    },
    {
      key: "sessions",
      unit: "/s",
      series: fixed([
        { label: "resumed", value: (p) => p.resumedPerSec },
        { label: "snapshot", value: (p) => p.snapshotPerSec },
        { label: "fresh", value: (p) => p.freshPerSec },
        { label: "closes", value: (p) => p.closesPerSec },
        { label: "heartbeat timeouts", value: (p) => p.heartbeatTimeoutsPerSec },
      ]),
    },
  ];
}

const round = (v: number | null) => v === null ? null : Math.round(v * 100) / 100;

/** Every chart of the page, redrawn from the history on each poll. */
export class Charts {
  readonly #defs: ChartDef[];
  readonly #plots = new Map<string, { plot: uPlot; labels: string }>();

  /** @param nodeLabel how a node is named in legends */
  constructor(nodeLabel: NodeLabel) {
    this.#defs = chartDefs(nodeLabel);
  }

  /**
   * Redraws every chart.
   * @param history the kept points
   */
  update(history: History): void {
    const points = history.points;
    const xs = points.map((p) => p.t);
    for (const def of this.#defs) {
      const figure = document.querySelector<HTMLElement>(`[data-chart="${def.key}"]`);
      const holder = figure?.querySelector<HTMLElement>(".plot");
      if (!figure || !holder) continue;
      const series = def.series(history);
      const data = [xs, ...series.map((s) => points.map((p) => s.value(p)))] as uPlot.AlignedData;
      const labels = series.map((s) => s.label).join("\n");
      let entry = this.#plots.get(def.key);
      if (entry && entry.labels !== labels) {
        entry.plot.destroy();
        entry = undefined;
      }
      if (!entry) {
        entry = { plot: this.#make(def, series, holder, data), labels };
        this.#plots.set(def.key, entry);
      } else {
        entry.plot.setData(data);
      }
      const last = points.at(-1);
      figure.dataset.last = JSON.stringify(
        Object.fromEntries(series.map((s) => [s.label, last ? round(s.value(last)) : null])),
      );
      figure.dataset.points = String(points.length);
    }
  }

  /** Fits every chart to its box (after a resize). */
  resize(): void {
    for (const [key, { plot }] of this.#plots) {
      const holder = document.querySelector<HTMLElement>(`[data-chart="${key}"] .plot`);
      if (holder) plot.setSize(sizeOf(holder));
    }
  }

  #make(def: ChartDef, series: SeriesDef[], holder: HTMLElement, data: uPlot.AlignedData): uPlot {
    holder.replaceChildren();
    const opts: uPlot.Options = {
      ...sizeOf(holder),
      legend: { show: true, live: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.15)] } },
      axes: [
        {
          stroke: "#5a6275",
          grid: { stroke: "#e6e8ee" },
          ticks: { stroke: "#d5d9e2" },
          // Whole seconds only, so no label repeats within one second.
          incrs: [1, 2, 5, 10, 15, 30, 60, 120, 300],
          space: 70,
          values: (_u: uPlot, ticks: number[]) =>
            ticks.map((t) => new Date(t * 1000).toISOString().slice(11, 19)),
        },
        { stroke: "#5a6275", grid: { stroke: "#e6e8ee" }, ticks: { stroke: "#d5d9e2" }, size: 48 },
      ],
      series: [
        {},
        ...series.map((s, i) => ({
          label: s.label,
          stroke: PALETTE[i % PALETTE.length] ?? PALETTE[0],
          width: 2,
          // uPlot's default: points only while they are few, so a lone value (one SR) shows.
          points: { size: 5 },
          spanGaps: false,
          value: (_u: uPlot, v: number | null) => v === null ? "–" : `${round(v)}${def.unit}`,
        })),
      ],
    };
    return new uPlot(opts, data, holder);
  }
}

function sizeOf(holder: HTMLElement): { width: number; height: number } {
  return { width: Math.max(240, holder.clientWidth), height: 180 };
}
