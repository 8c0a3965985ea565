/**
 * One load-generator connection: opens (from a chosen loopback source
 * address), says hello, tracks `seq` for resume, reconnects with the
 * protocol's full-jitter backoff, and records event arrival times.
 * @module
 */
import { WebSocket } from "./ws.mjs";

/** Close codes after which a client must not reconnect (PROTOCOL.md §4). */
const FINAL = new Set([1000, 1003, 1009, 4001]);

/** Monotonic time in µs on CLOCK_MONOTONIC, the same clock in every process. */
export const now = () => Number(process.hrtime.bigint() / 1000n);

/** Counters shared by every connection of this process. */
export const stats = {
  closes: {},
  errors: {},
  dup: 0,
  gap: 0,
  snapshots: 0,
  resumed: 0,
  welcomes: 0,
  lastReadyAt: 0,
  unhandled: 0,
  /** `PRESENCE` frames received (ours only), counted, not parsed. */
  presence: 0,
  eventBytes: 0,
};

/** Arrivals of events on counted connections: key, time (µs), connection index. */
export const arrivals = { k: [], t: [], c: [] };

/** While set, connections that close wait in `held` instead of scheduling a reconnect. */
export const hold = { on: false, held: [] };

/** Times (µs) at which connections became ready since the last reset. */
export const readyTimes = [];

/** Resets the per-phase counters. */
export function resetStats() {
  readyTimes.length = 0;
  for (
    const key of [
      "dup",
      "gap",
      "snapshots",
      "resumed",
      "welcomes",
      "lastReadyAt",
      "unhandled",
      "presence",
    ]
  ) {
    stats[key] = 0;
  }
  stats.closes = {};
  stats.errors = {};
}

/** A client connection. */
export class Conn {
  /**
   * @param {number} i index in this process
   * @param {object} o url, dialect, ip, token, counted, reconnect, hb
   */
  constructor(i, o) {
    this.i = i;
    this.url = o.url;
    this.d = o.dialect;
    this.ip = o.ip;
    this.token = o.token;
    this.counted = o.counted;
    this.reconnect = o.reconnect;
    this.hb = o.hb;
    this.ws = null;
    this.ready = false;
    this.attempt = 0;
    this.epoch = null;
    this.lastSeq = -1;
    this.maxAckSeq = 0;
    this.pending = new Map();
    this.onFirst = null;
    this.stopped = false;
    this.timer = null;
  }

  /** Opens the socket; `onFirst(ok)` is called once, on ready or on the first failure. */
  open() {
    const ws = new WebSocket(this.url + this.d.path, {
      localAddress: this.ip,
      perMessageDeflate: false,
      skipUTF8Validation: true,
      handshakeTimeout: 20_000,
    });
    this.ws = ws;
    this.ready = false;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (!this.ready && this.ws === ws) ws.terminate();
    }, 30_000);
    ws.on("open", () => {
      const hello = this.d.hello(this);
      if (hello) ws.send(hello);
      else if (this.d.name === "raw") this.markReady(false);
    });
    ws.on("message", (data) => this.onText(data.toString()));
    ws.on("error", (e) => {
      const code = e.code ?? e.message.slice(0, 40);
      stats.errors[code] = (stats.errors[code] ?? 0) + 1;
    });
    ws.on("close", (code) => this.onClose(ws, code));
  }

  /** Sends a text if the socket is open. */
  send(text) {
    if (this.ws && this.ws.readyState === 1) this.ws.send(text);
  }

  /**
   * Sends a command carrying `id` and resolves with the reply text and its time.
   * @returns {Promise<{text: string, t: number} | null>} null on timeout
   */
  request(id, text, timeoutMs) {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve(null);
      }, timeoutMs);
      this.pending.set(id, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
      this.send(text);
    });
  }

  markReady(resumed) {
    this.ready = true;
    this.attempt = 0;
    const t = now();
    stats.welcomes++;
    if (resumed) stats.resumed++;
    if (t > stats.lastReadyAt) stats.lastReadyAt = t;
    readyTimes.push(t);
    clearTimeout(this.timer);
    const first = this.onFirst;
    this.onFirst = null;
    if (first) first(true);
  }

  onText(s) {
    const t = now();
    const r = this.d.read(s);
    switch (r.kind) {
      case "event":
        stats.eventBytes = s.length;
        if (this.counted) {
          arrivals.k.push(r.key);
          arrivals.t.push(t);
          arrivals.c.push(this.i);
        }
        if (r.seq >= 0) this.trackSeq(r.seq);
        return;
      case "reply":
        return this.settle(r.id, s, t);
      case "send":
        return this.send(r.text);
      case "ready":
        return this.markReady(false);
      case "ignored":
        stats.presence++;
        return;
      default:
        return this.onOther(s, t);
    }
  }

  /** Our server's less frequent frames, parsed in full. */
  onOther(s, t) {
    let f;
    try {
      f = JSON.parse(s);
    } catch {
      stats.unhandled++;
      return;
    }
    switch (f.type) {
      case "WELCOME":
        if (!f.resumed) this.lastSeq = f.seq;
        this.epoch = f.epoch;
        this.markReady(f.resumed);
        return;
      case "SNAPSHOT":
        stats.snapshots++;
        this.lastSeq = f.seq;
        return;
      case "ACK":
      case "ERROR":
        if (typeof f.seq === "number" && f.seq > this.maxAckSeq) this.maxAckSeq = f.seq;
        if (f.type === "ERROR" && f.id === "hello") {
          // As the SDK does: a refused CL (e.g. `unavailable` while the server starts) ends
          // this connection and the client backs off; `unauthorized` is followed by 4001.
          stats.errors[`hello ${f.code}`] = (stats.errors[`hello ${f.code}`] ?? 0) + 1;
          if (f.code !== "unauthorized") this.ws.terminate();
          return;
        }
        if (f.id !== undefined) return this.settle(f.id, s, t);
        stats.errors[`ERROR ${f.code}`] = (stats.errors[`ERROR ${f.code}`] ?? 0) + 1;
        return;
      default:
        stats.unhandled++;
    }
  }

  settle(id, text, t) {
    const waiter = this.pending.get(id);
    if (!waiter) return;
    this.pending.delete(id);
    waiter({ text, t });
  }

  /** Protocol §3.3: a duplicate is dropped, a gap means reconnect with the last contiguous seq. */
  trackSeq(seq) {
    if (seq === this.lastSeq + 1 || this.lastSeq < 0) this.lastSeq = seq;
    else if (seq <= this.lastSeq) stats.dup++;
    else {
      stats.gap++;
      this.ws.terminate();
    }
  }

  onClose(ws, code) {
    if (this.ws !== ws) return;
    this.ready = false;
    stats.closes[code] = (stats.closes[code] ?? 0) + 1;
    const first = this.onFirst;
    if (first && !this.reconnect) {
      this.onFirst = null;
      first(false);
    }
    if (this.stopped || !this.reconnect || FINAL.has(code)) return;
    if (hold.on) {
      hold.held.push(this);
      return;
    }
    this.scheduleReconnect();
  }

  /** Reconnects after the protocol's full-jitter backoff for the current attempt. */
  scheduleReconnect() {
    if (this.stopped) return;
    const delay = Math.random() * Math.min(30_000, 1000 * 2 ** this.attempt);
    this.attempt++;
    this.timer = setTimeout(() => this.open(), delay);
  }

  /** Closes for good. */
  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    this.ws?.terminate();
  }
}
