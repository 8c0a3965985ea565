/**
 * The dashboard (`GET /dashboard`): takes the admin token from the fragment
 * (as the operator page does), polls `GET /api/dashboard` once a second while
 * the tab is visible, and redraws the charts and tables. Nothing is asked
 * of the server while the tab is hidden or closed. Bundled into
 * `web/static/dashboard.js` by `deno task bundle:dashboard`.
 * @module
 */
import type { ClusterFigures } from "../../src/dashboard/aggregate.ts";
import { byId } from "../page/dom.ts";
import { forgetToken, takeToken } from "../page/token.ts";
import { Charts } from "./charts.ts";
import { History } from "./series.ts";
import { nodeName, renderClients, renderNodes, renderTiles } from "./tables.ts";
import { renderPublication } from "./publication.ts";

const POLL_MS = 1000;
/** Five minutes of points. */
const KEEP = 300;

const env = { location, history, storage: sessionStorage };

type PageState = "connecting" | "live" | "stale" | "unauthorized" | "forbidden" | "no-token";

function setState(state: PageState, text: string): void {
  const el = byId("status");
  el.dataset.dashboardState = state;
  el.querySelector(".status-text")!.textContent = text;
  const message = byId("message");
  const problem = state === "unauthorized" || state === "forbidden" || state === "no-token";
  message.hidden = !problem;
  if (problem) message.textContent = text;
}

function start(): void {
  const token = takeToken(env);
  if (!token) {
    setState(
      "no-token",
      "No admin token. Open the dashboard link you were given, ending in #token=…",
    );
    return;
  }
  const names = new Map<string, string>();
  const charts = new Charts((node) => names.get(node) ?? node.slice(0, 12));
  const kept = new History(KEEP);
  let timer: ReturnType<typeof setTimeout> | null = null;
  let stopped = false;
  let polling = false;

  const poll = async () => {
    timer = null;
    if (stopped || polling || document.hidden) return;
    polling = true;
    try {
      const res = await fetch("/api/dashboard", {
        headers: { authorization: `Bearer ${token}` },
        cache: "no-store",
      });
      if (res.status === 401 || res.status === 403) {
        stopped = true;
        await res.body?.cancel();
        if (res.status === 401) forgetToken(env);
        setState(
          res.status === 401 ? "unauthorized" : "forbidden",
          res.status === 401
            ? "The server refused this token (expired or invalid). Open a new dashboard link."
            : "This token is not an admin's: the dashboard's figures are for admins only.",
        );
        return;
      }
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const figures = await res.json() as ClusterFigures;
      for (const n of figures.nodes) names.set(n.node, nodeName(n));
      const point = kept.add(figures);
      renderTiles(figures, point);
      renderNodes(figures);
      renderClients(figures, names);
      renderPublication(figures);
      charts.update(kept);
      setState("live", `Live · ${new Date(figures.generated_at).toISOString().slice(11, 19)} UTC`);
    } catch (e) {
      setState("stale", `Not updating: ${(e as Error).message}; retrying`);
    } finally {
      polling = false;
    }
    schedule();
  };
  const schedule = () => {
    if (!stopped && timer === null && !document.hidden) timer = setTimeout(poll, POLL_MS);
  };

  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && timer === null) void poll();
  });
  let resizing: ReturnType<typeof setTimeout> | null = null;
  addEventListener("resize", () => {
    if (resizing !== null) clearTimeout(resizing);
    resizing = setTimeout(() => charts.resize(), 100);
  });
  setState("connecting", "Connecting…");
  void poll();
}

start();
