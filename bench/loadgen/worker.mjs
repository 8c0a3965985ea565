/**
 * A load-generator process (Node). The coordinator (bench/lib/loadgen.ts)
 * drives it with one JSON command per line on stdin; each reply is one JSON
 * line on stdout: `{"id", "ok", "result" | "error"}`. Every wait is bounded.
 *
 * Node rather than Deno because the npm `ws` client can bind each connection
 * to a chosen source address (`localAddress`) in 127.0.0.0/8, which Deno's
 * WebSocket cannot; see docs/benchmarks.md for the measured client cost.
 * @module
 */
import { createInterface } from "node:readline";
import http from "node:http";
import { arrivals, Conn, hold, now, readyTimes, resetStats, stats } from "./conn.mjs";
import { DIALECTS } from "./dialects.mjs";
import { cpuModel, listenCounters, readProcTree } from "./proc.mjs";

/** Every connection of this process, idle ones first. */
const conns = [];
/** Connections by role: the trigger (module), the heartbeat probe, the deciders. */
const special = { trigger: null, probe: null, deciders: [] };
let hbPaused = false;
let hbIntervalMs = 15_000;
let tick = 0;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** One timer for every heartbeat: each tick sends to one slice of the connections. */
setInterval(() => {
  if (hbPaused) return;
  const slices = Math.max(1, Math.round(hbIntervalMs / 100));
  const slice = tick++ % slices;
  const beat = (c) => {
    if (!c || !c.ready || !c.hb) return;
    const text = c.d.heartbeat();
    if (text) c.send(text);
  };
  for (let i = slice; i < conns.length; i += slices) beat(conns[i]);
  if (slice === 0) [special.trigger, special.probe, ...special.deciders].forEach(beat);
}, 100).unref();

async function open(a) {
  const dialect = DIALECTS[a.dialect];
  const t0 = now();
  let ok = 0;
  let fail = 0;
  let next = 0;
  let inflight = 0;
  const role = a.role ?? "idle";
  const opened = [];
  await new Promise((resolveAll) => {
    if (a.count === 0) return resolveAll();
    const deadline = setTimeout(resolveAll, a.timeoutMs ?? 120_000);
    const launch = () => {
      while (inflight < (a.concurrency ?? 100) && next < a.count) {
        const i = role === "idle" ? conns.length : -1;
        const c = new Conn(i, {
          url: a.url,
          dialect,
          ip: a.ips[next % a.ips.length],
          token: a.tokens ? a.tokens[next % a.tokens.length] : undefined,
          counted: role === "idle",
          reconnect: Boolean(a.reconnect),
          hb: true,
        });
        if (role === "idle") conns.push(c);
        opened.push(c);
        inflight++;
        next++;
        c.onFirst = (success) => {
          inflight--;
          if (success) ok++;
          else fail++;
          if (ok + fail === a.count) {
            clearTimeout(deadline);
            resolveAll();
          } else launch();
        };
        c.open();
      }
    };
    launch();
  });
  if (role === "trigger") special.trigger = opened[0];
  if (role === "probe") special.probe = opened[0];
  if (role === "decider") special.deciders.push(...opened);
  return { ok, fail, ms: (now() - t0) / 1000, errors: { ...stats.errors } };
}

function readyCounted() {
  let n = 0;
  for (const c of conns) if (c.ready) n++;
  return n;
}

async function collect(a) {
  const keys = Object.keys(a.t0).map(Number);
  const expected = readyCounted() * keys.length;
  const until = Date.now() + (a.waitMs ?? 10_000);
  while (arrivals.k.length < expected && Date.now() < until) await sleep(2);
  const t0 = new Map(keys.map((k) => [k, a.t0[k]]));
  const lat = [];
  const seen = new Set();
  let dups = 0;
  let stray = 0;
  for (let j = 0; j < arrivals.k.length; j++) {
    const start = t0.get(arrivals.k[j]);
    if (start === undefined) {
      stray++;
      continue;
    }
    const id = arrivals.c[j] * 1e7 + arrivals.k[j];
    if (seen.has(id)) dups++;
    else seen.add(id);
    lat.push(arrivals.t[j] - start);
  }
  arrivals.k.length = arrivals.t.length = arrivals.c.length = 0;
  return { lat, received: lat.length, expected, dups, stray };
}

async function probe(a) {
  const c = special.probe;
  const rtts = [];
  let lost = 0;
  for (let n = 1; n <= a.count; n++) {
    const t0 = now();
    const reply = await c.request(n, c.d.probe(n), 5000);
    if (reply) rtts.push(reply.t - t0);
    else lost++;
    await sleep(a.intervalMs);
  }
  return { rtts, lost };
}

async function decide(a) {
  const queue = [...a.ids];
  const rtts = [];
  const errors = {};
  const t0 = now();
  let nextId = 1;
  const loop = async (c) => {
    while (queue.length > 0) {
      const rid = queue.shift();
      const id = nextId++;
      const sent = now();
      const frame = `{"type":"APPROVED","id":${id},"response_id":${rid}}`;
      const reply = await c.request(id, frame, 10_000);
      if (!reply) errors.timeout = (errors.timeout ?? 0) + 1;
      else if (reply.text.startsWith('{"type":"ACK"')) rtts.push(reply.t - sent);
      else {
        const code = JSON.parse(reply.text).code;
        errors[code] = (errors[code] ?? 0) + 1;
      }
    }
  };
  await Promise.all(special.deciders.filter((c) => c.ready).map(loop));
  return { rtts, errors, elapsedUs: now() - t0 };
}

/** Polls `url` with fresh connections until it answers 200; returns that time (µs). */
async function watch(a) {
  const until = Date.now() + a.timeoutMs;
  while (Date.now() < until) {
    const status = await new Promise((resolve) => {
      const req = http.get(a.url, { agent: false, timeout: 500 }, (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on("error", () => resolve(0));
      req.on("timeout", () => req.destroy());
    });
    if (status === 200) return { t: now() };
    await sleep(10);
  }
  return { t: null };
}

function status(a = {}) {
  let ready = 0;
  let minSeq = Infinity;
  let maxSeq = -1;
  for (const c of conns) {
    if (c.ready) ready++;
    if (c.lastSeq < minSeq) minSeq = c.lastSeq;
    if (c.lastSeq > maxSeq) maxSeq = c.lastSeq;
  }
  const mem = process.memoryUsage();
  return {
    conns: conns.length,
    ready,
    minSeq: conns.length ? minSeq : null,
    maxSeq: conns.length ? maxSeq : null,
    headSeq: special.trigger?.maxAckSeq ?? 0,
    stats: structuredClone(stats),
    rssMB: Math.round(mem.rss / 1048576),
    readyTimes: a.withTimes ? [...readyTimes] : undefined,
    now: now(),
  };
}

const COMMANDS = {
  open,
  collect,
  probe,
  decide,
  watch,
  status: (a) => status(a),
  proc: (a) => readProcTree(a.pid),
  cpuModel: () => ({ model: cpuModel() }),
  listen: () => listenCounters(),
  hold: (a) => {
    hold.on = Boolean(a.on);
    if (!hold.on) {
      const released = hold.held.splice(0);
      for (const c of released) {
        c.attempt = 0;
        c.scheduleReconnect();
      }
      return { released: released.length };
    }
    return {};
  },
  countBelow: (a) => ({ below: conns.filter((c) => c.lastSeq < a.seq).length }),
  heartbeat: (a) => {
    hbPaused = Boolean(a.paused);
    if (a.intervalMs) hbIntervalMs = a.intervalMs;
    return {};
  },
  trigger: (a) => {
    const c = special.trigger;
    const t0 = now();
    c.send(c.d.trigger(a.key, a.bytes));
    return { t0 };
  },
  reset: () => {
    resetStats();
    arrivals.k.length = arrivals.t.length = arrivals.c.length = 0;
    return {};
  },
  closeAll: async () => {
    for (const c of [...conns, special.trigger, special.probe, ...special.deciders]) c?.stop();
    conns.length = 0;
    special.trigger = special.probe = null;
    special.deciders = [];
    resetStats();
    await sleep(100);
    return {};
  },
  exit: () => {
    setTimeout(() => process.exit(0), 10);
    return {};
  },
};

createInterface({ input: process.stdin }).on("line", async (line) => {
  const { id, cmd, args } = JSON.parse(line);
  try {
    const result = await COMMANDS[cmd](args ?? {});
    process.stdout.write(JSON.stringify({ id, ok: true, result }) + "\n");
  } catch (e) {
    process.stdout.write(JSON.stringify({ id, ok: false, error: String(e?.stack ?? e) }) + "\n");
  }
}).on("close", () => process.exit(0));
