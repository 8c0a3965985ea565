// web/sdk/backoff.ts
var DEFAULT_BACKOFF = {
  baseMs: 1e3,
  capMs: 3e4
};
function backoffCeiling(attempt, opts = DEFAULT_BACKOFF) {
  const exponent = Math.min(Math.max(0, Math.floor(attempt)), 40);
  return Math.min(opts.capMs, opts.baseMs * 2 ** exponent);
}
function backoffDelay(attempt, random = Math.random, opts = DEFAULT_BACKOFF) {
  const r = Math.min(Math.max(random(), 0), 1 - Number.EPSILON);
  return Math.floor(r * backoffCeiling(attempt, opts));
}

// src/protocol/close_codes.ts
var CLOSE_CODES = {
  normal: {
    code: 1e3,
    action: "stop"
  },
  goingAway: {
    code: 1001,
    action: "resume"
  },
  // A frame that breaks RFC 6455 (the transport's codec). A proxy's 1002
  // reaches clients too, so the client resumes, as it did before the code
  // was in this table.
  protocolError: {
    code: 1002,
    action: "resume"
  },
  binaryFrame: {
    code: 1003,
    action: "fix"
  },
  notUtf8: {
    code: 1007,
    action: "fix"
  },
  policy: {
    code: 1008,
    action: "back_off"
  },
  tooBig: {
    code: 1009,
    action: "fix"
  },
  internal: {
    code: 1011,
    action: "back_off"
  },
  restarting: {
    code: 1012,
    action: "resume"
  },
  badToken: {
    code: 4001,
    action: "refresh_token"
  },
  helloTimeout: {
    code: 4002,
    action: "back_off"
  },
  heartbeatTimeout: {
    code: 4008,
    action: "resume"
  },
  slowConsumer: {
    code: 4009,
    action: "resume"
  },
  rateLimited: {
    code: 4029,
    action: "back_off"
  }
};
var ACTIONS = new Map(Object.values(CLOSE_CODES).map(({ code, action }) => [
  code,
  action
]));
function closeAction(code) {
  return ACTIONS.get(code) ?? "resume";
}
var REVOKED_REASON = "your access was revoked";

// web/sdk/close_policy.ts
var CLIENT_ABANDON_CODE = 4e3;
function nextAttempt(previous, action, welcomed) {
  return welcomed && action === "resume" ? 0 : previous;
}
function isRevocation(code, reason) {
  return code === 4001 && reason === REVOKED_REASON;
}

// web/sdk/errors.ts
var ReviewError = class extends Error {
  /** The protocol `ERROR.code`, or `timeout` / `closed`. */
  code;
  /** Whether trying again may succeed. */
  retryable;
  /** Extra fields of the `ERROR` frame (e.g. `status`, `decided_by` for `not_pending`). */
  fields;
  /**
   * Creates the error of one failed request.
   * @param code the error code
   * @param message a message for people
   * @param retryable whether trying again may succeed
   * @param fields extra fields of the frame
   */
  constructor(code, message, retryable, fields = {}) {
    super(message);
    this.name = "ReviewError";
    this.code = code;
    this.retryable = retryable;
    this.fields = fields;
  }
};
var ClaimedError = class extends ReviewError {
  /** Who holds the claim. */
  claimedBy;
  /** When it lapses unless renewed (ISO-8601 UTC). */
  claimUntil;
  /**
   * Creates the error of a command refused because another user holds the claim.
   * @param message a message for people
   * @param fields the frame's extra fields (`claimed_by`, `claim_until`)
   */
  constructor(message, fields) {
    super("claimed", message, false, fields);
    this.name = "ClaimedError";
    this.claimedBy = String(fields.claimed_by ?? "");
    this.claimUntil = String(fields.claim_until ?? "");
  }
};
var TooManyClaimsError = class extends ReviewError {
  /** The most live claims one user may hold (the server's `CLAIM_MAX_PER_USER`), when sent. */
  limit;
  /**
   * Creates the error of a `CLAIM` refused because the user holds too many.
   * @param message a message for people
   * @param fields the frame's extra fields (`limit`)
   */
  constructor(message, fields) {
    super("too_many_claims", message, false, fields);
    this.name = "TooManyClaimsError";
    this.limit = typeof fields.limit === "number" ? fields.limit : null;
  }
};
var NotPendingError = class extends ReviewError {
  /** Its status now (`approved`, `rejected`, …). */
  status;
  /** Who decided it, when known. */
  decidedBy;
  /**
   * Creates the error of a command on a response that is already decided.
   * @param message a message for people
   * @param fields the frame's extra fields (`status`, `decided_by`)
   */
  constructor(message, fields) {
    super("not_pending", message, false, fields);
    this.name = "NotPendingError";
    this.status = String(fields.status ?? "");
    this.decidedBy = typeof fields.decided_by === "string" ? fields.decided_by : null;
  }
};
var TooLateError = class extends ReviewError {
  /** When the window closed (ISO-8601 UTC), when the server said. */
  undoUntil;
  /**
   * Creates the error of an undo that came too late.
   * @param message a message for people
   * @param fields the frame's extra fields (`undo_until`)
   */
  constructor(message, fields) {
    super("too_late", message, false, fields);
    this.name = "TooLateError";
    this.undoUntil = typeof fields.undo_until === "string" ? fields.undo_until : null;
  }
};
var BadStateError = class extends ReviewError {
  /** The state (`pending`, `held`, `queued`, `publishing`, `published`, `failed`, `rejected`). */
  state;
  /**
   * Creates the error of a command refused for the response's state.
   * @param message a message for people
   * @param fields the frame's extra fields (`state`)
   */
  constructor(message, fields) {
    super("bad_state", message, false, fields);
    this.name = "BadStateError";
    this.state = String(fields.state ?? "");
  }
};
function errorFromFrame(frame) {
  const { type: _t, id: _i, code, message, retryable, ...fields } = frame;
  const text = typeof message === "string" ? message : String(code);
  if (code === "claimed") return new ClaimedError(text, fields);
  if (code === "not_pending") return new NotPendingError(text, fields);
  if (code === "too_many_claims") return new TooManyClaimsError(text, fields);
  if (code === "too_late") return new TooLateError(text, fields);
  if (code === "bad_state") return new BadStateError(text, fields);
  return new ReviewError(String(code), text, retryable === true, fields);
}

// web/sdk/connection.ts
var HELLO_ID = "hello";
function helloText(token, position) {
  const resume = position ? {
    resume: {
      epoch: position.epoch,
      last_seq: position.seq
    }
  } : {};
  return JSON.stringify({
    type: "CL",
    id: HELLO_ID,
    token,
    ...resume
  });
}
function parseFrame(data, parsed) {
  let frame;
  if (typeof parsed === "object" && parsed !== null) frame = parsed;
  else if (typeof data !== "string") return;
  else {
    try {
      frame = JSON.parse(data);
    } catch {
      return;
    }
  }
  return frame;
}
function trySend(conn, text) {
  try {
    conn.ws.send(text);
  } catch {
  }
}
function detach(conn, timers) {
  conn.ws.onopen = conn.ws.onmessage = conn.ws.onclose = conn.ws.onerror = null;
  if (conn.heartbeat !== null) timers.clearInterval(conn.heartbeat);
  if (conn.watchdog !== null) timers.clearTimeout(conn.watchdog);
  conn.heartbeat = conn.watchdog = null;
}

// web/sdk/socket.ts
var OPEN = 1;
function resolveWebSocket(given) {
  if (given) return given;
  const global = globalThis.WebSocket;
  if (typeof global !== "function") {
    throw new TypeError("no WebSocket here: pass one in the WebSocket option");
  }
  return global;
}

// web/sdk/connector.ts
var Connector = class {
  #url;
  #token;
  #WebSocket;
  #timers;
  #random;
  #backoff;
  #connectTimeoutMs;
  #maxTokenRefusals;
  #emitter;
  #machine;
  #requests;
  #feed;
  #conn = null;
  #welcome = null;
  #attempt = 0;
  #tokenRefusals = 0;
  #retryTimer = null;
  #generation = 0;
  /** Server time minus local time, from the last `HEARTBEAT.ts` (ms). */
  #clockOffset = 0;
  #presence = null;
  /**
   * Opens nothing yet: `open()` starts.
   * @param url the WebSocket endpoint, e.g. `ws://127.0.0.1:8765/ws`
   * @param options the token, the WebSocket constructor, the backoff and the timeouts
   * @param parts the client's parts it feeds and reports to
   * @throws {TypeError} when there is no global `WebSocket` and none was passed
   */
  constructor(url, options, parts) {
    this.#url = url;
    this.#token = options.token;
    this.#WebSocket = resolveWebSocket(options.WebSocket);
    this.#timers = parts.timers;
    this.#random = options.random ?? Math.random;
    this.#backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 1e4;
    this.#maxTokenRefusals = options.maxTokenRefusals ?? 3;
    this.#emitter = parts.emitter;
    this.#machine = parts.machine;
    this.#feed = parts.feed;
    this.#requests = parts.requests;
  }
  /** The last `WELCOME` received, or null before the first. */
  get welcome() {
    return this.#welcome;
  }
  /** The last `PRESENCE` received, or null before the first. */
  get presence() {
    return this.#presence;
  }
  /**
   * The server's clock: local time corrected by the offset seen in the last `HEARTBEAT`.
   * @returns ms since the epoch
   */
  serverNow() {
    return this.#timers.now() + this.#clockOffset;
  }
  get #state() {
    return this.#machine.current.kind;
  }
  /**
   * The sender of the current connection, once it is welcomed.
   * @returns the sender, or null while no connection is welcomed
   */
  sender() {
    const conn = this.#conn;
    if (!conn?.welcome) return null;
    return (text) => {
      if (conn.ws.readyState !== OPEN) throw new Error("socket not open");
      conn.ws.send(text);
    };
  }
  /** Closes the connection for good, and the client with it (`closed` by the client). */
  close() {
    const conn = this.#conn;
    this.#finish({
      kind: "client"
    });
    if (conn) {
      detach(conn, this.#timers);
      try {
        conn.ws.close(1e3, "client closed");
      } catch {
      }
    }
  }
  async #resolveToken() {
    return typeof this.#token === "function" ? await this.#token() : this.#token;
  }
  /**
   * Opens a connection (the first, and each one after a backoff): takes a
   * token, then says hello with the position to resume from.
   */
  async open() {
    const generation = ++this.#generation;
    let token;
    try {
      token = await this.#resolveToken();
    } catch (error) {
      if (generation === this.#generation && this.#state !== "closed") {
        this.#schedule({
          code: CLIENT_ABANDON_CODE,
          reason: `token: ${error}`
        }, "back_off", false);
      }
      return;
    }
    if (generation !== this.#generation || this.#state === "closed") return;
    let ws;
    try {
      ws = new this.#WebSocket(this.#url);
    } catch (error) {
      this.#schedule({
        code: 1006,
        reason: `cannot open: ${error}`
      }, "back_off", false);
      return;
    }
    const conn = {
      ws,
      welcome: null,
      heartbeat: null,
      watchdog: null
    };
    this.#conn = conn;
    this.#arm(conn, this.#connectTimeoutMs, "no WELCOME in time");
    ws.onopen = () => trySend(conn, helloText(token, this.#feed.position));
    ws.onmessage = (ev) => {
      if (this.#conn === conn) this.#onMessage(conn, ev.data, ev.frame);
    };
    ws.onclose = (ev) => {
      if (this.#conn !== conn) return;
      this.#ended(conn, {
        code: ev.code,
        reason: ev.reason
      }, closeAction(ev.code));
    };
    ws.onerror = () => {
    };
  }
  /** Restarts the watchdog: without a frame within `ms`, the connection is given up. */
  #arm(conn, ms, why) {
    if (conn.watchdog !== null) this.#timers.clearTimeout(conn.watchdog);
    conn.watchdog = this.#timers.setTimeout(() => this.#abandon(conn, why), ms);
  }
  #onMessage(conn, data, parsed) {
    const frame = parseFrame(data, parsed);
    if (frame === void 0) return;
    if (conn.welcome) {
      this.#arm(conn, conn.welcome.heartbeat_timeout_ms, "the server went silent");
    }
    switch (frame.type) {
      case "WELCOME":
        return this.#onWelcome(conn, frame);
      case "SNAPSHOT":
        if (!conn.welcome) return;
        return this.#obey(conn, this.#feed.snapshot(frame));
      case "EVENT":
        if (!conn.welcome) return;
        return this.#obey(conn, this.#feed.event(frame));
      case "ACK":
        this.#requests.settle(frame.id, frame);
        return;
      case "ERROR":
        return this.#onError(conn, frame);
      case "HEARTBEAT":
        if (typeof frame.ts === "number") this.#clockOffset = frame.ts - this.#timers.now();
        return;
      case "PRESENCE":
        if (!conn.welcome) return;
        this.#presence = frame;
        return this.#emitter.emit("presence", this.#presence);
      default:
        return;
    }
  }
  #onWelcome(conn, welcome) {
    const verdict = this.#feed.welcome(welcome);
    if (verdict.kind === "abandon") return this.#obey(conn, verdict);
    conn.welcome = welcome;
    this.#welcome = welcome;
    this.#tokenRefusals = 0;
    this.#arm(conn, welcome.heartbeat_timeout_ms, "the server went silent");
    conn.heartbeat = this.#timers.setInterval(() => trySend(conn, JSON.stringify({
      type: "HEARTBEAT"
    })), welcome.heartbeat_interval_ms);
    this.#machine.transition({
      kind: "connected",
      clientId: welcome.client_id,
      user: welcome.user,
      role: welcome.role
    });
    const send = this.sender();
    if (send) this.#requests.flush(send);
    this.#feed.checkSynced();
  }
  #obey(conn, verdict) {
    switch (verdict.kind) {
      case "ok":
        return;
      case "abandon":
        return this.#abandon(conn, verdict.why);
      default: {
        const unknown = verdict;
        return void unknown;
      }
    }
  }
  #onError(conn, frame) {
    if (frame.id === HELLO_ID) {
      const error = errorFromFrame(frame);
      if (error.code === "unauthorized") return;
      return this.#ended(conn, {
        code: CLIENT_ABANDON_CODE,
        reason: error.message
      }, "back_off");
    }
    if (!this.#requests.settle(frame.id, frame)) this.#emitter.emit("error", errorFromFrame(frame));
  }
  /** Gives up on a connection the client no longer trusts, without waiting for its close. */
  #abandon(conn, why) {
    if (this.#conn !== conn) return;
    this.#ended(conn, {
      code: CLIENT_ABANDON_CODE,
      reason: why
    }, "resume");
  }
  #ended(conn, info, action) {
    if (this.#conn !== conn) return;
    this.#conn = null;
    detach(conn, this.#timers);
    try {
      conn.ws.close(CLIENT_ABANDON_CODE, "client moved on");
    } catch {
    }
    this.#requests.disconnected();
    if (this.#state === "closed") return;
    const welcomed = conn.welcome !== null;
    switch (action) {
      case "stop":
        return this.#finish({
          kind: "server",
          code: info.code,
          reason: info.reason
        });
      case "fix":
        return this.#finish({
          kind: "protocol",
          code: info.code,
          reason: info.reason
        });
      case "refresh_token":
        if (isRevocation(info.code, info.reason)) {
          return this.#finish({
            kind: "unauthorized",
            message: info.reason,
            revoked: true
          });
        }
        this.#tokenRefusals++;
        if (typeof this.#token !== "function" || this.#tokenRefusals >= this.#maxTokenRefusals) {
          return this.#finish({
            kind: "unauthorized",
            message: info.reason || "token refused"
          });
        }
        return this.#schedule(info, action, welcomed);
      case "back_off":
      case "resume":
        return this.#schedule(info, action, welcomed);
      default: {
        const unknown = action;
        return void unknown;
      }
    }
  }
  #schedule(info, action, welcomed) {
    const attempt = nextAttempt(this.#attempt, action, welcomed);
    const delay = backoffDelay(attempt, this.#random, this.#backoff);
    this.#attempt = attempt + 1;
    const retry = {
      kind: "reconnecting",
      attempt,
      lastClose: info
    };
    this.#machine.transition({
      ...retry,
      retryAt: this.#timers.now() + delay
    });
    this.#retryTimer = this.#timers.setTimeout(() => {
      this.#retryTimer = null;
      if (!this.#machine.transition({
        ...retry,
        retryAt: null
      })) return;
      void this.open();
    }, delay);
  }
  #finish(reason) {
    if (this.#retryTimer !== null) this.#timers.clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    this.#generation++;
    if (!this.#machine.transition({
      kind: "closed",
      reason
    })) return;
    this.#requests.failAll(new ReviewError("closed", "the client is closed", false));
    this.#emitter.end();
  }
};

// web/sdk/emitter.ts
var Emitter = class {
  #listeners = /* @__PURE__ */ new Map();
  #queues = /* @__PURE__ */ new Set();
  #ended = false;
  /**
   * Calls `fn` for each event of this kind.
   * @param kind the event's name
   * @param fn the callback
   * @returns a function that removes the callback
   */
  on(kind, fn) {
    let set = this.#listeners.get(kind);
    if (!set) this.#listeners.set(kind, set = /* @__PURE__ */ new Set());
    set.add(fn);
    return () => set.delete(fn);
  }
  /**
   * Resolves with the next event of this kind that satisfies `predicate`.
   * @param kind the event's name
   * @param predicate optional filter
   * @returns the event's data
   */
  once(kind, predicate = () => true) {
    return new Promise((resolve) => {
      const off = this.on(kind, (data) => {
        if (!predicate(data)) return;
        off();
        resolve(data);
      });
    });
  }
  /**
   * Delivers an event to every callback and iterator. A callback that throws
   * is reported and does not stop the others.
   * @param kind the event's name
   * @param data the event's data
   */
  emit(kind, data) {
    for (const fn of [
      ...this.#listeners.get(kind) ?? []
    ]) {
      try {
        fn(data);
      } catch (error) {
        console.error(`review client: a '${String(kind)}' listener threw`, error);
      }
    }
    for (const q of this.#queues) {
      q.items.push({
        kind,
        data
      });
      q.wake?.();
    }
  }
  /**
   * An async iterator over every event from now on; it ends after `end()`.
   * @returns the iterator
   */
  iterate() {
    const q = {
      items: [],
      wake: null
    };
    this.#queues.add(q);
    const queues = this.#queues;
    const ended = () => this.#ended;
    const iterator = {
      async next() {
        while (q.items.length === 0) {
          if (ended() || !queues.has(q)) return {
            done: true,
            value: void 0
          };
          await new Promise((resolve) => q.wake = resolve);
          q.wake = null;
        }
        return {
          done: false,
          value: q.items.shift()
        };
      },
      return() {
        queues.delete(q);
        q.wake?.();
        return Promise.resolve({
          done: true,
          value: void 0
        });
      },
      [Symbol.asyncIterator]() {
        return iterator;
      }
    };
    return iterator;
  }
  /** Ends every iterator once it has yielded what is queued; callbacks stay. */
  end() {
    this.#ended = true;
    for (const q of this.#queues) q.wake?.();
  }
};

// src/protocol/claim_lapse.ts
function claimHolds(untilMs, now) {
  return now < untilMs;
}

// web/sdk/sequencer.ts
function judgeSeq(last, seq) {
  if (seq <= last) return "duplicate";
  if (seq === last + 1) return "apply";
  return "gap";
}

// web/sdk/pending_feed.ts
var OK = {
  kind: "ok"
};
var unclaimed = (card) => ({
  response_id: card.response_id,
  platform: card.platform,
  post_url: card.post_url,
  html: card.html,
  claimed_by: null,
  claim_until: null
});
var Feed = class {
  #emitter;
  #cards = /* @__PURE__ */ new Map();
  #stats = {
    connections: 0,
    resumes: 0,
    snapshots: 0,
    duplicatesDropped: 0,
    gaps: 0
  };
  #position;
  /** This connection was not resumed: events wait for its `SNAPSHOT`. */
  #awaitingSnapshot = false;
  #buffered = [];
  /** The `seq` to reach before `synced` (the head when the connection began). */
  #syncTarget = null;
  #epoch = "";
  /**
   * @param emitter where applied changes are reported
   * @param start a saved position to resume from, or null
   */
  constructor(emitter, start2) {
    this.#emitter = emitter;
    this.#position = start2;
  }
  /** The last contiguous position applied. */
  get position() {
    return this.#position;
  }
  /** The pending cards by response id, oldest first, with their claims. */
  get cards() {
    return this.#cards;
  }
  /** A copy of the counters. */
  get stats() {
    return {
      ...this.#stats
    };
  }
  /**
   * A new connection was welcomed.
   * @param welcome the frame
   * @returns `abandon` when the server claims to resume a log the client does not know
   */
  welcome(welcome) {
    this.#buffered = [];
    if (welcome.resumed && this.#position?.epoch !== welcome.epoch) {
      this.#position = null;
      return {
        kind: "abandon",
        why: "resumed an unknown log"
      };
    }
    this.#epoch = welcome.epoch;
    this.#stats.connections++;
    this.#awaitingSnapshot = !welcome.resumed;
    this.#syncTarget = welcome.resumed ? welcome.seq : null;
    if (welcome.resumed) this.#stats.resumes++;
    return OK;
  }
  /**
   * Replaces the pending list and the position, then applies events that came early.
   * @param snapshot the frame
   * @returns the verdict of the buffered events
   */
  snapshot(snapshot) {
    this.#cards.clear();
    for (const item of snapshot.items) {
      this.#cards.set(item.response_id, {
        ...item,
        claimed_by: item.claimed_by ?? null,
        claim_until: item.claim_until ?? null
      });
    }
    this.#position = {
      epoch: this.#epoch,
      seq: snapshot.seq
    };
    this.#awaitingSnapshot = false;
    this.#syncTarget = snapshot.seq;
    this.#stats.snapshots++;
    this.#emitter.emit("snapshot", snapshot);
    const buffered = this.#buffered;
    this.#buffered = [];
    for (const event of buffered) {
      const verdict = this.event(event);
      if (verdict.kind === "abandon") return verdict;
    }
    this.checkSynced();
    return OK;
  }
  /**
   * Applies an event if it is the next one; drops a repeat; a jump abandons the connection.
   * @param event the frame
   * @returns `abandon` on a gap
   */
  event(event) {
    const position = this.#position;
    if (this.#awaitingSnapshot || !position) {
      this.#buffered.push(event);
      return OK;
    }
    switch (judgeSeq(position.seq, event.seq)) {
      case "duplicate":
        this.#stats.duplicatesDropped++;
        return OK;
      case "gap":
        this.#stats.gaps++;
        return {
          kind: "abandon",
          why: `seq jumped from ${position.seq} to ${event.seq}`
        };
      case "apply":
        this.#position = {
          epoch: position.epoch,
          seq: event.seq
        };
        this.#apply(event);
        this.checkSynced();
        return OK;
    }
  }
  /** Reports `synced` once the position reaches the head the connection began at. */
  checkSynced() {
    const position = this.#position;
    if (this.#syncTarget === null || this.#awaitingSnapshot || !position) return;
    if (position.seq < this.#syncTarget) return;
    this.#syncTarget = null;
    this.#emitter.emit("synced", position);
  }
  #apply(event) {
    switch (event.event) {
      case "pending":
        this.#cards.set(event.response_id, unclaimed(event));
        return this.#emitter.emit("pending", event);
      case "approved":
        this.#cards.delete(event.response_id);
        return this.#emitter.emit("approved", event);
      case "rejected":
        this.#cards.delete(event.response_id);
        return this.#emitter.emit("rejected", event);
      case "claimed": {
        const item = this.#cards.get(event.response_id);
        if (item) {
          this.#cards.set(event.response_id, {
            ...item,
            claimed_by: event.by,
            claim_until: event.until
          });
        }
        return this.#emitter.emit("claimed", event);
      }
      case "released": {
        const item = this.#cards.get(event.response_id);
        if (item) {
          this.#cards.set(event.response_id, {
            ...item,
            claimed_by: null,
            claim_until: null
          });
        }
        return this.#emitter.emit("released", event);
      }
      // v1.2: an undone decision is pending again; the publication's steps are reported.
      case "reopened":
        this.#cards.set(event.response_id, unclaimed(event));
        return this.#emitter.emit("reopened", event);
      case "queued":
        return this.#emitter.emit("queued", event);
      case "publishing":
        return this.#emitter.emit("publishing", event);
      case "published":
        return this.#emitter.emit("published", event);
      case "publish_failed":
        return this.#emitter.emit("publish_failed", event);
      default: {
        const unknown = event;
        return void unknown;
      }
    }
  }
};

// web/sdk/requests.ts
var RequestTable = class {
  #entries = /* @__PURE__ */ new Map();
  #timers;
  #timeoutMs;
  #counter = 0;
  /**
   * @param timers the time source
   * @param timeoutMs how long a sent request waits for its reply
   */
  constructor(timers, timeoutMs) {
    this.#timers = timers;
    this.#timeoutMs = timeoutMs;
  }
  /** How many requests await a reply. */
  get size() {
    return this.#entries.size;
  }
  /**
   * Registers a request, and sends it at once when a connection is ready.
   * @param frame the command
   * @param send the ready connection's sender, or null while disconnected
   * @returns the promise of its `ACK`
   */
  add(frame, send) {
    return new Promise((resolve, reject) => {
      const entry = {
        id: `r${++this.#counter}`,
        frame,
        resolve,
        reject,
        timer: null,
        sends: 0
      };
      this.#entries.set(entry.id, entry);
      if (send) this.#send(entry, send);
    });
  }
  /**
   * Sends every request not sent on the current connection, oldest first.
   * @param send the ready connection's sender
   */
  flush(send) {
    for (const entry of this.#entries.values()) {
      if (entry.timer === null) this.#send(entry, send);
    }
  }
  /**
   * Settles the request a reply names.
   * @param id the reply's `id`
   * @param frame the parsed `ACK` or `ERROR`
   * @returns false when no request awaits this id (a late or foreign reply)
   */
  settle(id, frame) {
    const entry = typeof id === "string" ? this.#entries.get(id) : void 0;
    if (!entry) return false;
    this.#remove(entry);
    if (frame.type === "ACK") {
      const { type: _t, id: _i, ...result } = frame;
      entry.resolve(result);
    } else {
      entry.reject(errorFromFrame(frame));
    }
    return true;
  }
  /**
   * The connection dropped: every request will be sent again on the next
   * one — except a `TAKE` already sent: its jobs (if the server took any)
   * stay leased to this module until their leases lapse, so a second `TAKE`
   * would only take more. It rejects `unavailable` (retryable) instead.
   */
  disconnected() {
    for (const entry of [
      ...this.#entries.values()
    ]) {
      if (entry.frame.type === "TAKE" && entry.sends > 0) {
        this.#remove(entry);
        entry.reject(new ReviewError("unavailable", "the connection dropped before TAKE was answered", true));
        continue;
      }
      this.#clearTimer(entry);
    }
  }
  /**
   * Rejects every request (the client is closing).
   * @param error the error to reject with
   */
  failAll(error) {
    for (const entry of [
      ...this.#entries.values()
    ]) {
      this.#remove(entry);
      entry.reject(error);
    }
  }
  #send(entry, send) {
    try {
      send(JSON.stringify({
        ...entry.frame,
        id: entry.id
      }));
    } catch {
      return;
    }
    entry.sends++;
    entry.timer = this.#timers.setTimeout(() => {
      this.#remove(entry);
      entry.reject(new ReviewError("timeout", `no reply to ${entry.frame.type} within ${this.#timeoutMs} ms`, true, {
        sends: entry.sends
      }));
    }, this.#timeoutMs);
  }
  #clearTimer(entry) {
    if (entry.timer !== null) this.#timers.clearTimeout(entry.timer);
    entry.timer = null;
  }
  #remove(entry) {
    this.#clearTimer(entry);
    this.#entries.delete(entry.id);
  }
};

// web/sdk/state.ts
var ALLOWED = {
  connecting: [
    "connecting",
    "connected",
    "reconnecting",
    "closed"
  ],
  connected: [
    "reconnecting",
    "closed"
  ],
  reconnecting: [
    "reconnecting",
    "connected",
    "closed"
  ],
  closed: []
};
function canTransition(from, to) {
  return ALLOWED[from].includes(to);
}
var StateMachine = class {
  #state = {
    kind: "connecting"
  };
  #onChange;
  /** @param onChange called after every transition */
  constructor(onChange) {
    this.#onChange = onChange;
  }
  /** The current state. */
  get current() {
    return this.#state;
  }
  /**
   * Moves to the next state and reports it.
   * @param next the next state
   * @returns false (and nothing changes) when the transition is not allowed
   */
  transition(next) {
    const previous = this.#state;
    if (!canTransition(previous.kind, next.kind)) return false;
    this.#state = next;
    this.#onChange(next, previous);
    return true;
  }
};

// web/sdk/timers.ts
var realTimers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h2) => clearTimeout(h2),
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (h2) => clearInterval(h2)
};

// web/sdk/client.ts
var ReviewClient = class {
  #emitter = new Emitter();
  #machine = new StateMachine((next) => this.#emitter.emit("state", next));
  #requests;
  #feed;
  #connector;
  /**
   * Starts connecting at once; prefer `connect()`.
   * @param url the WebSocket endpoint, e.g. `ws://127.0.0.1:8765/ws`
   * @param options the token and optional seams
   */
  constructor(url, options) {
    const timers = options.timers ?? realTimers;
    this.#feed = new Feed(this.#emitter, options.resume ?? null);
    this.#requests = new RequestTable(timers, options.requestTimeoutMs ?? 1e4);
    this.#connector = new Connector(url, options, {
      timers,
      machine: this.#machine,
      emitter: this.#emitter,
      feed: this.#feed,
      requests: this.#requests
    });
    void this.#connector.open();
  }
  /** The state's name: `connecting`, `connected`, `reconnecting` or `closed`. */
  get state() {
    return this.#machine.current.kind;
  }
  /** The state with its details (next try, last close, why closed). */
  get status() {
    return this.#machine.current;
  }
  /** The last contiguous position applied, or null before the first snapshot. */
  get position() {
    return this.#feed.position;
  }
  /**
   * The pending cards as the client knows them, by response id, oldest
   * first, each with `claimed_by`/`claim_until` (v1.1; `null` when nobody
   * holds it). A claim lapses at `claim_until` with no event: judge it with
   * `isClaimLive(item, client.serverNow())`.
   */
  get pending() {
    return this.#feed.cards;
  }
  /**
   * The last `WELCOME` received, or null before the first: what the server
   * said of itself (v1.2: `limits`, `undo_window_ms`, `claim_lease_ms`, and
   * the additions a newer server sends, which this SDK passes on as they are).
   */
  get welcome() {
    return this.#connector.welcome;
  }
  /** The last `PRESENCE` received (v1.1), or null before the first. */
  get presence() {
    return this.#connector.presence;
  }
  /**
   * The server's clock as best known: local time corrected by the offset
   * seen in the last `HEARTBEAT` reply (claims lapse by the server's clock).
   * @returns ms since the epoch
   */
  serverNow() {
    return this.#connector.serverNow();
  }
  /** Counters of connections, resumes, duplicates and gaps. */
  get stats() {
    return this.#feed.stats;
  }
  /**
   * Calls `fn` for each event of a kind.
   * @param kind the event's name
   * @param fn the callback
   * @returns a function that removes it
   */
  on(kind, fn) {
    return this.#emitter.on(kind, fn);
  }
  /**
   * Resolves with the next event of a kind that satisfies `predicate`.
   * @param kind the event's name
   * @param predicate optional filter
   * @returns the event's data
   */
  once(kind, predicate) {
    return this.#emitter.once(kind, predicate);
  }
  /**
   * Every event from now on, for `for await`; ends when the client closes.
   * @returns the iterator
   */
  events() {
    return this.#emitter.iterate();
  }
  /**
   * Announces a pending response (`SR`; role `module`).
   * @param responseId `responses.id`
   * @returns the `ACK` fields: `seq`, and `duplicate` if it was already announced
   * @throws {ReviewError} with the server's code (e.g. `not_pending`), `timeout` or `closed`
   */
  submit(responseId) {
    return this.#request({
      type: "SR",
      response_id: responseId
    });
  }
  /**
   * Approves a response (`APPROVED`; role `operator`).
   * @param responseId `responses.id`
   * @param text the reply as edited; omitted: the proposed reply
   * @returns the `ACK` fields
   * @throws {ReviewError} e.g. `not_pending` with `fields.decided_by`
   */
  approve(responseId, text) {
    return this.#request({
      type: "APPROVED",
      response_id: responseId,
      ...text === void 0 ? {} : {
        text
      }
    });
  }
  /**
   * Rejects a response (`REJECTED`; role `operator`).
   * @param responseId `responses.id`
   * @param reason why; optional
   * @returns the `ACK` fields
   * @throws {ReviewError} e.g. `not_pending`
   */
  reject(responseId, reason) {
    return this.#request({
      type: "REJECTED",
      response_id: responseId,
      ...reason === void 0 ? {} : {
        reason
      }
    });
  }
  /**
   * Claims a pending response for the server's `CLAIM_LEASE_MS`, or renews
   * the caller's own claim (`CLAIM`, v1.1; roles `operator`, `admin`).
   * Claims outlive the connection: call again before `claim_until` to keep it.
   * @param responseId `responses.id`
   * @returns the `ACK` fields: `seq`, `claimed_by`, `claim_until` (ISO-8601 UTC)
   * @throws {ReviewError} `claimed` (another user holds it: `fields.claimed_by`,
   *   `fields.claim_until`), `not_pending` (`fields.status`, `fields.decided_by`),
   *   `not_found`, `forbidden`, `unavailable`, `timeout`, `closed`
   */
  claim(responseId) {
    return this.#request({
      type: "CLAIM",
      response_id: responseId
    });
  }
  /**
   * Ends the caller's claim (`RELEASE`, v1.1); an admin may end anyone's.
   * @param responseId `responses.id`
   * @returns the `ACK` fields: `seq` of the `released` event, or
   *   `duplicate: true` (and no `seq`) when the caller held no live claim
   * @throws {ReviewError} `claimed` (another operator's live claim), `not_found`,
   *   `forbidden`, `unavailable`, `timeout`, `closed`
   */
  release(responseId) {
    return this.#request({
      type: "RELEASE",
      response_id: responseId
    });
  }
  /**
   * (v1.2) Undoes the caller's decision within its window (`UNDO`; an admin:
   * anyone's). The response is pending again and a `reopened` event follows.
   * @param responseId `responses.id`
   * @returns the `ACK` fields: `seq` of the `reopened` event
   * @throws {TooLateError} after the window; {BadStateError} (`state: "pending"`)
   *   for a response not decided; {ReviewError} `forbidden` for another's decision
   */
  undo(responseId) {
    return this.#request({
      type: "UNDO",
      response_id: responseId
    });
  }
  /**
   * (v1.2, admin) Puts a failed publication back in the queue, due now.
   * @param responseId `responses.id`
   * @returns the `ACK` fields: `seq` of the `queued` event
   * @throws {BadStateError} when the publication is not `failed`
   */
  retry(responseId) {
    return this.#request({
      type: "RETRY",
      response_id: responseId
    });
  }
  /**
   * (v1.2, module) Takes up to `max` due publication jobs under a lease
   * (`TAKE`). Prefer `Publisher`, which also reports and takes the next.
   * @param options `platforms` to take from, `max` 1–20 (default 1)
   * @returns the jobs, oldest due first (possibly none)
   * @throws {ReviewError} `unavailable` when the connection dropped before the reply
   */
  async take(options = {}) {
    const ack = await this.#request({
      type: "TAKE",
      ...options.platforms === void 0 ? {} : {
        platforms: options.platforms
      },
      ...options.max === void 0 ? {} : {
        max: options.max
      }
    });
    return ack.jobs ?? [];
  }
  /**
   * (v1.2, module) Reports that an attempt published the reply (`PUBLISHED`).
   * @param responseId `responses.id`
   * @param attempt the job's `attempt`
   * @param where `platformRef` (≤ 128) and `url` (https, on the platform's host)
   * @returns the `ACK` fields: `seq`, `duplicate` when it was already published
   * @throws {BadStateError} when the response is not in publication
   */
  published(responseId, attempt, where = {}) {
    return this.#request({
      type: "PUBLISHED",
      response_id: responseId,
      attempt,
      ...where.platformRef === void 0 ? {} : {
        platform_ref: where.platformRef
      },
      ...where.url === void 0 ? {} : {
        url: where.url
      }
    });
  }
  /**
   * (v1.2, module) Reports that an attempt failed (`PUBLISH_FAILED`).
   * @param responseId `responses.id`
   * @param attempt the job's `attempt`
   * @param reason why (≤ 1024 characters)
   * @param options `retryable` (default true), `retryAfterMs` (the platform's wait)
   * @returns the `ACK` fields: `seq`, or `stale: true` for an earlier attempt
   * @throws {BadStateError} when already published or failed
   */
  publishFailed(responseId, attempt, reason, options = {}) {
    return this.#request({
      type: "PUBLISH_FAILED",
      response_id: responseId,
      attempt,
      reason,
      ...options.retryable === void 0 ? {} : {
        retryable: options.retryable
      },
      ...options.retryAfterMs === void 0 ? {} : {
        retry_after_ms: options.retryAfterMs
      }
    });
  }
  /** Closes the connection for good; pending requests reject with `closed`. */
  close() {
    this.#connector.close();
  }
  #request(frame) {
    if ("response_id" in frame && (!Number.isSafeInteger(frame.response_id) || frame.response_id <= 0)) {
      return Promise.reject(new TypeError("responseId must be a positive integer"));
    }
    if (this.state === "closed") {
      return Promise.reject(new ReviewError("closed", "the client is closed", false));
    }
    return this.#requests.add(frame, this.#connector.sender());
  }
};

// web/sdk/history.ts
function historyUrl(url) {
  const u = new URL(url);
  u.protocol = u.protocol === "wss:" ? "https:" : u.protocol === "ws:" ? "http:" : u.protocol;
  u.pathname = "/api/history";
  u.search = "";
  u.hash = "";
  return u.toString();
}
var HistoryClient = class {
  #endpoint;
  #token;
  #fetch;
  /**
   * Creates a client of one server's history.
   * @param url the server's WebSocket or page URL (or the endpoint itself)
   * @param options the token and an optional `fetch`
   */
  constructor(url, options) {
    this.#endpoint = historyUrl(url);
    this.#token = options.token;
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
  }
  /**
   * Fetches one page.
   * @param query filters, limit and cursor
   * @returns the page
   * @throws {ReviewError} with the server's code (`bad_frame` naming the
   *   parameter, `unauthorized`, `forbidden`, `unavailable`), or `closed` when
   *   the request could not be made
   */
  async page(query = {}) {
    const url = new URL(this.#endpoint);
    for (const [k, v] of Object.entries(query)) {
      if (v !== void 0 && v !== "") url.searchParams.set(k, String(v));
    }
    const token = typeof this.#token === "function" ? await this.#token() : this.#token;
    let res;
    try {
      res = await this.#fetch(url.toString(), {
        headers: {
          authorization: `Bearer ${token}`
        }
      });
    } catch (e) {
      throw new ReviewError("closed", `history request failed: ${e}`, true);
    }
    const body = await res.json().catch(() => null);
    if (!res.ok || body === null) {
      if (body?.type === "ERROR") throw errorFromFrame(body);
      throw new ReviewError("internal", `history answered ${res.status}`, res.status >= 500);
    }
    return body;
  }
  /**
   * Every item matching the filters, page after page, newest first.
   * @param query filters and page size (no cursor)
   * @returns an async iterator of items
   */
  async *all(query = {}) {
    let cursor;
    do {
      const page = await this.page({
        ...query,
        ...cursor ? {
          cursor
        } : {}
      });
      yield* page.items;
      cursor = page.next_cursor ?? void 0;
    } while (cursor !== void 0);
  }
};

// web/sdk/mod.ts
function connect(url, options) {
  return new ReviewClient(url, options);
}

// web/page/age.ts
function createdAtOf(createdAt, html) {
  if (typeof createdAt === "string") {
    const ms2 = Date.parse(createdAt);
    if (Number.isFinite(ms2)) return ms2;
  }
  const match = /<time class="card-created" datetime="([^"]+)"/.exec(html);
  if (!match?.[1]) return null;
  const ms = Date.parse(match[1]);
  return Number.isFinite(ms) ? ms : null;
}
function ageText(ms) {
  const minutes = Math.floor(Math.max(0, ms) / 6e4);
  if (minutes < 1) return "just now";
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
  const days = Math.floor(hours / 24);
  return hours % 24 === 0 ? `${days} d` : `${days} d ${hours % 24} h`;
}
function isOverdue(createdAt, now, slaMinutes) {
  return now - createdAt > slaMinutes * 6e4;
}
function showAge(el, now, slaMinutes) {
  const created = Date.parse(el.dataset.createdAt ?? "");
  if (!Number.isFinite(created)) return;
  const overdue = isOverdue(created, now, slaMinutes);
  const text = `${ageText(now - created)}${overdue ? " \u2014 overdue" : ""}`;
  const label = el.querySelector(".card-age");
  if (label && label.textContent !== text) label.textContent = text;
  if (overdue && el.dataset.overdue !== "true") el.dataset.overdue = "true";
  else if (!overdue && el.dataset.overdue) delete el.dataset.overdue;
}

// web/page/dom.ts
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === void 0 || value === false) continue;
    el.setAttribute(name, value === true ? "" : value);
  }
  el.append(...children);
  return el;
}
function byId(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the page lacks #${id}`);
  return el;
}

// web/page/card_list.ts
var GROUP_MAX = 40;
var CARD = "[data-response-id]";
function isGroup(el) {
  return el instanceof HTMLElement && el.classList.contains("card-group");
}
function newGroup() {
  return h("div", {
    class: "card-group",
    role: "presentation"
  });
}
function allCards(list) {
  return [
    ...list.querySelectorAll(`:scope > .card-group > ${CARD}`)
  ];
}
function endCard(list, last = false) {
  let group = last ? list.lastElementChild : list.firstElementChild;
  while (group) {
    const card = last ? group.lastElementChild : group.firstElementChild;
    if (card) return card;
    group = last ? group.previousElementSibling : group.nextElementSibling;
  }
  return null;
}
function stepCard(card, back = false) {
  const sibling = back ? card.previousElementSibling : card.nextElementSibling;
  if (sibling) return sibling;
  let group = card.parentElement;
  while (group) {
    group = back ? group.previousElementSibling : group.nextElementSibling;
    if (!isGroup(group)) return null;
    const edge = back ? group.lastElementChild : group.firstElementChild;
    if (edge) return edge;
  }
  return null;
}
function addCards(list, cards, atStart = false) {
  if (cards.length === 0) return;
  if (atStart) {
    let group2 = list.firstElementChild;
    for (const card of [
      ...cards
    ].reverse()) {
      if (!isGroup(group2) || group2.childElementCount >= GROUP_MAX) {
        group2 = newGroup();
        list.prepend(group2);
      }
      group2.prepend(card);
    }
    return;
  }
  let group = list.lastElementChild;
  for (const card of cards) {
    if (!isGroup(group) || group.childElementCount >= GROUP_MAX) {
      group = newGroup();
      list.append(group);
    }
    group.append(card);
  }
}
function placeCard(ref, card, after) {
  if (after) ref.after(card);
  else ref.before(card);
  const group = card.parentElement;
  if (!isGroup(group) || group.childElementCount <= 2 * GROUP_MAX) return;
  const rest = newGroup();
  rest.append(...[
    ...group.children
  ].slice(GROUP_MAX));
  group.after(rest);
}
function removeCard(card) {
  const group = card.parentElement;
  card.remove();
  if (isGroup(group) && group.childElementCount === 0) group.remove();
}
function replaceCards(list, cards) {
  list.replaceChildren();
  addCards(list, cards);
}
function reverseCards(list) {
  const cards = allCards(list).reverse();
  replaceCards(list, cards);
}

// web/page/anchor.ts
function topInset() {
  return document.querySelector(".top")?.getBoundingClientRect().bottom ?? 0;
}
function bottomInset() {
  const box = document.querySelector(".decisions-box")?.getBoundingClientRect();
  return box && box.bottom >= innerHeight - 1 && box.left <= 1 ? box.top : innerHeight;
}
function onScreen(el) {
  const rect = el.getBoundingClientRect();
  return rect.bottom > topInset() + 8 && rect.top < bottomInset() - 8 && rect.height > 0;
}
function readingCard(list) {
  const active = document.activeElement;
  const focused = active instanceof HTMLElement ? active.closest("[data-response-id]") : null;
  if (focused && list.contains(focused) && onScreen(focused)) return focused;
  const x = list.getBoundingClientRect().left + 24;
  const hit = document.elementFromPoint(x, topInset() + 12);
  const card = hit?.closest("[data-response-id]") ?? null;
  return card && list.contains(card) ? card : null;
}
var HOLD_MS = 1e3;
var held = null;
var holding = 0;
var ourY = 0;
function letGo() {
  held = null;
}
for (const kind of [
  "wheel",
  "touchstart",
  "mousedown",
  "keydown"
]) {
  addEventListener(kind, letGo, {
    capture: true,
    passive: true
  });
}
addEventListener("scroll", () => {
  if (held && Math.abs(scrollY - ourY) > 2) letGo();
}, {
  passive: true
});
function scrollByOurs(moved) {
  if (Math.abs(moved) >= 1) scrollBy({
    top: moved,
    behavior: "instant"
  });
  ourY = scrollY;
}
function restore() {
  holding = 0;
  if (!held) return;
  if (!held.el.isConnected || performance.now() > held.until) return letGo();
  scrollByOurs(held.el.getBoundingClientRect().top - held.top);
  holding = requestAnimationFrame(restore);
}
function holdAnchor(el, top) {
  held = {
    el,
    top,
    until: performance.now() + HOLD_MS
  };
  scrollByOurs(el.getBoundingClientRect().top - top);
  holding ||= requestAnimationFrame(restore);
}
function keepAnchor(list, change) {
  const still = held && held.el.isConnected && performance.now() <= held.until ? held : null;
  const anchor = still?.el ?? readingCard(list);
  const before = still?.top ?? anchor?.getBoundingClientRect().top ?? 0;
  change();
  if (anchor?.isConnected) holdAnchor(anchor, before);
}
function compareCards(a, b) {
  const ca = a.dataset.createdAt ?? "";
  const cb = b.dataset.createdAt ?? "";
  if (ca !== cb) return ca < cb ? -1 : 1;
  return Number(a.dataset.responseId) - Number(b.dataset.responseId);
}
function insertByAge(list, el, order) {
  if (order === "oldest") {
    let at = endCard(list, true);
    while (at && compareCards(at, el) > 0) at = stepCard(at, true);
    if (at) placeCard(at, el, true);
    else addCards(list, [
      el
    ], true);
  } else {
    let at = endCard(list);
    while (at && compareCards(at, el) > 0) at = stepCard(at);
    if (at) placeCard(at, el, false);
    else addCards(list, [
      el
    ]);
  }
}

// web/page/claims.ts
function parseClaim(by, until) {
  if (typeof by !== "string" || by === "" || typeof until !== "string") return null;
  const ms = Date.parse(until);
  return Number.isFinite(ms) ? {
    by,
    until: ms
  } : null;
}
function isLive(claim, now) {
  return claim !== null && claimHolds(claim.until, now);
}
function formatLeft(ms) {
  const total = Math.max(0, Math.ceil(ms / 1e3));
  const minutes = Math.floor(total / 60);
  const seconds = total % 60;
  return `${minutes}:${String(seconds).padStart(2, "0")}`;
}
function claimView(claim, now, me, editingHere) {
  if (!isLive(claim, now)) return {
    kind: "free"
  };
  const left = formatLeft(claim.until - now);
  if (claim.by === me) {
    const where = editingHere ? "You are editing" : "You are editing this in another window";
    return {
      kind: "mine",
      by: claim.by,
      text: `${where} \u2014 ${left} left`,
      here: editingHere
    };
  }
  return {
    kind: "theirs",
    by: claim.by,
    text: `${claim.by} is editing \u2014 ${left} left`
  };
}
var RENEW_MARGIN_MS = 2e3;
function renewDelay(until, now) {
  const left = until - now;
  return Math.max(0, Math.min(left / 2, left - RENEW_MARGIN_MS));
}
var ClaimTable = class {
  #claims = /* @__PURE__ */ new Map();
  /**
   * Sets or clears the claim of a card.
   * @param id the response id
   * @param claim the claim, or null when released
   */
  set(id, claim) {
    if (claim) this.#claims.set(id, claim);
    else this.#claims.delete(id);
  }
  /**
   * The claim of a card.
   * @param id the response id
   * @returns the claim as last heard (possibly lapsed), or null
   */
  get(id) {
    return this.#claims.get(id) ?? null;
  }
  /**
   * Forgets claims that lapsed.
   * @param now server time (ms)
   * @returns the ids whose claim just lapsed
   */
  expire(now) {
    const lapsed = [];
    for (const [id, claim] of this.#claims) {
      if (!isLive(claim, now)) {
        this.#claims.delete(id);
        lapsed.push(id);
      }
    }
    return lapsed;
  }
  /** The ids with a claim. */
  ids() {
    return [
      ...this.#claims.keys()
    ];
  }
  /** Forgets every claim (before a `SNAPSHOT` replaces them). */
  clear() {
    this.#claims.clear();
  }
};

// web/page/collapse.ts
var COLLAPSE_CHARS = 400;
var COLLAPSE_LINES = 6;
function isLong(text) {
  if (text.length > COLLAPSE_CHARS) return true;
  let lines = 1;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) {
    if (++lines > COLLAPSE_LINES) return true;
  }
  return false;
}
function collapseLong(el) {
  for (const text of el.querySelectorAll(".card-post-text, .card-reply-text")) {
    const content = text.textContent ?? "";
    if (!isLong(content)) continue;
    text.dataset.collapsed = "true";
    text.id ||= `t-${Math.random().toString(36).slice(2, 10)}`;
    text.after(h("button", {
      type: "button",
      class: "btn btn-small btn-expand",
      "data-action": "expand",
      "aria-expanded": "false",
      "aria-controls": text.id
    }, `Show all (${content.length} characters)`));
  }
}
function toggleCollapsed(button) {
  const text = button.previousElementSibling;
  if (!text) return;
  const expand = text.dataset.collapsed === "true";
  text.dataset.collapsed = expand ? "false" : "true";
  button.setAttribute("aria-expanded", String(expand));
  const length = (text.textContent ?? "").length;
  button.textContent = expand ? "Show less" : `Show all (${length} characters)`;
}

// web/page/limits.ts
var DEFAULT_LIMITS = {
  text: 4096,
  reason: 1024,
  slaMinutes: 15,
  undoWindowMs: 1e4
};
function positive(value, fallback) {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : fallback;
}
function limitsFromWelcome(welcome) {
  const w = welcome ?? {};
  const limits = w.limits ?? {};
  const undo = w.undo_window_ms;
  return {
    text: positive(limits.text, DEFAULT_LIMITS.text),
    reason: positive(limits.reason, DEFAULT_LIMITS.reason),
    slaMinutes: positive(w.sla_minutes, DEFAULT_LIMITS.slaMinutes),
    undoWindowMs: typeof undo === "number" && undo >= 0 ? undo : DEFAULT_LIMITS.undoWindowMs
  };
}
function counterView(value, limit) {
  const left = limit - value.length;
  if (left >= 0) return {
    left,
    over: false,
    text: `${left} characters left`
  };
  return {
    left,
    over: true,
    text: `${left} \u2014 ${-left} characters over the limit of ${limit}: shorten it to send`
  };
}

// web/page/card.ts
function createCard(card, createdAt) {
  const id = String(card.response_id);
  const content = h("div", {
    class: "card-content"
  });
  content.innerHTML = card.html;
  collapseLong(content);
  const reasonId = `card-${id}-reason`;
  const el = h("article", {
    class: "card",
    "data-response-id": id,
    "data-platform": card.platform,
    "aria-labelledby": `card-${id}-title`,
    tabindex: "-1"
  }, h("div", {
    class: "card-head"
  }, h("h2", {
    class: "card-title",
    id: `card-${id}-title`
  }, `Reply #${id}`), h("span", {
    class: "card-age",
    title: "Waiting for a decision"
  })), h("div", {
    class: "card-claim",
    hidden: true
  }, h("span", {
    class: "card-claim-text",
    role: "status"
  }), h("button", {
    type: "button",
    class: "btn btn-small btn-release",
    "data-action": "release",
    hidden: true
  }, "Release"), h("button", {
    type: "button",
    class: "btn btn-small btn-takeover",
    "data-action": "takeover",
    hidden: true
  }, "Take over here")), content, h("div", {
    class: "card-actions"
  }, h("button", {
    type: "button",
    class: "btn btn-approve",
    "data-action": "approve"
  }, "Approve"), h("button", {
    type: "button",
    class: "btn btn-edit",
    "data-action": "edit",
    "aria-expanded": "false"
  }, "Edit reply"), h("input", {
    id: reasonId,
    class: "card-reason",
    name: "reason",
    "data-field": "reason",
    placeholder: "Reason (optional)",
    "aria-label": `Reason for rejecting reply #${id}`,
    "aria-describedby": `${reasonId}-count`
  }), h("button", {
    type: "button",
    class: "btn btn-reject",
    "data-action": "reject"
  }, "Reject")), h("p", {
    class: "card-counter",
    id: `${reasonId}-count`,
    "data-counter": "reason",
    hidden: true
  }), h("p", {
    class: "card-status",
    role: "status"
  }));
  if (createdAt !== null) el.dataset.createdAt = new Date(createdAt).toISOString();
  return el;
}
function updateCounters(el, limits) {
  const area = el.querySelector('textarea[data-field="text"]');
  const reason = el.querySelector('[data-field="reason"]');
  const textOver = showCounter(el, "text", isEditing(el) ? area : null, limits.text);
  const reasonOver = showCounter(el, "reason", reason, limits.reason);
  const flag = (name, on) => {
    if (on) el.dataset[name] = "true";
    else delete el.dataset[name];
  };
  flag("textTooLong", textOver);
  flag("reasonTooLong", reasonOver);
  syncControls(el);
}
function showCounter(el, field, input, limit) {
  const line = el.querySelector(`[data-counter="${field}"]`);
  if (!input) {
    if (line) line.hidden = true;
    return false;
  }
  const view = counterView(input.value, limit);
  const shown2 = field === "text" || input.value !== "";
  if (line) {
    line.hidden = !shown2;
    line.textContent = view.text;
    line.dataset.left = String(view.left);
    line.classList.toggle("card-counter--over", view.over);
    line.setAttribute("role", view.over ? "alert" : "status");
  }
  input.setAttribute("aria-invalid", String(view.over));
  return view.over;
}
function cardId(el) {
  return Number(el.dataset.responseId);
}
function proposedReply(el) {
  return el.querySelector(".card-reply-text")?.textContent ?? "";
}
function isEditing(el) {
  return el.classList.contains("card--editing");
}
function setEditor(el, open) {
  const existing = el.querySelector(".card-editor");
  let area = existing?.querySelector("textarea") ?? null;
  if (open && !existing) {
    const areaId = `card-${el.dataset.responseId}-reply`;
    area = h("textarea", {
      id: areaId,
      rows: "4",
      "data-field": "text",
      "aria-describedby": `${areaId}-count`
    });
    area.value = proposedReply(el);
    el.querySelector(".card-actions")?.before(h("div", {
      class: "card-editor"
    }, h("label", {
      for: areaId
    }, "Reply to send"), area, h("p", {
      class: "card-counter",
      id: `${areaId}-count`,
      "data-counter": "text"
    })));
  } else if (existing) {
    existing.hidden = !open;
  }
  el.classList.toggle("card--editing", open);
  const edit = el.querySelector(".btn-edit");
  if (edit) {
    edit.dataset.action = open ? "cancel" : "edit";
    edit.setAttribute("aria-expanded", String(open));
    edit.textContent = open ? "Cancel" : "Edit reply";
  }
  const approve = el.querySelector(".btn-approve");
  if (approve) approve.textContent = open ? "Save and approve" : "Approve";
  return open ? area : null;
}
function editedReply(el) {
  if (!isEditing(el)) return void 0;
  return el.querySelector(".card-editor textarea")?.value;
}
function rejectReason(el) {
  const value = el.querySelector(".card-reason")?.value.trim() ?? "";
  return value === "" ? void 0 : value;
}
function setCardStatus(el, status, text = "") {
  el.dataset.status = status;
  delete el.dataset.statusCause;
  el.setAttribute("aria-busy", String(status === "busy"));
  const line = el.querySelector(".card-status");
  if (line) {
    line.textContent = text;
    line.setAttribute("role", status === "failed" ? "alert" : "status");
  }
  syncControls(el);
}
function setCardClaim(el, view, admin = false) {
  const banner = el.querySelector(".card-claim");
  const text = banner?.querySelector(".card-claim-text");
  const release = banner?.querySelector(".btn-release");
  const takeover = banner?.querySelector(".btn-takeover");
  const showRelease = view.kind === "theirs" && admin;
  const showTakeover = view.kind === "mine" && !view.here;
  if (release && release.hidden === showRelease) release.hidden = !showRelease;
  if (takeover && takeover.hidden === showTakeover) takeover.hidden = !showTakeover;
  if (view.kind === "free" && el.dataset.statusCause === "claim") setCardStatus(el, "idle");
  if (view.kind === "free") {
    delete el.dataset.claimedBy;
    delete el.dataset.claim;
    if (banner) banner.hidden = true;
  } else {
    if (el.dataset.claimedBy !== view.by) el.dataset.claimedBy = view.by;
    el.dataset.claim = view.kind;
    if (text && text.textContent !== view.text) text.textContent = view.text;
    if (banner) banner.hidden = false;
  }
  syncControls(el);
}
function syncControls(el) {
  const busy = el.dataset.status === "busy";
  const locked = el.dataset.claim === "theirs";
  for (const control of el.querySelectorAll(".card-actions button, .card-actions input")) {
    const action = control.dataset.action;
    const tooLong = action === "approve" && el.dataset.textTooLong === "true" || action === "reject" && el.dataset.reasonTooLong === "true";
    const disabled = busy || locked || tooLong;
    if (control.disabled !== disabled) control.disabled = disabled;
    const why = tooLong ? `Too long: the ${action === "approve" ? "reply" : "reason"} is over its limit` : null;
    if (why) {
      control.title = why;
      control.dataset.refused = "too-long";
    } else if (control.dataset.refused) {
      control.removeAttribute("title");
      delete control.dataset.refused;
    }
  }
}

// web/page/errors.ts
function errorCode(error) {
  return error instanceof ReviewError ? String(error.code) : null;
}
function describeError(error) {
  if (error instanceof ReviewError) {
    const fields = error.fields;
    if (error.code === "not_pending" && typeof fields.decided_by === "string") {
      return `already ${String(fields.status ?? "decided")} by ${fields.decided_by}`;
    }
    if (String(error.code) === "claimed" && typeof fields.claimed_by === "string") {
      return `${fields.claimed_by} is editing it`;
    }
    return error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

// web/page/filters.ts
var SHOW_ALL = {
  platform: "",
  text: ""
};
function matchesFilter(platform, text, filter) {
  if (filter.platform !== "" && platform !== filter.platform) return false;
  const haystack = text.toLocaleLowerCase();
  return filter.text.toLocaleLowerCase().split(/\s+/).every((w) => haystack.includes(w));
}
function cardShown(el, filter) {
  if (el.dataset.deciding) return false;
  if (filter === SHOW_ALL) return true;
  const text = el.querySelector(".card-content")?.textContent ?? "";
  return matchesFilter(el.dataset.platform ?? "", text, filter);
}
var BASE_TITLE = "Review hub";
function titleFor(pending) {
  return pending > 0 ? `(${pending}) ${BASE_TITLE}` : BASE_TITLE;
}
function shownText(shown2, total) {
  return shown2 === total ? "" : `${shown2} of ${total} shown`;
}

// web/page/focus_handover.ts
function hideDecided(list, el) {
  const next = neighbour(el);
  const below = next !== null && next === nextShown(el);
  const top = below ? null : el.getBoundingClientRect().top;
  el.dataset.deciding = "true";
  el.hidden = true;
  if (!next) return list.focus({
    preventScroll: true
  });
  next.focus({
    preventScroll: true
  });
  const at = next.getBoundingClientRect().top;
  holdAnchor(next, Math.max(top ?? at, topInset() + 8));
}
function bringBack(list, el, filter) {
  delete el.dataset.deciding;
  const active = document.activeElement;
  if (!(active instanceof HTMLElement) || !list.contains(active)) {
    return keepAnchor(list, () => el.hidden = !cardShown(el, filter));
  }
  const top = active.closest("[data-response-id]")?.getBoundingClientRect().top;
  el.hidden = !cardShown(el, filter);
  if (el.hidden) return;
  el.focus({
    preventScroll: true
  });
  if (top === void 0) el.scrollIntoView({
    block: "nearest"
  });
  else holdAnchor(el, Math.max(top, topInset() + 8));
}
function removeFocused(list, el) {
  const next = neighbour(el);
  const below = next !== null && next === nextShown(el);
  const top = below ? null : el.getBoundingClientRect().top;
  removeCard(el);
  if (!next) return list.focus({
    preventScroll: true
  });
  next.focus({
    preventScroll: true
  });
  const at = next.getBoundingClientRect().top;
  holdAnchor(next, Math.max(top ?? at, topInset() + 8));
}
function nextShown(el) {
  let at = stepCard(el);
  while (at?.hidden) at = stepCard(at);
  return at;
}
function neighbour(el) {
  for (const back of [
    false,
    true
  ]) {
    let at = stepCard(el, back);
    while (at?.hidden) at = stepCard(at, back);
    if (at) return at;
  }
  return null;
}

// web/page/card_actions.ts
var CardActions = class {
  #list;
  #client;
  #editing;
  #ctx;
  /**
   * Listens to the list's clicks, keys and typing.
   * @param list the element holding the cards
   * @param client the connected client
   * @param editing the cards this page edits
   * @param ctx the limits and the filter now in force
   */
  constructor(list, client, editing, ctx) {
    this.#list = list;
    this.#client = client;
    this.#editing = editing;
    this.#ctx = ctx;
    this.#list.addEventListener("click", (ev) => this.#onClick(ev));
    this.#list.addEventListener("keydown", (ev) => this.#onKey(ev));
    this.#list.addEventListener("input", (ev) => {
      const card = ev.target.closest("[data-response-id]");
      if (card) updateCounters(card, ctx.limits());
    });
  }
  #onClick(ev) {
    const button = ev.target.closest("[data-action]");
    const el = button?.closest("[data-response-id]");
    if (!button || !el) return;
    if (button.dataset.action === "expand") return toggleCollapsed(button);
    this.act(el, button.dataset.action);
  }
  #onKey(ev) {
    const target = ev.target;
    const el = target.closest("[data-response-id]");
    if (!el) return;
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey) && target.tagName === "TEXTAREA") {
      ev.preventDefault();
      this.act(el, "approve");
    } else if (ev.key === "Escape" && target.tagName === "TEXTAREA") {
      ev.preventDefault();
      this.act(el, "cancel");
    } else if (ev.key === "Enter" && target.classList.contains("card-reason")) {
      ev.preventDefault();
      this.act(el, "reject");
    }
  }
  /**
   * Does a card's action, unless its control is disabled (busy, claimed by
   * another, or a field over its limit: then nothing is sent).
   * @param el the card
   * @param action what to do
   * @param fromKey a key decided it: the next card takes the focus and the
   *   decided card's place at once, without waiting for the server (see `hideDecided`)
   */
  act(el, action, fromKey = false) {
    const control = el.querySelector(`[data-action="${action}"]`);
    if (!control || control.disabled || control.hidden) return;
    switch (action) {
      case "edit":
      case "takeover":
        return void this.#editing.start(el).then(() => updateCounters(el, this.#ctx.limits()));
      case "cancel":
        this.#editing.cancel(el);
        return updateCounters(el, this.#ctx.limits());
      case "release":
        return this.#send(el, "Releasing", "Not released", () => this.#client.releaseAny(cardId(el)), true);
      case "approve": {
        const text = editedReply(el);
        return this.#send(el, isEditing(el) ? "Saving" : "Approving", "Not approved", () => this.#client.approve(cardId(el), text), false, fromKey);
      }
      case "reject":
        return this.#send(el, "Rejecting", "Not rejected", () => this.#client.reject(cardId(el), rejectReason(el)), false, fromKey);
      default: {
        const unknown = action;
        return void unknown;
      }
    }
  }
  #send(el, doing, failed, request, staysPending = false, moveOn = false) {
    const waiting = this.#client.state === "connected" ? "\u2026" : " \u2014 waiting for the connection\u2026";
    setCardStatus(el, "busy", doing + waiting);
    if (moveOn && el.contains(document.activeElement)) hideDecided(this.#list, el);
    else if (el.contains(document.activeElement)) el.focus({
      preventScroll: true
    });
    request().then(() => {
      if (!el.isConnected) return;
      if (staysPending) setCardStatus(el, "idle");
      else setCardStatus(el, "busy", `${doing} \u2014 done, updating\u2026`);
    }, (error) => {
      if (!el.isConnected) return;
      if (el.dataset.deciding) bringBack(this.#list, el, this.#ctx.filter());
      setCardStatus(el, "failed", `${failed}: ${describeError(error)}`);
    });
  }
};

// web/page/editing.ts
var RENEW_RETRY_MS = 1e3;
var Editing = class {
  #client;
  #claims;
  #now;
  #changed;
  /** Renewal timers of the cards being edited here. */
  #editing = /* @__PURE__ */ new Map();
  /**
   * @param client claims and releases
   * @param claims the page's claim table (updated at once with this page's own claims)
   * @param now the server's time (ms)
   * @param changed called when a card's claim changed, to redraw it
   */
  constructor(client, claims, now, changed) {
    this.#client = client;
    this.#claims = claims;
    this.#now = now;
    this.#changed = changed;
  }
  /**
   * Whether this page is editing a card.
   * @param id the response id
   * @returns true while the editor is open under this page's claim
   */
  has(id) {
    return this.#editing.has(id);
  }
  /**
   * Claims a card and opens its editor.
   * @param el the card
   */
  async start(el) {
    const id = cardId(el);
    if (this.#editing.has(id)) return;
    setCardStatus(el, "busy", "Claiming\u2026");
    let claim;
    try {
      claim = await this.#client.claim(id);
    } catch (error) {
      if (!el.isConnected) return;
      setCardStatus(el, "failed", `Not opened for editing: ${describeError(error)}`);
      if (errorCode(error) === "claimed") {
        this.#heldElsewhere(id, error);
        el.dataset.statusCause = "claim";
      }
      this.#changed(id);
      return;
    }
    if (!el.isConnected) return;
    this.#claims.set(id, claim);
    this.#editing.set(id, null);
    setCardStatus(el, "idle");
    setEditor(el, true)?.focus();
    this.#schedule(el, claim);
    this.#changed(id);
  }
  /**
   * Closes the editor and releases the claim.
   * @param el the card
   */
  cancel(el) {
    const id = cardId(el);
    this.#stop(id);
    setEditor(el, false);
    setCardStatus(el, "idle");
    this.#claims.set(id, null);
    this.#changed(id);
    el.focus();
    this.#client.release(id).catch((error) => {
      if (el.isConnected) setCardStatus(el, "failed", `Not released: ${describeError(error)}`);
    });
  }
  /**
   * Someone else holds the card now (a `claimed` event, a `released` by an
   * admin, a `SNAPSHOT`): stop editing it here, keeping the typed text.
   * @param el the card
   * @param why the line to show
   * @param untilFree whether the line goes once nobody holds the card (it names the holder)
   */
  lost(el, why, untilFree = false) {
    const id = cardId(el);
    if (!this.#editing.has(id)) return;
    this.#stop(id);
    setEditor(el, false);
    setCardStatus(el, "failed", why);
    if (untilFree) el.dataset.statusCause = "claim";
  }
  /**
   * The card left the page (decided): forget it.
   * @param id the response id
   */
  ended(id) {
    this.#stop(id);
  }
  #stop(id) {
    const timer = this.#editing.get(id);
    if (timer) clearTimeout(timer);
    this.#editing.delete(id);
  }
  #heldElsewhere(id, error) {
    const fields = error.fields ?? {};
    const claim = parseClaim(fields.claimed_by, fields.claim_until);
    if (claim) this.#claims.set(id, claim);
  }
  #schedule(el, claim, delay = renewDelay(claim.until, this.#now())) {
    const id = cardId(el);
    if (!this.#editing.has(id)) return;
    const old = this.#editing.get(id);
    if (old) clearTimeout(old);
    this.#editing.set(id, setTimeout(() => void this.#renew(el, claim), delay));
  }
  async #renew(el, previous) {
    const id = cardId(el);
    if (!this.#editing.has(id) || !el.isConnected) return this.#stop(id);
    try {
      const claim = await this.#client.claim(id);
      if (!this.#editing.has(id)) return;
      this.#claims.set(id, claim);
      this.#changed(id);
      this.#schedule(el, claim);
    } catch (error) {
      if (!this.#editing.has(id)) return;
      const code = errorCode(error);
      if (code === "claimed") {
        this.#heldElsewhere(id, error);
        this.lost(el, `Your claim lapsed: ${describeError(error)}. Your text is kept.`, true);
        this.#changed(id);
      } else if (code === "not_pending" || code === "not_found" || code === "closed") {
        this.lost(el, `Editing ended: ${describeError(error)}`);
      } else {
        this.#schedule(el, previous, RENEW_RETRY_MS);
      }
    }
  }
};

// web/page/tasks.ts
var channel = new MessageChannel();
var tasks = [];
channel.port1.onmessage = () => tasks.shift()?.();
function nextTask(fn) {
  tasks.push(fn);
  channel.port2.postMessage(null);
}
function afterNextFrame(fn) {
  if (document.hidden) return nextTask(fn);
  requestAnimationFrame(() => nextTask(fn));
}

// web/page/pending_board.ts
var FIRST_CHUNK = 6;
var CHUNK_BUDGET_MS = 8;
var Board = class {
  #cards = /* @__PURE__ */ new Map();
  /** Cards of the last `SNAPSHOT` not yet on the page, in display order. */
  #queued = /* @__PURE__ */ new Map();
  /** New cards waiting for the next frame. */
  #incoming = [];
  #frame = 0;
  /** Elements kept from before the last `SNAPSHOT` (an edit in progress survives). */
  #kept = /* @__PURE__ */ new Map();
  #generation = 0;
  #order = "oldest";
  #filter = SHOW_ALL;
  #claims = new ClaimTable();
  #editing;
  #list;
  #countEl;
  #actions;
  #ctx;
  #counted;
  /**
   * @param els the list of cards and the pending counter
   * @param client the connected client
   * @param ctx who, when, and the limits
   * @param counted told the pending and shown counts after each change
   */
  constructor(els, client, ctx, counted = () => {
  }) {
    this.#list = els.list;
    this.#countEl = els.count;
    this.#ctx = ctx;
    this.#counted = counted;
    this.#editing = new Editing(client, this.#claims, () => ctx.now(), (id) => this.#showClaim(id));
    this.#actions = new CardActions(this.#list, client, this.#editing, {
      limits: () => ctx.limits(),
      filter: () => this.#filter
    });
    this.#updateCount();
  }
  /** The order of the cards. */
  get order() {
    return this.#order;
  }
  /** Pending cards known (on the page or about to be). */
  get size() {
    return this.#cards.size + this.#queued.size + this.#incoming.length;
  }
  /**
   * Shows exactly these cards (a `SNAPSHOT`): a screenful at once, the rest
   * in later tasks of a few milliseconds each.
   * @param items the pending cards, oldest first, with their claims and `created_at`
   */
  replace(items) {
    const generation = ++this.#generation;
    const previous = new Map([
      ...this.#kept,
      ...this.#cards
    ]);
    this.#cards.clear();
    this.#queued.clear();
    this.#incoming = [];
    this.#claims.clear();
    const first = [];
    const firstChunk = previous.size === 0 ? 0 : FIRST_CHUNK;
    const ordered = this.#order === "oldest" ? items : items.toReversed();
    for (const card of ordered) {
      this.#claims.set(card.response_id, parseClaim(card.claimed_by, card.claim_until));
      const createdAt = createdAtOf(card.created_at, card.html);
      if (first.length < firstChunk) {
        const el = previous.get(card.response_id) ?? createCard(card, createdAt);
        this.#place(card.response_id, el);
        first.push(el);
      } else {
        this.#queued.set(card.response_id, {
          card,
          createdAt
        });
      }
    }
    for (const [id, el] of previous) {
      if (!this.#cards.has(id) && !this.#queued.has(id)) this.#editing.ended(id);
      else if (this.#editing.has(id) && this.#claims.get(id)?.by !== this.#ctx.me()) {
        this.#editing.lost(el, "Your claim ended while the connection was down. Text kept.");
      }
    }
    this.#kept = previous;
    if (previous.size === 0) replaceCards(this.#list, first);
    else keepAnchor(this.#list, () => replaceCards(this.#list, first));
    this.#updateCount();
    if (this.#queued.size > 0) nextTask(() => this.#drain(generation));
    else this.#kept = /* @__PURE__ */ new Map();
  }
  #drain(generation) {
    if (generation !== this.#generation) return;
    const until = performance.now() + CHUNK_BUDGET_MS;
    const batch = [];
    for (const [id, { card, createdAt }] of this.#queued) {
      this.#queued.delete(id);
      const el = this.#kept.get(id) ?? createCard(card, createdAt);
      this.#place(id, el);
      batch.push(el);
      if (performance.now() >= until) break;
    }
    addCards(this.#list, batch);
    this.#updateCount();
    if (this.#queued.size > 0) afterNextFrame(() => this.#drain(generation));
    else this.#kept = /* @__PURE__ */ new Map();
  }
  #place(id, el) {
    this.#cards.set(id, el);
    el.hidden = !cardShown(el, this.#filter);
    const limits = this.#ctx.limits();
    showAge(el, this.#ctx.now(), limits.slaMinutes);
    this.#showClaim(id);
  }
  /**
   * Adds a pending card (a `pending` or `reopened` event) in its place by age,
   * with the other cards that arrive in the same frame.
   * @param card the card
   */
  add(card) {
    const id = card.response_id;
    if (this.#cards.has(id) || this.#queued.has(id)) return;
    if (this.#incoming.some((q) => q.card.response_id === id)) return;
    this.#incoming.push({
      card,
      createdAt: createdAtOf(void 0, card.html)
    });
    this.#frame ||= requestAnimationFrame(() => this.#flush());
  }
  #flush() {
    this.#frame = 0;
    if (this.#incoming.length === 0) return;
    const until = performance.now() + CHUNK_BUDGET_MS;
    let taken = 0;
    keepAnchor(this.#list, () => {
      for (const q of this.#incoming) {
        taken++;
        const id = q.card.response_id;
        if (this.#cards.has(id) || this.#queued.has(id)) continue;
        if (this.#queued.size > 0 && this.#order === "oldest") {
          this.#queued.set(id, q);
          continue;
        }
        const el = createCard(q.card, q.createdAt);
        this.#place(id, el);
        insertByAge(this.#list, el, this.#order);
        if (performance.now() >= until) break;
      }
    });
    this.#incoming = this.#incoming.slice(taken);
    if (this.#incoming.length > 0) this.#frame = requestAnimationFrame(() => this.#flush());
    this.#updateCount();
  }
  /**
   * Removes a decided card. When it had the focus, the next card takes both
   * the focus and the decided card's place on screen: the page does not scroll.
   * @param event the `approved` or `rejected` event
   */
  decided(event) {
    const id = event.response_id;
    this.#queued.delete(id);
    this.#incoming = this.#incoming.filter((q) => q.card.response_id !== id);
    this.#claims.set(id, null);
    this.#editing.ended(id);
    const el = this.#cards.get(id);
    this.#cards.delete(id);
    if (el) {
      if (el.contains(document.activeElement)) removeFocused(this.#list, el);
      else keepAnchor(this.#list, () => removeCard(el));
    }
    this.#updateCount();
  }
  /**
   * Switches the order of the cards, keeping the focused one in view.
   * @param order oldest first or newest first
   */
  setOrder(order) {
    if (order === this.#order) return;
    this.#order = order;
    this.#flushQueued();
    reverseCards(this.#list);
    const focused = document.activeElement?.closest("[data-response-id]");
    if (focused && this.#list.contains(focused)) focused.scrollIntoView({
      block: "nearest"
    });
    else scrollTo({
      top: 0,
      behavior: "instant"
    });
  }
  #flushQueued() {
    ++this.#generation;
    const batch = [];
    for (const [id, { card, createdAt }] of this.#queued) {
      const el = this.#kept.get(id) ?? createCard(card, createdAt);
      this.#place(id, el);
      batch.push(el);
    }
    this.#queued.clear();
    this.#kept = /* @__PURE__ */ new Map();
    addCards(this.#list, batch);
  }
  /**
   * A `claimed` event: someone holds the card now (or renewed).
   * @param id the response id
   * @param claim who and until when
   */
  claimed(id, claim) {
    this.#claims.set(id, claim);
    const el = this.#cards.get(id);
    if (el && claim.by !== this.#ctx.me()) {
      this.#editing.lost(el, `${claim.by} took over this card. Your text is kept.`, true);
    }
    this.#showClaim(id);
  }
  /**
   * A `released` event: the card is free.
   * @param id the response id
   * @param by who released it
   */
  released(id, by) {
    this.#claims.set(id, null);
    const el = this.#cards.get(id);
    if (el && by !== this.#ctx.me()) this.#editing.lost(el, `${by} released your claim.`);
    this.#showClaim(id);
  }
  /** Redraws the claims' time left and frees the cards whose claim lapsed. */
  tick() {
    const now = this.#ctx.now();
    for (const id of this.#claims.ids()) this.#showClaim(id, now);
    for (const id of this.#claims.expire(now)) this.#showClaim(id, now);
  }
  /** Redraws every card's age and overdue mark. */
  tickAges() {
    const now = this.#ctx.now();
    const sla = this.#ctx.limits().slaMinutes;
    for (const el of this.#cards.values()) showAge(el, now, sla);
  }
  /**
   * Shows only the cards that pass a filter.
   * @param filter the platform and words
   */
  setFilter(filter) {
    this.#filter = filter;
    keepAnchor(this.#list, () => {
      for (const el of this.#cards.values()) el.hidden = !cardShown(el, this.#filter);
    });
    this.#updateCount();
  }
  #showClaim(id, now = this.#ctx.now()) {
    const el = this.#cards.get(id);
    if (!el) return;
    const view = claimView(this.#claims.get(id), now, this.#ctx.me(), this.#editing.has(id));
    setCardClaim(el, view, this.#ctx.isAdmin());
  }
  #updateCount() {
    const count = this.size;
    let shown2 = this.#queued.size;
    if (this.#filter === SHOW_ALL) shown2 += this.#cards.size;
    else for (const el of this.#cards.values()) if (!el.hidden) shown2++;
    if (this.#countEl.textContent !== String(count)) this.#countEl.textContent = String(count);
    this.#counted(count, shown2);
  }
  /**
   * Does a card's action, as a click or a key on the card does (`CardActions.act`).
   * @param el the card
   * @param action what to do
   * @param fromKey a key decided it: the next card takes its place at once
   */
  act(el, action, fromKey = false) {
    this.#actions.act(el, action, fromKey);
  }
};

// web/page/board_state.ts
function boardState(f) {
  const c = f.connection;
  if (c === null) {
    return {
      kind: "no-token",
      text: "No operator token: open the link you were given."
    };
  }
  switch (c.kind) {
    case "closed":
      if (c.reason.kind === "unauthorized") {
        return {
          kind: "refused",
          text: "The server refused your token (expired or invalid). Open a new operator link."
        };
      }
      return {
        kind: "offline",
        text: "Offline. Reload the page to connect again."
      };
    case "connecting":
    case "reconnecting":
      if (f.ready === false) {
        return {
          kind: "not-ready",
          text: "The server is not ready (its database does not answer). Trying again\u2026"
        };
      }
      if (c.kind === "connecting" && !f.snapshotSeen) {
        return {
          kind: "loading",
          text: "Loading the pending replies\u2026"
        };
      }
      return {
        kind: "offline",
        text: f.snapshotSeen ? "Offline \u2014 reconnecting. The cards shown may be out of date." : "Offline \u2014 reconnecting\u2026"
      };
    case "connected":
      if (!f.snapshotSeen) return {
        kind: "loading",
        text: "Loading the pending replies\u2026"
      };
      if (f.pending === 0) return {
        kind: "empty",
        text: "Nothing to review."
      };
      return {
        kind: "cards",
        text: ""
      };
    default: {
      const unknown = c;
      return unknown;
    }
  }
}
function renderBoardState(line, empty, view) {
  if (line.dataset.boardState !== view.kind) line.dataset.boardState = view.kind;
  const lineText = view.kind === "empty" || view.kind === "cards" ? "" : view.text;
  if (line.textContent !== lineText) line.textContent = lineText;
  line.hidden = lineText === "";
  const isEmpty = view.kind === "empty";
  empty.hidden = !isEmpty;
  if (isEmpty) empty.setAttribute("data-empty", "");
  else empty.removeAttribute("data-empty");
}

// web/page/history.ts
var HISTORY_PAGE_SIZE = 25;
function historyQuery(filter, cursor) {
  const by = filter.by.trim();
  const q = filter.q.trim();
  const platform = filter.platform.trim();
  const from = dayStart(filter.from ?? "", 0);
  const to = dayStart(filter.to ?? "", 1);
  const publication = (filter.publication ?? "").trim();
  return {
    ...filter.status === "" ? {} : {
      status: filter.status
    },
    ...platform === "" ? {} : {
      platform
    },
    ...by === "" ? {} : {
      by
    },
    ...q === "" ? {} : {
      q
    },
    ...from === null ? {} : {
      from
    },
    ...to === null ? {} : {
      to
    },
    ...publication === "" ? {} : {
      publication
    },
    limit: HISTORY_PAGE_SIZE,
    ...cursor === null ? {} : {
      cursor
    }
  };
}
function dayStart(day, plusDays) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day.trim());
  if (!m) return null;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + plusDays);
  return Number.isFinite(d.getTime()) ? d.toISOString() : null;
}
function formatWhen(iso) {
  if (!iso) return "";
  const normalized = /^\d{4}-\d\d-\d\d \d/.test(iso) ? `${iso.replace(" ", "T")}Z` : iso;
  const ms = Date.parse(normalized);
  if (!Number.isFinite(ms)) return iso;
  const d = new Date(ms);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
function decisionLine(item) {
  const verb = item.status === "approved" ? "Approved" : item.status === "rejected" ? "Rejected" : item.status;
  const by = item.decided_by ? ` by ${item.decided_by}` : "";
  const when = formatWhen(item.decided_at);
  return `${verb}${by}${when ? ` \xB7 ${when}` : ""}`;
}
function safeHref(url) {
  try {
    const parsed = new URL(url);
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
  } catch {
    return null;
  }
}

// web/page/history_view.ts
var HistoryView = class {
  #els;
  #source;
  #filter = null;
  #cursor = null;
  /** Bumped by each new search, so a slow older answer never lands on a newer one. */
  #generation = 0;
  /**
   * @param els the form, list, status line and "older" button
   * @param source where pages come from
   */
  constructor(els, source) {
    this.#els = els;
    this.#source = source;
    els.form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      void this.search();
    });
    els.form.addEventListener("change", (ev) => {
      if (ev.target.tagName === "SELECT") void this.search();
    });
    els.more.addEventListener("click", () => void this.#load(false));
  }
  /** Whether a first page was asked for. */
  get loaded() {
    return this.#filter !== null;
  }
  /** Starts over with the form's fields. */
  search() {
    this.#filter = readFilter(this.#els.form);
    this.#cursor = null;
    return this.#load(true);
  }
  async #load(first) {
    const filter = this.#filter;
    if (!filter) return;
    const generation = first ? ++this.#generation : this.#generation;
    const els = this.#els;
    els.more.disabled = true;
    els.status.textContent = "Loading\u2026";
    els.list.setAttribute("aria-busy", "true");
    let page;
    try {
      page = await this.#source(historyQuery(filter, first ? null : this.#cursor));
    } catch (error) {
      if (generation !== this.#generation) return;
      els.status.textContent = `History unavailable: ${error instanceof Error ? error.message : String(error)}`;
      els.list.setAttribute("aria-busy", "false");
      els.more.disabled = false;
      return;
    }
    if (generation !== this.#generation) return;
    const rows = page.items.map(historyRow);
    if (first) els.list.replaceChildren(...rows);
    else els.list.append(...rows);
    this.#cursor = page.next_cursor;
    els.more.hidden = page.next_cursor === null;
    els.more.disabled = false;
    els.list.setAttribute("aria-busy", "false");
    const count = els.list.childElementCount;
    els.status.textContent = count === 0 ? "No decision matches." : `${count} decision${count === 1 ? "" : "s"}${page.next_cursor ? ", more below" : ""}`;
  }
};
function readFilter(form) {
  const data = new FormData(form);
  const text = (name) => String(data.get(name) ?? "");
  const status = text("status");
  return {
    status: status === "approved" || status === "rejected" ? status : "",
    platform: text("platform"),
    by: text("by"),
    q: text("q"),
    from: text("from"),
    to: text("to"),
    publication: text("publication")
  };
}
function publicationLine(item) {
  const pub = item.publication;
  if (!pub) return "";
  const attempts = pub.attempts > 0 ? ` \xB7 ${pub.attempts} attempt${pub.attempts === 1 ? "" : "s"}` : "";
  const href = pub.url ? safeHref(pub.url) : null;
  return h("p", {
    class: "history-publication",
    "data-publication-state": pub.state
  }, `Publication: ${pub.state}${attempts}`, pub.published_at ? ` \xB7 ${formatWhen(pub.published_at)}` : "", pub.last_error ? ` \xB7 last error: ${pub.last_error}` : "", ...href ? [
    " \xB7 ",
    h("a", {
      class: "history-published-link",
      href,
      target: "_blank",
      rel: "noopener noreferrer"
    }, "the published reply")
  ] : []);
}
function historyRow(item) {
  const href = safeHref(item.post_url);
  const link = href ? h("a", {
    class: "card-link",
    href,
    target: "_blank",
    rel: "noopener noreferrer"
  }, href) : h("span", {
    class: "card-link card-link--inactive"
  }, item.post_url);
  const approved = item.status === "approved";
  return h("li", {
    class: `history-item history-item--${approved ? "approved" : "rejected"}`,
    "data-history-id": String(item.response_id),
    "data-status": item.status,
    "data-decided-by": item.decided_by ?? ""
  }, h("div", {
    class: "card-meta"
  }, h("span", {
    class: "history-id"
  }, `#${item.response_id}`), h("span", {
    class: "card-platform"
  }, item.platform), h("span", {
    class: "history-decision"
  }, decisionLine(item))), link, item.post_text ? h("blockquote", {
    class: "card-post"
  }, h("p", {
    class: "card-post-text"
  }, item.post_text)) : h("p", {
    class: "card-post card-post--empty"
  }, "No post text."), h("p", {
    class: "card-author"
  }, item.author ? `Author: ${item.author}` : "Author unknown"), replyBlock(item, approved), item.reason ? h("p", {
    class: "history-reason"
  }, `Reason: ${item.reason}`) : "", publicationLine(item));
}
function replyBlock(item, approved) {
  const original = item.original_text ?? null;
  if (original === null || original === item.response_text) {
    return h("section", {
      class: approved ? "card-reply" : "card-reply card-reply--rejected"
    }, h("h3", {
      class: "card-reply-label"
    }, approved ? "Approved reply" : "Proposed reply"), h("p", {
      class: "card-reply-text history-text"
    }, item.response_text));
  }
  return h("div", {
    class: "history-compare",
    "data-edited": "true"
  }, h("section", {
    class: "card-reply card-reply--original"
  }, h("h3", {
    class: "card-reply-label"
  }, "Proposed"), h("p", {
    class: "history-text history-original"
  }, original)), h("section", {
    class: "card-reply"
  }, h("h3", {
    class: "card-reply-label"
  }, approved ? "Approved, as edited" : "Edited"), h("p", {
    class: "card-reply-text history-text history-edited"
  }, item.response_text)));
}

// web/page/hub.ts
function boardClient(client) {
  return {
    get state() {
      return client.state;
    },
    approve: (id, text) => client.approve(id, text),
    reject: (id, reason) => client.reject(id, reason),
    async claim(id) {
      const ack = await client.claim(id);
      const claim = parseClaim(ack.claimed_by, ack.claim_until);
      if (!claim) throw new Error("the server's answer to CLAIM names no claim");
      return claim;
    },
    release: (id) => client.release(id),
    releaseAny: (id) => client.release(id)
  };
}
function recentClient(client) {
  return {
    undo: (id) => client.undo(id),
    retry: (id) => client.retry(id)
  };
}
function historySource(origin, token) {
  const history2 = new HistoryClient(origin, {
    token
  });
  return (query) => history2.page(query);
}

// web/page/indicator.ts
function indicatorView(status, now) {
  switch (status.kind) {
    case "connecting":
      return {
        state: "reconnecting",
        text: "Connecting\u2026"
      };
    case "connected":
      return {
        state: "connected",
        text: `Connected as ${status.user}`
      };
    case "reconnecting": {
      if (status.retryAt === null) {
        return {
          state: "reconnecting",
          text: "Reconnecting \u2014 trying now\u2026"
        };
      }
      const seconds = Math.max(0, Math.ceil((status.retryAt - now) / 1e3));
      return {
        state: "reconnecting",
        text: `Reconnecting \u2014 next try in ${seconds} s`
      };
    }
    case "closed":
      return {
        state: "offline",
        text: offlineText(status.reason)
      };
    default: {
      const unknown = status;
      return unknown;
    }
  }
}
function offlineText(reason) {
  switch (reason.kind) {
    case "unauthorized":
      return reason.revoked ? "Offline \u2014 your access was revoked" : "Offline \u2014 the token was refused";
    case "server":
      return "Offline \u2014 the server ended the session";
    case "protocol":
      return `Offline \u2014 the server refused this page (${reason.code})`;
    case "client":
      return "Offline";
    default: {
      const unknown = reason;
      return unknown;
    }
  }
}
function renderIndicator(el, view) {
  if (el.dataset.connectionState !== view.state) el.dataset.connectionState = view.state;
  const text = el.querySelector(".connection-text") ?? el;
  if (text.textContent !== view.text) text.textContent = view.text;
}

// web/page/keyboard.ts
var KEYS = [
  [
    "j / \u2193",
    "next card"
  ],
  [
    "k / \u2191",
    "previous card"
  ],
  [
    "a",
    "approve the focused card (saves an edited reply)"
  ],
  [
    "r",
    "reject the focused card (with the reason typed)"
  ],
  [
    "e",
    "edit the reply (claims the card for you)"
  ],
  [
    "Esc",
    "in the editor: cancel editing and release the card"
  ],
  [
    "Ctrl+Enter",
    "in the editor: save and approve"
  ],
  [
    "/",
    "search"
  ],
  [
    "?",
    "this list"
  ]
];
var CARD_KEYS = {
  a: "approve",
  r: "reject",
  e: "edit"
};
function isTyping(target) {
  const el = target;
  return !!el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);
}
function shown(el, back) {
  let at = el;
  while (at?.hidden) at = stepCard(at, back);
  return at;
}
function installKeys(targets) {
  const { list } = targets;
  document.addEventListener("keydown", (ev) => {
    if (ev.altKey || ev.ctrlKey || ev.metaKey || ev.defaultPrevented || isTyping(ev.target)) {
      return;
    }
    if (ev.key === "?") {
      ev.preventDefault();
      return targets.help();
    }
    if (ev.key === "/") {
      ev.preventDefault();
      return targets.search();
    }
    if (!targets.boardShown()) return;
    const target = ev.target instanceof HTMLElement ? ev.target : null;
    const onCard = target?.matches("[data-response-id]") ?? false;
    const current = target?.closest("[data-response-id]") ?? null;
    const action = CARD_KEYS[ev.key];
    if (action) {
      if (!current) return;
      ev.preventDefault();
      if (!onScreen(current)) return current.scrollIntoView({
        block: "nearest"
      });
      return targets.act(current, action);
    }
    let next;
    if (ev.key === "j" || onCard && ev.key === "ArrowDown") {
      next = current ? shown(stepCard(current), false) : shown(endCard(list), false);
    } else if (ev.key === "k" || onCard && ev.key === "ArrowUp") {
      next = current ? shown(stepCard(current, true), true) : shown(endCard(list), false);
    } else if (ev.key === "Home" && onCard) {
      next = shown(endCard(list), false);
    } else {
      return;
    }
    if (next) {
      ev.preventDefault();
      next.focus({
        preventScroll: true
      });
      next.scrollIntoView({
        block: "nearest"
      });
    }
  });
}

// web/page/notify.ts
var NOTIFY_KEY = "review-hub.notify";
function shouldNotify(optedIn, permission, hidden) {
  return optedIn && permission === "granted" && hidden;
}
var Notifier = class {
  #env;
  /** @param env the browser's notification API, visibility and storage */
  constructor(env) {
    this.#env = env;
  }
  /** Whether notifications are on (asked for, and allowed). */
  get enabled() {
    return this.#env.storage.getItem(NOTIFY_KEY) === "on" && this.#env.permission() === "granted";
  }
  /** Whether this browser can notify at all. */
  get supported() {
    return this.#env.permission() !== "unsupported";
  }
  /**
   * Turns notifications on (asking the browser) or off.
   * @param on the wish
   * @returns whether they are on now
   */
  async set(on) {
    if (!on) {
      this.#env.storage.removeItem(NOTIFY_KEY);
      return false;
    }
    const permission = this.#env.permission() === "granted" ? "granted" : await this.#env.request();
    if (permission !== "granted") return false;
    this.#env.storage.setItem(NOTIFY_KEY, "on");
    return true;
  }
  /**
   * A reply arrived: notify if it is due.
   * @param id the response id
   * @param platform its platform
   * @param postUrl its post
   */
  arrived(id, platform, postUrl) {
    const optedIn = this.#env.storage.getItem(NOTIFY_KEY) === "on";
    if (!optedIn || !this.#env.hidden()) return;
    if (!shouldNotify(optedIn, this.#env.permission(), true)) return;
    this.#env.show(`New reply to review (#${id})`, `${platform}: ${postUrl}`, `reply-${id}`);
  }
};
function browserNotifyEnv() {
  const api = typeof Notification === "function" ? Notification : null;
  return {
    permission: () => api?.permission ?? "unsupported",
    request: () => api ? api.requestPermission() : Promise.resolve("denied"),
    show(title, body, tag) {
      if (!api) return;
      const n = new api(title, {
        body,
        tag
      });
      n.onclick = () => {
        globalThis.focus();
        n.close();
      };
    },
    hidden: () => document.visibilityState === "hidden",
    storage: localStorage
  };
}

// web/page/presence.ts
function presenceChips(operators, me) {
  const chips = [];
  for (const entry of operators) {
    const e = entry;
    if (!e || typeof e.user !== "string") continue;
    const connections = Number.isSafeInteger(e.connections) && e.connections > 0 ? e.connections : 1;
    const mine = e.user === me;
    const name = mine ? `${e.user} (you)` : e.user;
    chips.push({
      user: e.user,
      connections,
      me: mine,
      label: connections > 1 ? `${name} \xD7${connections}` : name
    });
  }
  return chips.sort((a, b) => Number(b.me) - Number(a.me) || a.user.localeCompare(b.user));
}
function renderPresence(el, summary, chips, total = chips.length) {
  const present = Math.max(total, chips.length);
  const more = present - chips.length;
  el.replaceChildren(...chips.map((chip) => h("li", {
    class: chip.me ? "presence-chip presence-chip--me" : "presence-chip",
    "data-presence-user": chip.user,
    "data-connections": String(chip.connections),
    title: `${chip.connections} connection${chip.connections === 1 ? "" : "s"}`
  }, chip.label)), ...more > 0 ? [
    h("li", {
      class: "presence-chip presence-more"
    }, `+${more} more`)
  ] : []);
  summary.textContent = present === 1 ? "1 online" : `${present} online`;
}

// web/page/publication.ts
var str = (v) => typeof v === "string" && v !== "" ? v : null;
var num = (v) => typeof v === "number" && Number.isFinite(v) ? v : 0;
var time = (v) => {
  const ms = typeof v === "string" ? Date.parse(v) : NaN;
  return Number.isFinite(ms) ? ms : null;
};
function fresh(id, decision, by) {
  return {
    id,
    decision,
    by,
    undoUntil: null,
    state: decision === "rejected" ? "rejected" : "held",
    attempt: 0,
    module: null,
    url: null,
    lastError: null,
    reason: null,
    dueAt: null,
    maybeApplied: false
  };
}
var NONE = {
  kind: "none"
};
function applyEvent(entry, e) {
  const id = e.response_id;
  switch (e.event) {
    case "approved":
    case "rejected": {
      const undoUntil = time(e.undo_until);
      const at = time(e.at);
      const base = fresh(id, e.event, str(e.by) ?? "");
      const open = undoUntil !== null && (at === null || undoUntil > at);
      const state = e.event === "rejected" ? "rejected" : open ? "held" : "queued";
      return {
        kind: "set",
        entry: {
          ...base,
          undoUntil: open ? undoUntil : null,
          state,
          reason: str(e.reason)
        }
      };
    }
    case "reopened":
      return entry ? {
        kind: "remove"
      } : NONE;
    case "queued": {
      const base = entry ?? fresh(id, "approved", "");
      return {
        kind: "set",
        entry: {
          ...base,
          state: "queued",
          undoUntil: null,
          attempt: num(e.attempt),
          module: null,
          dueAt: time(e.due_at),
          maybeApplied: e.maybe_applied === true
        }
      };
    }
    case "publishing": {
      const base = entry ?? fresh(id, "approved", "");
      return {
        kind: "set",
        entry: {
          ...base,
          state: "publishing",
          undoUntil: null,
          attempt: num(e.attempt),
          module: str(e.by),
          dueAt: null
        }
      };
    }
    case "published": {
      const base = entry ?? fresh(id, "approved", "");
      return {
        kind: "set",
        entry: {
          ...base,
          state: "published",
          undoUntil: null,
          attempt: num(e.attempt),
          module: str(e.by),
          url: str(e.url),
          dueAt: null
        }
      };
    }
    case "publish_failed": {
      const base = entry ?? fresh(id, "approved", "");
      const final = e.final === true;
      return {
        kind: "set",
        entry: {
          ...base,
          state: final ? "failed" : "queued",
          undoUntil: null,
          attempt: num(e.attempt),
          lastError: str(e.reason),
          module: null,
          dueAt: final ? null : time(e.due_at)
        }
      };
    }
    default:
      return NONE;
  }
}
function entryFromInFlight(item) {
  const i = item ?? {};
  const id = i.response_id;
  if (typeof id !== "number") return null;
  const decision = i.status === "rejected" ? "rejected" : "approved";
  const pub = i.publication ?? null;
  const undoUntil = time(i.undo_until);
  const known = [
    "queued",
    "publishing",
    "published",
    "failed",
    "held"
  ];
  const pubState = pub && typeof pub.state === "string" && known.includes(pub.state) ? pub.state : null;
  return {
    ...fresh(id, decision, str(i.decided_by) ?? ""),
    undoUntil,
    state: decision === "rejected" ? "rejected" : pubState ?? "held",
    attempt: pub ? num(pub.attempts) : 0,
    url: pub ? str(pub.url) : null,
    lastError: pub ? str(pub.last_error) : null
  };
}
function undoable(entry, now) {
  return entry.undoUntil !== null && entry.undoUntil > now && (entry.state === "held" || entry.state === "rejected");
}
function entryText(entry, me) {
  const who = entry.by === "" ? "" : entry.by === me ? "You " : `${entry.by} `;
  const verb = entry.decision === "approved" ? "approved" : "rejected";
  const head = who === "" ? `#${entry.id} ${verb}` : `${who}${verb} #${entry.id}`;
  const attempt = entry.attempt > 0 ? ` (attempt ${entry.attempt})` : "";
  switch (entry.state) {
    case "held":
      return `${head} \u2014 held for undo`;
    case "rejected":
      return entry.reason ? `${head} \u2014 ${entry.reason}` : head;
    case "queued":
      return `${head} \u2014 queued${attempt}${entry.lastError ? `; last try failed: ${entry.lastError}` : ""}`;
    case "publishing":
      return `${head} \u2014 publishing${entry.module ? ` by ${entry.module}` : ""}${attempt}`;
    case "published":
      return `${head} \u2014 published`;
    case "failed":
      return `${head} \u2014 publication failed${attempt}: ${entry.lastError ?? "no reason given"}`;
    default: {
      const unknown = entry.state;
      return unknown;
    }
  }
}

// web/page/recent.ts
var RECENT_LIMIT = 50;
var FINISHED = /* @__PURE__ */ new Set([
  "published",
  "rejected"
]);
var RecentDecisions = class {
  #list;
  #client;
  #ctx;
  #entries = /* @__PURE__ */ new Map();
  #els = /* @__PURE__ */ new Map();
  /**
   * @param list the `<ol>` to fill, newest first
   * @param client undo and retry
   * @param ctx who and when
   */
  constructor(list, client, ctx) {
    this.#list = list;
    this.#client = client;
    this.#ctx = ctx;
    list.addEventListener("click", (ev) => this.#onClick(ev));
  }
  /**
   * Starts over from a `SNAPSHOT.in_flight` (oldest decision first).
   * @param inFlight the items (absent from a v1.1 server)
   */
  replace(inFlight) {
    const keep = new Map(this.#entries);
    this.#entries.clear();
    this.#els.clear();
    this.#list.replaceChildren();
    const items = Array.isArray(inFlight) ? inFlight : [];
    for (const item of items) {
      const entry = entryFromInFlight(item);
      if (entry) this.#set(entry);
    }
    for (const [id, entry] of keep) {
      if (!this.#entries.has(id) && FINISHED.has(entry.state)) this.#set(entry, false);
    }
  }
  /**
   * Applies an event.
   * @param event any `EVENT`
   */
  event(event) {
    const outcome = applyEvent(this.#entries.get(event.response_id), event);
    if (outcome.kind === "set") this.#set(outcome.entry);
    else if (outcome.kind === "remove") this.#remove(event.response_id);
  }
  /** Redraws the countdowns and drops the Undo controls whose window closed. */
  tick() {
    const now = this.#ctx.now();
    for (const [id, entry] of this.#entries) {
      if (entry.undoUntil === null) continue;
      const el = this.#els.get(id);
      if (el) this.#draw(el, entry, now);
      if (entry.undoUntil <= now) this.#entries.set(id, {
        ...entry,
        undoUntil: null
      });
    }
  }
  #set(entry, top = true) {
    const had = this.#els.get(entry.id);
    this.#entries.set(entry.id, entry);
    const el = had ?? h("li", {
      class: "decision",
      "data-decided-id": String(entry.id)
    });
    this.#els.set(entry.id, el);
    this.#draw(el, entry, this.#ctx.now());
    if (!had) {
      if (top) this.#list.prepend(el);
      else this.#list.append(el);
      this.#trim();
    }
  }
  #remove(id) {
    this.#entries.delete(id);
    this.#els.get(id)?.remove();
    this.#els.delete(id);
  }
  #trim() {
    if (this.#entries.size <= RECENT_LIMIT) return;
    for (const [id, entry] of this.#entries) {
      if (this.#entries.size <= RECENT_LIMIT) return;
      if (FINISHED.has(entry.state)) this.#remove(id);
    }
    for (const id of this.#entries.keys()) {
      if (this.#entries.size <= RECENT_LIMIT) return;
      this.#remove(id);
    }
  }
  #draw(el, entry, now) {
    const me = this.#ctx.me();
    el.className = `decision decision--${entry.decision} decision--${entry.state}`;
    el.dataset.publicationState = entry.state;
    el.dataset.decidedBy = entry.by;
    const parts = [
      h("span", {
        class: "decision-text"
      }, entryText(entry, me))
    ];
    const href = entry.url ? safeHref(entry.url) : null;
    if (entry.state === "published" && href) {
      parts.push(" ", h("a", {
        class: "decision-link",
        href,
        target: "_blank",
        rel: "noopener noreferrer"
      }, "View the reply"));
    }
    const mayUndo = undoable(entry, now) && (entry.by === me || this.#ctx.isAdmin());
    if (mayUndo) {
      parts.push(" ", h("button", {
        type: "button",
        class: "btn btn-small btn-undo",
        "data-action": "undo"
      }, "Undo"), " ", h("span", {
        class: "decision-countdown",
        role: "timer"
      }, formatLeft(entry.undoUntil - now)));
    }
    if (entry.state === "failed" && this.#ctx.isAdmin()) {
      parts.push(" ", h("button", {
        type: "button",
        class: "btn btn-small btn-retry",
        "data-action": "retry"
      }, "Retry"));
    }
    const status = el.querySelector(".decision-status");
    parts.push(status ?? h("span", {
      class: "decision-status",
      role: "status"
    }));
    const key = JSON.stringify([
      entry,
      mayUndo,
      mayUndo ? formatLeft(entry.undoUntil - now) : ""
    ]);
    if (el.dataset.drawn === key) return;
    el.dataset.drawn = key;
    el.replaceChildren(...parts);
  }
  #onClick(ev) {
    const button = ev.target.closest("[data-action]");
    const el = button?.closest("[data-decided-id]");
    if (!button || !el) return;
    const id = Number(el.dataset.decidedId);
    const action = button.dataset.action;
    const status = el.querySelector(".decision-status");
    const send = action === "undo" ? () => this.#client.undo(id) : action === "retry" ? () => this.#client.retry(id) : null;
    if (!send) return;
    button.disabled = true;
    if (status) status.textContent = action === "undo" ? " Undoing\u2026" : " Retrying\u2026";
    send().then(() => {
      if (status) status.textContent = "";
    }, (error) => {
      button.disabled = false;
      if (status) {
        status.textContent = ` ${action === "undo" ? "Not undone" : "Not retried"}: ${describeError(error)}`;
      }
    });
  }
};

// web/page/token.ts
var TOKEN_KEY = "review-hub.token";
function takeToken(env) {
  const params = new URLSearchParams(env.location.hash.replace(/^#/, ""));
  const fromHash = params.get("token");
  if (params.has("token")) {
    env.history.replaceState(null, "", env.location.pathname + env.location.search);
  }
  if (fromHash) {
    env.storage.setItem(TOKEN_KEY, fromHash);
    return fromHash;
  }
  return env.storage.getItem(TOKEN_KEY);
}
function forgetToken(env) {
  env.storage.removeItem(TOKEN_KEY);
}

// web/page/views.ts
var Views = class {
  #current = "board";
  #shown;
  /** @param shown called after a view is shown (e.g. to load the History the first time) */
  constructor(shown2) {
    this.#shown = shown2;
    for (const view of [
      "board",
      "history"
    ]) {
      byId(`tab-${view}`).addEventListener("click", () => this.show(view));
    }
  }
  /** The view on screen. */
  get current() {
    return this.#current;
  }
  /**
   * Shows a view and hides the other.
   * @param view the view
   */
  show(view) {
    this.#current = view;
    byId("board-view").hidden = view !== "board";
    byId("history-view").hidden = view !== "history";
    for (const name of [
      "board",
      "history"
    ]) {
      byId(`tab-${name}`).setAttribute("aria-pressed", String(name === view));
    }
    this.#shown(view);
  }
};
function installHelp() {
  const dialog = byId("help");
  byId("help-keys").replaceChildren(...KEYS.flatMap(([key, what]) => [
    h("dt", {}, h("kbd", {}, key)),
    h("dd", {}, what)
  ]));
  const open = () => {
    if (!dialog.open) dialog.showModal();
  };
  byId("help-open").addEventListener("click", open);
  byId("help-close").addEventListener("click", () => dialog.close());
  return open;
}

// web/page/socket_worker.ts
var LARGE_CHARS = 64 * 1024;
var SLICE_CHARS = 64 * 1024;
function roughSize(item) {
  if (typeof item !== "object" || item === null) return 16;
  let size = 64;
  for (const value of Object.values(item)) if (typeof value === "string") size += value.length;
  return size;
}
function splitMessage(text, receivedAt) {
  if (text.length < LARGE_CHARS) return [
    {
      t: "text",
      data: text
    }
  ];
  let frame;
  try {
    frame = JSON.parse(text);
  } catch {
    return [
      {
        t: "text",
        data: text
      }
    ];
  }
  if (typeof frame !== "object" || frame === null || Array.isArray(frame)) {
    return [
      {
        t: "text",
        data: text
      }
    ];
  }
  const record = frame;
  const items = Array.isArray(record.items) ? record.items : null;
  if (!items) return [
    {
      t: "head",
      frame: record,
      count: 0,
      receivedAt
    }
  ];
  const out = [
    {
      t: "head",
      frame: {
        ...record,
        items: []
      },
      count: items.length,
      receivedAt
    }
  ];
  let slice = [];
  let size = 0;
  for (const item of items) {
    slice.push(item);
    size += roughSize(item);
    if (size >= SLICE_CHARS) {
      out.push({
        t: "items",
        items: slice
      });
      slice = [];
      size = 0;
    }
  }
  if (slice.length > 0) out.push({
    t: "items",
    items: slice
  });
  return out;
}
function serveSocket(scope, Socket = WebSocket) {
  let ws = null;
  const closed = (code, reason) => {
    scope.postMessage({
      t: "close",
      code,
      reason
    });
    scope.close();
  };
  scope.onmessage = ({ data }) => {
    switch (data.t) {
      case "open":
        try {
          ws = new Socket(data.url);
        } catch (error) {
          return closed(1006, `cannot open: ${error}`);
        }
        ws.onopen = () => scope.postMessage({
          t: "open"
        });
        ws.onmessage = (ev) => {
          if (typeof ev.data !== "string") return;
          const at = performance.timeOrigin + performance.now();
          for (const message of splitMessage(ev.data, at)) scope.postMessage(message);
        };
        ws.onclose = (ev) => closed(ev.code, ev.reason);
        return;
      case "send":
        if (ws?.readyState === 1) ws.send(data.data);
        return;
      case "close":
        if (!ws) return closed(data.code ?? 1005, data.reason ?? "");
        try {
          ws.close(data.code, data.reason);
        } catch {
        }
        return;
      default: {
        const unknown = data;
        return void unknown;
      }
    }
  };
}

// web/page/worker_socket.ts
var CONNECTING = 0;
var OPEN2 = 1;
var CLOSING = 2;
var CLOSED = 3;
var workersFailed = false;
var WorkerSocket = class {
  /** Called when the connection opens. */
  onopen = null;
  /** Called for each message (a large one parsed, as `frame`). */
  onmessage = null;
  /** Called once when the connection ends. */
  onclose = null;
  /** Called on an error (a close follows). */
  onerror = null;
  #state = CONNECTING;
  #worker;
  #gathering = null;
  /**
   * Starts the worker and asks it to connect.
   * @param url the WebSocket endpoint
   * @param script the page's bundle, which serves the socket when run as a worker
   */
  constructor(url, script) {
    this.#worker = new Worker(script, {
      type: "module",
      name: "review-socket"
    });
    this.#worker.onmessage = (ev) => this.#received(ev.data);
    this.#worker.onerror = (ev) => {
      ev.preventDefault();
      if (this.#state === CONNECTING) workersFailed = true;
      this.#ended(1006, "the socket worker failed");
    };
    this.#post({
      t: "open",
      url
    });
  }
  /** `0` connecting, `1` open, `2` closing, `3` closed. */
  get readyState() {
    return this.#state;
  }
  /**
   * Sends a text frame.
   * @param data the text
   * @throws {DOMException} while still connecting, as a WebSocket does
   */
  send(data) {
    if (this.#state === CONNECTING) {
      throw new DOMException("still connecting", "InvalidStateError");
    }
    if (this.#state === OPEN2) this.#post({
      t: "send",
      data
    });
  }
  /**
   * Starts the closing handshake.
   * @param code the close code
   * @param reason the reason
   */
  close(code, reason) {
    if (this.#state >= CLOSING) return;
    this.#state = CLOSING;
    this.#post({
      t: "close",
      ...code === void 0 ? {} : {
        code
      },
      ...reason === void 0 ? {} : {
        reason
      }
    });
  }
  #post(message) {
    this.#worker.postMessage(message);
  }
  #received(message) {
    switch (message.t) {
      case "open":
        if (this.#state !== CONNECTING) return;
        this.#state = OPEN2;
        return this.onopen?.({});
      case "text":
        return this.onmessage?.({
          data: message.data
        });
      case "head":
        if (message.count === 0) return this.onmessage?.({
          data: null,
          frame: message.frame
        });
        this.#gathering = {
          frame: message.frame,
          items: [],
          count: message.count
        };
        return;
      case "items": {
        const gathering = this.#gathering;
        if (!gathering) return;
        for (const item of message.items) gathering.items.push(item);
        if (gathering.items.length < gathering.count) return;
        this.#gathering = null;
        return this.onmessage?.({
          data: null,
          frame: {
            ...gathering.frame,
            items: gathering.items
          }
        });
      }
      case "close":
        return this.#ended(message.code, message.reason);
      default: {
        const unknown = message;
        return void unknown;
      }
    }
  }
  #ended(code, reason) {
    if (this.#state === CLOSED) return;
    this.#state = CLOSED;
    this.#gathering = null;
    this.#worker.terminate();
    if (code === 1006) this.onerror?.({});
    this.onclose?.({
      code,
      reason
    });
  }
};
function pageSockets(script) {
  return class PageSocket {
    #inner;
    constructor(url) {
      this.#inner = typeof Worker === "function" && !workersFailed ? new WorkerSocket(url, script) : new WebSocket(url);
    }
    get readyState() {
      return this.#inner.readyState;
    }
    get onopen() {
      return this.#inner.onopen;
    }
    set onopen(fn) {
      this.#inner.onopen = fn;
    }
    get onmessage() {
      return this.#inner.onmessage;
    }
    set onmessage(fn) {
      this.#inner.onmessage = fn;
    }
    get onclose() {
      return this.#inner.onclose;
    }
    set onclose(fn) {
      this.#inner.onclose = fn;
    }
    get onerror() {
      return this.#inner.onerror;
    }
    set onerror(fn) {
      this.#inner.onerror = fn;
    }
    send(data) {
      this.#inner.send(data);
    }
    close(code, reason) {
      this.#inner.close(code, reason);
    }
  };
}

// web/page/main.ts
var CLAIM_TICK_MS = 500;
var AGE_TICK_MS = 15e3;
var READY_POLL_MS = 5e3;
var ORDER_KEY = "review-hub.order";
function showMessage(text) {
  const box = byId("message");
  box.textContent = text;
  box.hidden = false;
}
function installNotifyButton(notifier) {
  const button = byId("notify");
  if (!notifier.supported) return;
  const show = (on) => {
    button.setAttribute("aria-pressed", String(on));
    button.textContent = on ? "Notifying: on" : "Notify me";
  };
  button.hidden = false;
  show(notifier.enabled);
  button.addEventListener("click", async () => show(await notifier.set(!notifier.enabled)));
}
function installFilter(board) {
  const platform = byId("filter-platform");
  const text = byId("filter-text");
  const apply = () => {
    const filter = {
      platform: platform.value,
      text: text.value.trim()
    };
    board.setFilter(filter.platform === "" && filter.text === "" ? SHOW_EVERY : filter);
  };
  const SHOW_EVERY = {
    platform: "",
    text: ""
  };
  byId("board-filter").addEventListener("submit", (ev) => ev.preventDefault());
  platform.addEventListener("change", apply);
  text.addEventListener("input", apply);
}
function installOrder(board) {
  const button = byId("order-toggle");
  const list = byId("cards");
  const show = (order) => {
    button.dataset.order = order;
    button.textContent = order === "oldest" ? "Oldest first" : "Newest first";
    button.setAttribute("aria-label", `Order: ${button.textContent}. Switch the order`);
    list.dataset.order = order;
    list.setAttribute("aria-label", `Pending replies, ${order} first`);
  };
  const saved = sessionStorage.getItem(ORDER_KEY);
  if (saved === "newest") board.setOrder("newest");
  show(board.order);
  button.addEventListener("click", () => {
    const next = board.order === "oldest" ? "newest" : "oldest";
    board.setOrder(next);
    sessionStorage.setItem(ORDER_KEY, next);
    show(next);
  });
}
function start() {
  const indicator = byId("connection");
  const stateLine = byId("board-state");
  const empty = byId("empty");
  const env = {
    location,
    history,
    storage: sessionStorage
  };
  const token = takeToken(env);
  if (!token) {
    renderIndicator(indicator, {
      state: "offline",
      text: "Offline \u2014 no token"
    });
    renderBoardState(stateLine, empty, boardState({
      connection: null,
      snapshotSeen: false,
      pending: 0,
      ready: null
    }));
    showMessage("No operator token. Open the link you were given, ending in #token=\u2026; ask your administrator for a new one if you have none.");
    return;
  }
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const client = connect(`${scheme}//${location.host}/ws`, {
    token,
    WebSocket: pageSockets(import.meta.url)
  });
  let me = null;
  let role = "";
  let limits = DEFAULT_LIMITS;
  let status = client.status;
  let snapshotSeen = false;
  let ready = null;
  let pendingCount = 0;
  const list = byId("cards");
  const shownLine = byId("filter-shown");
  const ctx = {
    me: () => me,
    isAdmin: () => role === "admin",
    now: () => client.serverNow(),
    limits: () => limits
  };
  const showState = () => renderBoardState(stateLine, empty, boardState({
    connection: status,
    snapshotSeen,
    pending: pendingCount,
    ready
  }));
  const board = new Board({
    list,
    count: byId("pending-count")
  }, boardClient(client), ctx, (pending, shown2) => {
    pendingCount = pending;
    const title = titleFor(pending);
    if (document.title !== title) document.title = title;
    const line = shownText(shown2, pending);
    if (shownLine.textContent !== line) shownLine.textContent = line;
    showState();
  });
  const recent = new RecentDecisions(byId("decisions"), recentClient(client), ctx);
  const historyView = new HistoryView({
    form: byId("history-form"),
    list: byId("history-list"),
    status: byId("history-status"),
    more: byId("history-more")
  }, historySource(location.origin, token));
  const views = new Views((view) => {
    byId("view-title").textContent = view === "board" ? "Pending replies" : "History";
    byId("pending-count").hidden = view !== "board";
    if (view === "history" && !historyView.loaded) void historyView.search();
  });
  const notifier = new Notifier(browserNotifyEnv());
  installNotifyButton(notifier);
  installFilter(board);
  installOrder(board);
  const help = installHelp();
  installKeys({
    list,
    act: (el, action) => board.act(el, action, true),
    help,
    boardShown: () => views.current === "board",
    search() {
      const field = views.current === "board" ? "filter-text" : "history-q";
      byId(field).focus();
    }
  });
  client.on("snapshot", (s) => {
    snapshotSeen = true;
    board.replace(s.items);
    recent.replace(s.in_flight);
    showState();
  });
  client.on("pending", (e) => {
    board.add(e);
    notifier.arrived(e.response_id, e.platform, e.post_url);
  });
  const toRecent = (e) => recent.event(e);
  for (const kind of [
    "queued",
    "publishing",
    "published",
    "publish_failed"
  ]) {
    client.on(kind, toRecent);
  }
  client.on("approved", (e) => {
    toRecent(e);
    board.decided(e);
  });
  client.on("rejected", (e) => {
    toRecent(e);
    board.decided(e);
  });
  client.on("reopened", (e) => {
    toRecent(e);
    board.add(e);
  });
  client.on("claimed", (e) => {
    const claim = parseClaim(e.by, e.until);
    if (claim) board.claimed(e.response_id, claim);
  });
  client.on("released", (e) => board.released(e.response_id, e.by));
  client.on("presence", (p) => {
    const chips = presenceChips(p.operators, me);
    renderPresence(byId("presence-list"), byId("presence-count"), chips, p.total ?? chips.length);
  });
  setInterval(() => {
    board.tick();
    recent.tick();
  }, CLAIM_TICK_MS);
  setInterval(() => board.tickAges(), AGE_TICK_MS);
  const askReady = async () => {
    if (status.kind === "connected" || status.kind === "closed") return;
    try {
      const res = await fetch("/readyz", {
        cache: "no-store"
      });
      await res.body?.cancel();
      ready = res.ok;
    } catch {
      ready = null;
    }
    showState();
  };
  setInterval(() => void askReady(), READY_POLL_MS);
  const show = () => renderIndicator(indicator, indicatorView(status, Date.now()));
  client.on("state", (next) => {
    status = next;
    if (next.kind === "connected") {
      me = next.user;
      role = next.role;
      ready = true;
      limits = limitsFromWelcome(client.welcome);
      board.tickAges();
    } else if (next.kind === "reconnecting") void askReady();
    byId("presence").classList.toggle("presence--stale", next.kind !== "connected");
    if (next.kind === "closed" && next.reason.kind === "unauthorized") {
      forgetToken(env);
      showMessage(next.reason.revoked ? "Your access was revoked by an admin. Ask for a new link to continue." : "The server refused your token (expired or invalid). Open a new operator link to continue.");
    }
    show();
    showState();
  });
  setInterval(() => {
    if (status.kind === "reconnecting") show();
  }, 250);
  show();
  showState();
}
if (typeof document === "undefined") serveSocket(globalThis);
else start();
