/**
 * What each kind of server expects on the wire, for the load generator:
 * the path, the hello, the heartbeat, the broadcast trigger, and how to read
 * the key of a delivered event. Parsing is by string search, not JSON.parse,
 * so that the client costs the same whichever server it talks to.
 * @module
 */

/** Reads the non-negative integer after `marker` in `s`, or -1. */
export function intAfter(s, marker) {
  const at = s.indexOf(marker);
  if (at < 0) return -1;
  let i = at + marker.length;
  let n = 0;
  let digits = 0;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) break;
    n = n * 10 + (c - 48);
    digits++;
  }
  return digits ? n : -1;
}

const HB_PREFIX = '{"type":"HEARTBEAT"';

/**
 * `BENCH_PEER_HELLO=1`: a peer's client is ready once the peer echoed a hello
 * (one application round trip after the handshake, as a hub client's `CL` →
 * `WELCOME`), not when the socket opens; the connect figure then compares
 * like with like.
 */
const PEER_HELLO = typeof process !== "undefined" && process.env.BENCH_PEER_HELLO === "1";
const HELLO = '{"type":"HELLO"}';

/**
 * The peers' minimal protocol: a text starting with `{"type":"BCAST"` is sent
 * verbatim to every connection, anything else is echoed to its sender.
 */
export const raw = {
  name: "raw",
  path: "/",
  /** Nothing to say first: ready when open (with `BENCH_PEER_HELLO=1`: a hello, ready at its echo). */
  hello() {
    return PEER_HELLO ? HELLO : null;
  },
  heartbeat() {
    return '{"type":"HEARTBEAT"}';
  },
  probe(id) {
    return `{"type":"HEARTBEAT","id":${id}}`;
  },
  /** A broadcast trigger of exactly `bytes` characters carrying `key`. */
  trigger(key, bytes) {
    const head = `{"type":"BCAST","k":${key},"pad":"`;
    return head + "x".repeat(Math.max(0, bytes - head.length - 2)) + '"}';
  },
  /**
   * Classifies one received text.
   * @returns {{kind: "event", key: number, seq: number} | {kind: "reply", id: number} | {kind: "ready"} | {kind: "ignored"} | {kind: "other", text: string} | {kind: "send", text: string}}
   */
  read(s) {
    if (s.startsWith(HB_PREFIX)) return { kind: "reply", id: intAfter(s, '"id":') };
    if (s === HELLO) return { kind: "ready" };
    return { kind: "event", key: intAfter(s, '"k":'), seq: -1 };
  },
};

/** Socket.IO 4 over its WebSocket transport (Engine.IO protocol 4), spoken raw. */
export const sio = {
  name: "sio",
  path: "/socket.io/?EIO=4&transport=websocket",
  hello() {
    return null;
  },
  /** Engine.IO's own ping (server `2`, client `3`) is the keepalive: nothing to send. */
  heartbeat() {
    return null;
  },
  probe(id) {
    return `42["hb",{"id":${id}}]`;
  },
  trigger(key, bytes) {
    const head = `42["b",{"type":"BCAST","k":${key},"pad":"`;
    return head + "x".repeat(Math.max(0, bytes - head.length - 3)) + '"}]';
  },
  read(s) {
    if (s === "2") return { kind: "send", text: "3" };
    if (s.startsWith('42["e"')) return { kind: "event", key: intAfter(s, '"k":'), seq: -1 };
    if (s.startsWith('42["hb"')) return { kind: "reply", id: intAfter(s, '"id":') };
    if (s.startsWith("0{")) return { kind: "send", text: "40" };
    if (s.startsWith("40")) return { kind: "ready" };
    return { kind: "other", text: s };
  },
};

/** Our protocol (PROTOCOL.md): `CL` with a token, `HEARTBEAT`, `EVENT`. */
export const hub = {
  name: "hub",
  path: "/ws",
  hello(conn) {
    const resume = conn.epoch ? { epoch: conn.epoch, last_seq: conn.lastSeq } : undefined;
    return JSON.stringify({ type: "CL", id: "hello", token: conn.token, resume });
  },
  heartbeat() {
    return '{"type":"HEARTBEAT"}';
  },
  probe(id) {
    return `{"type":"HEARTBEAT","id":${id}}`;
  },
  trigger(key) {
    return `{"type":"SR","id":${key},"response_id":${key}}`;
  },
  read(s) {
    if (s.startsWith('{"type":"EVENT"')) {
      return { kind: "event", key: intAfter(s, '"response_id":'), seq: intAfter(s, '"seq":') };
    }
    if (s.startsWith(HB_PREFIX)) return { kind: "reply", id: intAfter(s, '"id":') };
    // Who else is connected: nothing a load client acts on, so not parsed (the
    // peers send nothing like it; parsing a 100-person list per client would
    // cost the load generator, on the same cores, more than the server's send).
    if (s.startsWith('{"type":"PRESENCE"')) return { kind: "ignored" };
    return { kind: "other", text: s };
  },
};

/** The dialects by name. */
export const DIALECTS = { raw, sio, hub };
