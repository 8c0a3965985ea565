/**
 * Checks a running hub from outside, as ops/container/test.sh does with the
 * container: waits for `GET /readyz` 200, opens `/ws` as an operator (a token
 * signed with `AUTH_SECRET` from the environment), expects `WELCOME`, then
 * holds the connection until the server closes it and reports the close code
 * (1012 when the server is stopped with SIGTERM).
 *
 * Usage: `deno run --allow-net=127.0.0.1 --allow-env=AUTH_SECRET probe.ts
 *   <base-url> <started-at-epoch-ms> [timeout-ms]`
 * Prints one line per step (`ready <ms>`, `welcome <json>`, `closed <code>`)
 * and exits 0 when all three happened, 1 otherwise.
 * @module
 */
import { TokenAuthority } from "../../src/auth/jwt.ts";

/** What the probe saw. */
export type ProbeStep =
  | { readonly step: "ready"; readonly msSinceStart: number }
  | { readonly step: "welcome"; readonly frame: Record<string, unknown> }
  | { readonly step: "closed"; readonly code: number };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `/readyz` until it says 200.
 * @param base e.g. `http://127.0.0.1:8765`
 * @param deadline epoch ms after which it gives up
 * @returns true when ready before the deadline
 */
export async function waitReady(base: string, deadline: number): Promise<boolean> {
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(2000) });
      await res.body?.cancel();
      if (res.status === 200) return true;
    } catch { /* not listening yet */ }
    await sleep(50);
  }
  return false;
}

/**
 * Opens `/ws`, sends `CL` and resolves with `WELCOME`; `closed` resolves with
 * the close code whenever the server ends the connection.
 * @param wsUrl the `/ws` URL
 * @param token the client's token
 * @param timeoutMs how long to wait for `WELCOME`
 * @returns the `WELCOME` frame and the close code to come
 * @throws {Error} when the answer is not `WELCOME` in time
 */
export async function hello(
  wsUrl: string,
  token: string,
  timeoutMs: number,
): Promise<{ welcome: Record<string, unknown>; closed: Promise<number> }> {
  const ws = new WebSocket(wsUrl);
  const closed = new Promise<number>((resolve) => ws.onclose = (ev) => resolve(ev.code));
  const welcome = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no WELCOME in time")), timeoutMs);
    ws.onopen = () => ws.send(JSON.stringify({ type: "CL", id: "probe", token }));
    ws.onmessage = (ev) => {
      const frame = JSON.parse(String(ev.data));
      if (frame.id !== "probe") return;
      clearTimeout(timer);
      if (frame.type === "WELCOME") resolve(frame);
      else reject(new Error(`expected WELCOME, got ${String(ev.data)}`));
    };
    ws.onerror = () => (clearTimeout(timer), reject(new Error(`cannot open ${wsUrl}`)));
  });
  // Keep the connection alive past the heartbeat timeout while it is held.
  const beat = setInterval(() => {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: "HEARTBEAT" }));
  }, Number(welcome.heartbeat_interval_ms) || 15_000);
  closed.finally(() => clearInterval(beat));
  return { welcome, closed };
}

if (import.meta.main) {
  const [base, startedAt, timeout] = Deno.args;
  const secret = Deno.env.get("AUTH_SECRET") ?? "";
  if (!base || !startedAt || secret === "") {
    console.error("usage: AUTH_SECRET=… probe.ts <base-url> <started-at-epoch-ms> [timeout-ms]");
    Deno.exit(2);
  }
  const timeoutMs = Number(timeout ?? 60_000);
  const report = (s: ProbeStep) => {
    const { step, ...rest } = s;
    console.log(step, JSON.stringify(rest));
  };
  if (!await waitReady(base, Date.now() + timeoutMs)) {
    console.log("not ready");
    Deno.exit(1);
  }
  report({ step: "ready", msSinceStart: Date.now() - Number(startedAt) });
  const token = await new TokenAuthority(secret).sign({
    sub: "container-probe",
    role: "operator",
    exp: Math.floor(Date.now() / 1000) + 3600,
  });
  const { welcome, closed } = await hello(base.replace(/^http/, "ws") + "/ws", token, 10_000);
  report({ step: "welcome", frame: welcome });
  report({ step: "closed", code: await closed });
  Deno.exit(0);
}
