/**
 * The dashboard's publication panel (v1.2): the queue's depth by state, the
 * age of the oldest approval not yet published, decision → published
 * latency, attempts, and failures by reason bucket. Values go in as text.
 * @module
 */
import type { ClusterFigures } from "../../src/dashboard/aggregate.ts";

/** The age past which the panel marks the oldest approval (the alert's threshold). */
const LATE_SECONDS = 600;

function setFigure(name: string, text: string, state?: string): void {
  for (const el of document.querySelectorAll<HTMLElement>(`[data-figure="${name}"]`)) {
    el.textContent = text;
    if (state !== undefined) el.dataset.state = state;
  }
}

/**
 * A duration for people.
 * @param s seconds, or null
 * @returns e.g. `850 ms`, `12.5 s`, `4 min 10 s`
 */
export function duration(s: number | null): string {
  if (s === null) return "–";
  if (s < 1) return `${Math.round(s * 1000)} ms`;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${Math.round(s % 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/**
 * Fills the publication panel.
 * @param f the cluster view
 */
export function renderPublication(f: ClusterFigures): void {
  const p = f.total.publication;
  if (p === undefined) return; // a server without the pipeline
  const q = p.queue;
  const depth = (q.held ?? 0) + (q.queued ?? 0) + (q.publishing ?? 0) + (q.failed ?? 0);
  setFigure("publication-depth", String(depth));
  setFigure(
    "publication-states",
    `${q.held ?? 0} held · ${q.queued ?? 0} queued · ${q.publishing ?? 0} publishing · ` +
      `${q.failed ?? 0} failed · ${q.published ?? 0} published`,
  );
  const oldest = p.oldest_unpublished_seconds;
  setFigure(
    "publication-oldest",
    oldest === 0 ? "none" : duration(oldest),
    oldest >= LATE_SECONDS ? "down" : "ok",
  );
  setFigure("publication-latency", `${duration(p.latency_p50)} · ${duration(p.latency_p99)}`);
  const a = p.attempts;
  setFigure(
    "publication-attempts",
    `${a.taken ?? 0} taken · ${a.published ?? 0} published · ${a.failed ?? 0} failed · ` +
      `${a.lapsed ?? 0} lapsed`,
  );
  const failures = Object.entries(p.failures).filter(([, n]) => n > 0)
    .sort(([, x], [, y]) => y - x).map(([reason, n]) => `${reason}: ${n}`).join(" · ");
  setFigure("publication-failures", failures || "none yet");
}
