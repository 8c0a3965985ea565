/**
 * The publication fault suite's checker: judges the log (and the fake
 * platform's posts) against PROTOCOL.md §3.4. Pure, so it is tested on
 * crafted histories (publication_checker_test.ts).
 *
 * - the log is contiguous;
 * - every approval ends `published` or `failed`;
 * - each response's pipeline events follow the state machine: an attempt
 *   is taken (`publishing`) once, only while queued for that attempt, so no
 *   attempt is held by two modules; a failure comes from the attempt held;
 * - a re-queue after a lease that passed with no report carries
 *   `maybe_applied`, and so does every later attempt;
 * - each success is recorded once (one `published` event);
 * - the platform holds at most one post per response.
 * @module
 */
import type { LogEntry } from "./history.ts";

/** One anomaly. */
export interface PublicationAnomaly {
  readonly kind: string;
  readonly message: string;
}

/** The run's figures. */
export interface PublicationSummary {
  approvals: number;
  published: number;
  failed: number;
  attempts: number;
  lapsed: number;
  maybeAppliedJobs: number;
  platformPosts: number;
  /** From the approval to its terminal event (ms). */
  terminalP50: number | null;
  terminalP99: number | null;
}

type State =
  | { kind: "held" }
  | { kind: "queued"; attempt: number }
  | { kind: "publishing"; attempt: number }
  | { kind: "failed"; attempt: number }
  | { kind: "published" };

function percentile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

/**
 * Checks a run.
 * @param log the whole log, ascending
 * @param posts the platform's posts (response ids, one per post)
 * @returns the anomalies and the figures
 */
export function checkPublication(
  log: readonly LogEntry[],
  posts: readonly number[],
): { anomalies: PublicationAnomaly[]; summary: PublicationSummary } {
  const anomalies: PublicationAnomaly[] = [];
  const bad = (kind: string, message: string) => anomalies.push({ kind, message });
  log.forEach((e, i) => {
    const first = log[0]!.seq;
    if (e.seq !== first + i) bad("gap", `seq ${e.seq} at index ${i} (from ${first})`);
  });
  const states = new Map<number, State>();
  const maybe = new Map<number, boolean>();
  const approvedAt = new Map<number, number>();
  /** From the approval to the terminal event, by response (a late success replaces a failure). */
  const terminal = new Map<number, number>();
  const publishedCount = new Map<number, number>();
  const summary: PublicationSummary = {
    approvals: 0,
    published: 0,
    failed: 0,
    attempts: 0,
    lapsed: 0,
    maybeAppliedJobs: 0,
    platformPosts: posts.length,
    terminalP50: null,
    terminalP99: null,
  };
  for (const e of log) {
    const f = JSON.parse(e.frame) as Record<string, unknown>;
    const id = e.responseId;
    const s = states.get(id);
    const where = `response ${id} seq ${e.seq} (${e.kind})`;
    switch (e.kind) {
      case "approved":
        summary.approvals++;
        states.set(id, { kind: "held" });
        maybe.set(id, false);
        approvedAt.set(id, Date.parse(String(f.at)));
        break;
      case "queued": {
        const attempt = Number(f.attempt);
        const m = f.maybe_applied === true;
        if (s?.kind === "held") {
          if (attempt !== 1) bad("order", `${where}: first attempt ${attempt}`);
        } else if (s?.kind === "publishing") {
          // The lease passed with no report.
          summary.lapsed++;
          if (attempt !== s.attempt + 1) {
            bad("order", `${where}: attempt ${attempt} after ${s.attempt}`);
          }
          if (!m) {
            bad(
              "maybe_applied",
              `${where}: re-queued after an unreported attempt without maybe_applied`,
            );
          }
        } else if (s?.kind === "failed") {
          if (attempt !== s.attempt + 1) {
            bad("order", `${where}: retry ${attempt} after ${s.attempt}`);
          }
        } else {
          bad("order", `${where}: queued from ${s?.kind ?? "nothing"}`);
        }
        if (maybe.get(id) && !m) bad("maybe_applied", `${where}: maybe_applied dropped`);
        maybe.set(id, (maybe.get(id) ?? false) || m);
        states.set(id, { kind: "queued", attempt });
        break;
      }
      case "publishing": {
        const attempt = Number(f.attempt);
        summary.attempts++;
        if (maybe.get(id)) summary.maybeAppliedJobs++;
        if (s?.kind !== "queued" || s.attempt !== attempt) {
          bad("double_take", `${where}: attempt ${attempt} taken while ${JSON.stringify(s)}`);
        }
        states.set(id, { kind: "publishing", attempt });
        break;
      }
      case "publish_failed": {
        const attempt = Number(f.attempt);
        const final = f.final === true;
        if (s?.kind !== "publishing" || s.attempt !== attempt) {
          bad("order", `${where}: failure of attempt ${attempt} while ${JSON.stringify(s)}`);
        }
        if (f.reason === "lease lapsed with no report") summary.lapsed++;
        states.set(
          id,
          final ? { kind: "failed", attempt } : { kind: "queued", attempt: attempt + 1 },
        );
        if (final) terminal.set(id, Date.parse(String(f.at)) - (approvedAt.get(id) ?? NaN));
        break;
      }
      case "published": {
        publishedCount.set(id, (publishedCount.get(id) ?? 0) + 1);
        if (s === undefined || s.kind === "held" || s.kind === "published") {
          bad("order", `${where}: published while ${JSON.stringify(s)}`);
        }
        states.set(id, { kind: "published" });
        terminal.set(id, Date.parse(String(f.at)) - (approvedAt.get(id) ?? NaN));
        break;
      }
    }
  }
  for (const [id, n] of publishedCount) {
    if (n > 1) bad("twice", `response ${id} recorded published ${n} times`);
  }
  for (const [id, s] of states) {
    if (s.kind === "published") summary.published++;
    else if (s.kind === "failed") summary.failed++;
    else bad("unfinished", `response ${id} ended ${JSON.stringify(s)}`);
  }
  const perResponse = new Map<number, number>();
  for (const id of posts) perResponse.set(id, (perResponse.get(id) ?? 0) + 1);
  for (const [id, n] of perResponse) {
    if (n > 1) bad("posted_twice", `response ${id} is on the platform ${n} times`);
  }
  const sorted = [...terminal.values()].filter(Number.isFinite).sort((a, b) => a - b);
  summary.terminalP50 = percentile(sorted, 0.5);
  summary.terminalP99 = percentile(sorted, 0.99);
  return { anomalies, summary };
}
