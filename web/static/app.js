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

// web/sdk/close_policy.ts
var CLIENT_ABANDON_CODE = 4e3;
function closeAction(code) {
  switch (code) {
    case 1e3:
      return "stop";
    case 1003:
    case 1009:
      return "fix";
    case 4001:
      return "refresh_token";
    case 1008:
    case 1011:
    case 4002:
    case 4029:
      return "back_off";
    default:
      return "resume";
  }
}
function nextAttempt(previous, action, welcomed) {
  return welcomed && action === "resume" ? 0 : previous;
}

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

// web/sdk/errors.ts
var ReviewError = class extends Error {
  /** The protocol `ERROR.code`, or `timeout` / `closed`. */
  code;
  /** Whether trying again may succeed. */
  retryable;
  /** Extra fields of the `ERROR` frame (e.g. `status`, `decided_by` for `not_pending`). */
  fields;
  /**
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
var NotPendingError = class extends ReviewError {
  /** Its status now (`approved`, `rejected`, …). */
  status;
  /** Who decided it, when known. */
  decidedBy;
  /**
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
function errorFromFrame(frame) {
  const { type: _t, id: _i, code, message, retryable, ...fields } = frame;
  const text = typeof message === "string" ? message : String(code);
  if (code === "claimed") return new ClaimedError(text, fields);
  if (code === "not_pending") return new NotPendingError(text, fields);
  return new ReviewError(String(code), text, retryable === true, fields);
}

// web/sdk/sequencer.ts
function judgeSeq(last, seq) {
  if (seq <= last) return "duplicate";
  if (seq === last + 1) return "apply";
  return "gap";
}

// web/sdk/feed.ts
var OK = {
  kind: "ok"
};
var unclaimed = (card) => ({
  ...card,
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
  /** The connection dropped: every request will be sent again on the next one. */
  disconnected() {
    for (const entry of this.#entries.values()) this.#clearTimer(entry);
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
var HELLO_ID = "hello";
var ReviewClient = class {
  #url;
  #token;
  #WebSocket;
  #timers;
  #random;
  #backoff;
  #connectTimeoutMs;
  #maxTokenRefusals;
  #emitter = new Emitter();
  #machine = new StateMachine((next) => this.#emitter.emit("state", next));
  #requests;
  #feed;
  #conn = null;
  #attempt = 0;
  #tokenRefusals = 0;
  #retryTimer = null;
  #generation = 0;
  /** Server time minus local time, from the last `HEARTBEAT.ts` (ms). */
  #clockOffset = 0;
  #presence = null;
  /**
   * Starts connecting at once; prefer `connect()`.
   * @param url the WebSocket endpoint, e.g. `ws://127.0.0.1:8765/ws`
   * @param options the token and optional seams
   */
  constructor(url, options) {
    this.#url = url;
    this.#token = options.token;
    this.#WebSocket = resolveWebSocket(options.WebSocket);
    this.#timers = options.timers ?? realTimers;
    this.#random = options.random ?? Math.random;
    this.#backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 1e4;
    this.#maxTokenRefusals = options.maxTokenRefusals ?? 3;
    this.#feed = new Feed(this.#emitter, options.resume ?? null);
    this.#requests = new RequestTable(this.#timers, options.requestTimeoutMs ?? 1e4);
    void this.#open();
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
  /** The last `PRESENCE` received (v1.1), or null before the first. */
  get presence() {
    return this.#presence;
  }
  /**
   * The server's clock as best known: local time corrected by the offset
   * seen in the last `HEARTBEAT` reply (claims lapse by the server's clock).
   * @returns ms since the epoch
   */
  serverNow() {
    return this.#timers.now() + this.#clockOffset;
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
  /** Closes the connection for good; pending requests reject with `closed`. */
  close() {
    const conn = this.#conn;
    this.#finish({
      kind: "client"
    });
    if (conn) {
      this.#detach(conn);
      try {
        conn.ws.close(1e3, "client closed");
      } catch {
      }
    }
  }
  #request(frame) {
    if (!Number.isSafeInteger(frame.response_id) || frame.response_id <= 0) {
      return Promise.reject(new TypeError("responseId must be a positive integer"));
    }
    if (this.state === "closed") {
      return Promise.reject(new ReviewError("closed", "the client is closed", false));
    }
    return this.#requests.add(frame, this.#sender());
  }
  #sender() {
    const conn = this.#conn;
    if (!conn?.welcome) return null;
    return (text) => {
      if (conn.ws.readyState !== OPEN) throw new Error("socket not open");
      conn.ws.send(text);
    };
  }
  async #resolveToken() {
    return typeof this.#token === "function" ? await this.#token() : this.#token;
  }
  async #open() {
    const generation = ++this.#generation;
    let token;
    try {
      token = await this.#resolveToken();
    } catch (error) {
      if (generation === this.#generation && this.state !== "closed") {
        this.#schedule({
          code: CLIENT_ABANDON_CODE,
          reason: `token: ${error}`
        }, "back_off", false);
      }
      return;
    }
    if (generation !== this.#generation || this.state === "closed") return;
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
    ws.onopen = () => {
      const position = this.#feed.position;
      const resume = position ? {
        resume: {
          epoch: position.epoch,
          last_seq: position.seq
        }
      } : {};
      this.#trySend(conn, JSON.stringify({
        type: "CL",
        id: HELLO_ID,
        token,
        ...resume
      }));
    };
    ws.onmessage = (ev) => {
      if (this.#conn === conn) this.#onMessage(conn, ev.data);
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
  #trySend(conn, text) {
    try {
      conn.ws.send(text);
    } catch {
    }
  }
  /** Restarts the watchdog: without a frame within `ms`, the connection is given up. */
  #arm(conn, ms, why) {
    if (conn.watchdog !== null) this.#timers.clearTimeout(conn.watchdog);
    conn.watchdog = this.#timers.setTimeout(() => this.#abandon(conn, why), ms);
  }
  #onMessage(conn, data) {
    if (typeof data !== "string") return;
    let frame;
    try {
      frame = JSON.parse(data);
    } catch {
      return;
    }
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
    this.#tokenRefusals = 0;
    this.#arm(conn, welcome.heartbeat_timeout_ms, "the server went silent");
    conn.heartbeat = this.#timers.setInterval(() => this.#trySend(conn, JSON.stringify({
      type: "HEARTBEAT"
    })), welcome.heartbeat_interval_ms);
    this.#machine.transition({
      kind: "connected",
      clientId: welcome.client_id,
      user: welcome.user,
      role: welcome.role
    });
    const send = this.#sender();
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
  #detach(conn) {
    conn.ws.onopen = conn.ws.onmessage = conn.ws.onclose = conn.ws.onerror = null;
    if (conn.heartbeat !== null) this.#timers.clearInterval(conn.heartbeat);
    if (conn.watchdog !== null) this.#timers.clearTimeout(conn.watchdog);
    conn.heartbeat = conn.watchdog = null;
  }
  #ended(conn, info, action) {
    if (this.#conn !== conn) return;
    this.#conn = null;
    this.#detach(conn);
    try {
      conn.ws.close(CLIENT_ABANDON_CODE, "client moved on");
    } catch {
    }
    this.#requests.disconnected();
    if (this.state === "closed") return;
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
      void this.#open();
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

// web/sdk/mod.ts
function connect(url, options) {
  return new ReviewClient(url, options);
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

// web/page/card.ts
var MAX_TEXT = 4096;
var MAX_REASON = 1024;
function createCard(card) {
  const id = String(card.response_id);
  const content = h("div", {
    class: "card-content"
  });
  content.innerHTML = card.html;
  return h("article", {
    class: "card",
    "data-response-id": id,
    "aria-labelledby": `card-${id}-title`,
    tabindex: "-1"
  }, h("h2", {
    class: "card-title",
    id: `card-${id}-title`
  }, `Reply #${id}`), content, h("div", {
    class: "card-actions"
  }, h("button", {
    type: "button",
    class: "btn btn-approve",
    "data-action": "approve"
  }, "Approve"), h("button", {
    type: "button",
    class: "btn",
    "data-action": "edit",
    "aria-expanded": "false"
  }, "Edit reply"), h("input", {
    class: "card-reason",
    name: "reason",
    maxlength: String(MAX_REASON),
    placeholder: "Reason (optional)",
    "aria-label": `Reason for rejecting reply #${id}`
  }), h("button", {
    type: "button",
    class: "btn btn-reject",
    "data-action": "reject"
  }, "Reject")), h("p", {
    class: "card-status",
    role: "status"
  }));
}
function cardId(el) {
  return Number(el.dataset.responseId);
}
function proposedReply(el) {
  return el.querySelector(".card-reply-text")?.textContent ?? "";
}
function toggleEditor(el) {
  const button = el.querySelector('[data-action="edit"]');
  const existing = el.querySelector(".card-editor");
  const open = !(existing && !existing.hidden);
  let area = existing?.querySelector("textarea") ?? null;
  if (open && !existing) {
    const areaId = `card-${el.dataset.responseId}-reply`;
    area = h("textarea", {
      id: areaId,
      rows: "4",
      maxlength: String(MAX_TEXT)
    });
    area.value = proposedReply(el);
    el.querySelector(".card-actions")?.before(h("div", {
      class: "card-editor"
    }, h("label", {
      for: areaId
    }, "Reply to send"), area));
  } else if (existing) {
    existing.hidden = !open;
  }
  el.classList.toggle("card--editing", open);
  button?.setAttribute("aria-expanded", String(open));
  if (button) button.textContent = open ? "Keep proposed reply" : "Edit reply";
  return open ? area : null;
}
function editedReply(el) {
  const editor = el.querySelector(".card-editor");
  const area = editor?.querySelector("textarea");
  if (!editor || editor.hidden || !area) return void 0;
  return area.value === proposedReply(el) ? void 0 : area.value;
}
function rejectReason(el) {
  const value = el.querySelector(".card-reason")?.value.trim() ?? "";
  return value === "" ? void 0 : value;
}
function setCardStatus(el, status, text = "") {
  el.dataset.status = status;
  el.setAttribute("aria-busy", String(status === "busy"));
  for (const control of el.querySelectorAll("button, input")) {
    control.disabled = status === "busy";
  }
  const line = el.querySelector(".card-status");
  if (line) {
    line.textContent = text;
    line.setAttribute("role", status === "failed" ? "alert" : "status");
  }
}

// web/page/decisions.ts
var RECENT_DECISIONS = 5;
function decisionText(event, me) {
  const mine = event.by === me;
  const reply = `reply #${event.response_id}`;
  switch (event.event) {
    case "approved":
      return mine ? `You approved ${reply}` : `Reply #${event.response_id} approved by ${event.by}`;
    case "rejected": {
      const reason = event.reason ? ` \u2014 ${event.reason}` : "";
      return (mine ? `You rejected ${reply}` : `Reply #${event.response_id} rejected by ${event.by}`) + reason;
    }
    default: {
      const unknown = event;
      return unknown;
    }
  }
}
function noteDecision(list, event, me) {
  list.prepend(h("li", {
    class: `decision decision--${event.event}`,
    "data-decided-response-id": String(event.response_id),
    "data-decided-by": event.by
  }, decisionText(event, me)));
  while (list.childElementCount > RECENT_DECISIONS) list.lastElementChild?.remove();
}

// web/page/board.ts
var FIRST_CHUNK = 40;
var LATER_CHUNK = 100;
var Board = class {
  #cards = /* @__PURE__ */ new Map();
  /** Cards of the last `SNAPSHOT` not yet on the page, oldest last. */
  #queued = /* @__PURE__ */ new Map();
  /** Elements kept from before the last `SNAPSHOT` (an edit in progress survives). */
  #kept = /* @__PURE__ */ new Map();
  #generation = 0;
  #els;
  #client;
  #me;
  /**
   * @param els the list, counter, empty note and decisions list
   * @param client the connected client
   * @param me the user of this page (for "You approved")
   */
  constructor(els, client, me) {
    this.#els = els;
    this.#client = client;
    this.#me = me;
    els.list.addEventListener("click", (ev) => this.#onClick(ev));
    els.list.addEventListener("keydown", (ev) => this.#onKey(ev));
    this.#updateCount();
  }
  /**
   * Shows exactly these cards (a `SNAPSHOT`), newest first: a screenful at
   * once, the rest in later tasks so the page stays responsive.
   * @param items the pending cards, oldest first
   */
  replace(items) {
    const generation = ++this.#generation;
    const previous = new Map([
      ...this.#kept,
      ...this.#cards
    ]);
    this.#cards.clear();
    this.#queued.clear();
    const first = [];
    for (let i = items.length - 1; i >= 0; i--) {
      const card = items[i];
      if (first.length < FIRST_CHUNK) {
        const el = previous.get(card.response_id) ?? createCard(card);
        this.#cards.set(card.response_id, el);
        first.push(el);
      } else {
        this.#queued.set(card.response_id, card);
      }
    }
    this.#kept = previous;
    this.#els.list.replaceChildren(...first);
    this.#updateCount();
    if (this.#queued.size > 0) setTimeout(() => this.#drain(generation), 0);
    else this.#kept = /* @__PURE__ */ new Map();
  }
  #drain(generation) {
    if (generation !== this.#generation) return;
    const batch = [];
    for (const [id, card] of this.#queued) {
      if (batch.length === LATER_CHUNK) break;
      this.#queued.delete(id);
      const el = this.#kept.get(id) ?? createCard(card);
      this.#cards.set(id, el);
      batch.push(el);
    }
    this.#els.list.append(...batch);
    if (this.#queued.size > 0) setTimeout(() => this.#drain(generation), 0);
    else this.#kept = /* @__PURE__ */ new Map();
  }
  /**
   * Adds a new pending card at the top.
   * @param card the card of a `pending` event
   */
  add(card) {
    if (this.#cards.has(card.response_id) || this.#queued.has(card.response_id)) return;
    const el = createCard(card);
    this.#cards.set(card.response_id, el);
    this.#els.list.prepend(el);
    this.#updateCount();
  }
  /**
   * Removes a decided card and says who decided it.
   * @param event the `approved` or `rejected` event
   */
  decided(event) {
    noteDecision(this.#els.decisions, event, this.#me());
    this.#queued.delete(event.response_id);
    const el = this.#cards.get(event.response_id);
    if (el) {
      if (el.contains(document.activeElement)) this.#focusNeighbour(el);
      el.remove();
      this.#cards.delete(event.response_id);
    }
    this.#updateCount();
  }
  #updateCount() {
    const count = this.#cards.size + this.#queued.size;
    this.#els.count.textContent = String(count);
    this.#els.empty.hidden = count > 0;
  }
  #focusNeighbour(el) {
    const next = el.nextElementSibling ?? el.previousElementSibling;
    (next ?? this.#els.list).focus();
  }
  #onClick(ev) {
    const button = ev.target.closest("[data-action]");
    const el = button?.closest("[data-response-id]");
    if (!button || !el) return;
    const action = button.dataset.action;
    this.#act(el, action);
  }
  #onKey(ev) {
    const target = ev.target;
    const el = target.closest("[data-response-id]");
    if (!el) return;
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey) && target.tagName === "TEXTAREA") {
      ev.preventDefault();
      this.#act(el, "approve");
    } else if (ev.key === "Enter" && target.classList.contains("card-reason")) {
      ev.preventDefault();
      this.#act(el, "reject");
    }
  }
  #act(el, action) {
    switch (action) {
      case "edit":
        toggleEditor(el)?.focus();
        return;
      case "approve":
        return this.#send(el, "Approving", "Not approved", () => this.#client.approve(cardId(el), editedReply(el)));
      case "reject":
        return this.#send(el, "Rejecting", "Not rejected", () => this.#client.reject(cardId(el), rejectReason(el)));
      default: {
        const unknown = action;
        return void unknown;
      }
    }
  }
  #send(el, doing, failed, request) {
    const waiting = this.#client.state === "connected" ? "\u2026" : " \u2014 waiting for the connection\u2026";
    if (el.contains(document.activeElement)) el.focus();
    setCardStatus(el, "busy", doing + waiting);
    request().then(() => {
      if (el.isConnected) setCardStatus(el, "busy", `${doing} \u2014 done, updating\u2026`);
    }, (error) => {
      if (!el.isConnected) return;
      setCardStatus(el, "failed", `${failed}: ${describe(error)}`);
    });
  }
};
function describe(error) {
  if (error instanceof ReviewError) {
    const by = error.fields.decided_by;
    if (error.code === "not_pending" && typeof by === "string") {
      return `already ${String(error.fields.status ?? "decided")} by ${by}`;
    }
    return error.message;
  }
  return error instanceof Error ? error.message : String(error);
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
      return "Offline \u2014 the token was refused";
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
function isTyping(target) {
  const el = target;
  return !!el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.isContentEditable);
}
function installCardKeys(list) {
  document.addEventListener("keydown", (ev) => {
    if (ev.altKey || ev.ctrlKey || ev.metaKey || isTyping(ev.target)) return;
    const target = ev.target instanceof HTMLElement ? ev.target : null;
    const onCard = target?.matches("[data-response-id]") ?? false;
    const current = target?.closest("[data-response-id]") ?? null;
    let next;
    if (ev.key === "j" || onCard && ev.key === "ArrowDown") {
      next = current ? current.nextElementSibling : list.firstElementChild;
    } else if (ev.key === "k" || onCard && ev.key === "ArrowUp") {
      next = current ? current.previousElementSibling : list.firstElementChild;
    } else if (ev.key === "Home" && onCard) {
      next = list.firstElementChild;
    } else {
      return;
    }
    if (next instanceof HTMLElement) {
      ev.preventDefault();
      next.focus();
      next.scrollIntoView({
        block: "nearest"
      });
    }
  });
}

// web/page/token.ts
var TOKEN_KEY = "review-hub.token";
function takeToken(env2) {
  const params = new URLSearchParams(env2.location.hash.replace(/^#/, ""));
  const fromHash = params.get("token");
  if (params.has("token")) {
    env2.history.replaceState(null, "", env2.location.pathname + env2.location.search);
  }
  if (fromHash) {
    env2.storage.setItem(TOKEN_KEY, fromHash);
    return fromHash;
  }
  return env2.storage.getItem(TOKEN_KEY);
}
function forgetToken(env2) {
  env2.storage.removeItem(TOKEN_KEY);
}

// web/page/main.ts
var env = {
  location,
  history,
  storage: sessionStorage
};
function showMessage(text) {
  const box = byId("message");
  box.textContent = text;
  box.hidden = false;
}
function start() {
  const indicator = byId("connection");
  const token = takeToken(env);
  if (!token) {
    renderIndicator(indicator, {
      state: "offline",
      text: "Offline \u2014 no token"
    });
    showMessage("No operator token. Open the link you were given, ending in #token=\u2026; ask your administrator for a new one if you have none.");
    return;
  }
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const client = connect(`${scheme}//${location.host}/ws`, {
    token
  });
  let me = null;
  const list = byId("cards");
  const board = new Board({
    list,
    count: byId("pending-count"),
    empty: byId("empty"),
    decisions: byId("decisions")
  }, client, () => me);
  installCardKeys(list);
  client.on("snapshot", (s) => board.replace(s.items));
  client.on("pending", (e) => board.add(e));
  client.on("approved", (e) => board.decided(e));
  client.on("rejected", (e) => board.decided(e));
  let status = client.status;
  const show = () => renderIndicator(indicator, indicatorView(status, Date.now()));
  client.on("state", (next) => {
    status = next;
    if (next.kind === "connected") me = next.user;
    if (next.kind === "closed" && next.reason.kind === "unauthorized") {
      forgetToken(env);
      showMessage("The server refused your token (expired or invalid). Open a new operator link to continue.");
    }
    show();
  });
  setInterval(() => {
    if (status.kind === "reconnecting") show();
  }, 250);
  show();
}
start();
