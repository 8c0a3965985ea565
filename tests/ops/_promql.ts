/**
 * Reading the ops files for tests: the PromQL expressions of the Grafana
 * dashboard and of the alert rules, the metric names an expression reads,
 * and the names a server exports (a real scrape plus what `metrics.ts`
 * registers), and where Debian's Prometheus tools are.
 * @module
 */
import { METRIC_KINDS } from "../../src/metrics/metrics.ts";
import { REQUIRE_SERVICES } from "../_support/services.ts";

/** The repository's root. */
export const ROOT = new URL("../../", import.meta.url).pathname;

/** Words of PromQL that look like names but are not metrics. */
const KEYWORDS = new Set([
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "bool",
  "and",
  "or",
  "unless",
  "offset",
  "inf",
  "nan",
]);

/**
 * The metric names a PromQL expression reads (Grafana variables allowed).
 * @param expr the expression
 * @returns the names, each once, in order of appearance
 */
export function metricNames(expr: string): string[] {
  let e = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/'(?:[^'\\]|\\.)*'/g, "''")
    .replace(/\$\{[^}]*\}|\$\w+/g, "")
    .replace(/\blabel_values\(\s*([A-Za-z_:][A-Za-z0-9_:]*)\s*(?:\{[^}]*\})?\s*,[^)]*\)/g, " $1 ")
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ");
  e = ` ${e} `;
  const out: string[] = [];
  for (const m of e.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const before = e[m.index - 1] ?? "";
    if (/[0-9.]/.test(before)) continue; // a number's exponent or a duration's unit
    if (e.slice(m.index + m[0].length).trimStart().startsWith("(")) continue; // a function
    if (KEYWORDS.has(m[0].toLowerCase())) continue;
    if (!out.includes(m[0])) out.push(m[0]);
  }
  return out;
}

/** One expression of the Grafana dashboard, with where it is. */
export interface DashboardExpr {
  readonly where: string;
  readonly expr: string;
}

/**
 * Every PromQL expression of a Grafana dashboard: panel targets (rows'
 * nested panels too) and query variables.
 * @param dashboard the parsed JSON
 * @returns the expressions
 */
export function dashboardExprs(dashboard: Record<string, unknown>): DashboardExpr[] {
  const out: DashboardExpr[] = [];
  type Panel = { title?: string; targets?: Array<{ expr?: string }>; panels?: Panel[] };
  const walk = (panels: Panel[] | undefined) => {
    for (const p of panels ?? []) {
      for (const t of p.targets ?? []) {
        if (typeof t.expr === "string") out.push({ where: `panel "${p.title}"`, expr: t.expr });
      }
      walk(p.panels);
    }
  };
  walk(dashboard.panels as Panel[]);
  const vars = (dashboard.templating as { list?: Array<Record<string, unknown>> })?.list ?? [];
  for (const v of vars) {
    if (v.type !== "query") continue;
    const q = v.query as string | { query?: string };
    const expr = typeof q === "string" ? q : q?.query;
    if (typeof expr === "string") out.push({ where: `variable ${v.name}`, expr });
  }
  return out;
}

/**
 * The `expr:` values of a Prometheus rules file (single-line or `|` blocks).
 * @param yaml the file's text
 * @returns alert name → expression
 */
export function ruleExprs(yaml: string): Map<string, string> {
  const out = new Map<string, string>();
  const lines = yaml.split("\n");
  let alert = "";
  // The patterns' groups are not optional, so a match has each of them; the
  // loops' bounds keep every index within `lines`.
  for (let i = 0; i < lines.length; i++) {
    const a = /^\s*- alert:\s*(\S+)/.exec(lines[i]!);
    if (a) alert = a[1]!;
    const m = /^(\s*)expr:\s*(.*)$/.exec(lines[i]!);
    if (!m) continue;
    const expr = m[2]!.trim();
    if (expr !== "|") {
      out.set(alert, expr);
      continue;
    }
    const indent = m[1]!.length;
    const body: string[] = [];
    while (i + 1 < lines.length) {
      const next = lines[i + 1]!;
      if (next.trim() !== "" && next.length - next.trimStart().length <= indent) break;
      body.push(next.trim());
      i++;
    }
    out.set(alert, body.join(" ").trim());
  }
  return out;
}

/**
 * The metric names in an exposition: every sample's name and every `# TYPE`
 * (a histogram as its `_bucket`, `_sum` and `_count` series).
 * @param text the `/metrics` text
 * @returns the names
 */
export function exposedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split("\n")) {
    const type = /^# TYPE (\S+) (\S+)/.exec(line);
    if (type) {
      for (const n of seriesOf(type[1]!, type[2]!)) names.add(n); // both groups are required
    } else if (line !== "" && !line.startsWith("#")) {
      names.add(/^[^{\s]+/.exec(line)![0]);
    }
  }
  return names;
}

/** The series names a metric of a kind is exported as. */
function seriesOf(name: string, kind: string): string[] {
  return kind === "histogram" ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name];
}

/** Every series name `metrics.ts` registers. */
export function registeredNames(): Set<string> {
  const names = new Set<string>();
  for (const [name, kind] of Object.entries(METRIC_KINDS)) {
    for (const n of seriesOf(name, kind)) names.add(n);
  }
  return names;
}

/**
 * Finds one of Debian's Prometheus tools.
 * @param name `prometheus` or `promtool`
 * @returns its path, or null when it is not installed and not required
 * @throws {Error} when it is missing and REQUIRE_SERVICES=1
 */
export function prometheusTool(name: "prometheus" | "promtool"): string | null {
  const path = `/usr/bin/${name}`;
  try {
    Deno.statSync(path);
    return path;
  } catch {
    if (REQUIRE_SERVICES) throw new Error(`${path} is missing (apt-get install prometheus)`);
    console.warn(`${path} is missing: its tests are ignored (REQUIRE_SERVICES=1 fails them)`);
    return null;
  }
}
