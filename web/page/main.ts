/**
 * The operator page (`GET /`): takes the token, connects the SDK, and keeps
 * the cards (with their ages, claims and counters), the recent decisions and
 * their publication, the presence strip, the History, the board's state and
 * the connection indicator in step with it.
 * Bundled into `web/static/app.js` by `deno task bundle`.
 * @module
 */
import { type Card, connect, type ConnectionState } from "../sdk/mod.ts";
import type { CardOrder } from "./anchor.ts";
import { Board } from "./pending_board.ts";
import { boardState, renderBoardState } from "./board_state.ts";
import { parseClaim } from "./claims.ts";
import { byId } from "./dom.ts";
import { type CardFilter, shownText, titleFor } from "./filters.ts";
import { HistoryView } from "./history_view.ts";
import { boardClient, historySource, recentClient } from "./hub.ts";
import { indicatorView, renderIndicator } from "./indicator.ts";
import { installKeys } from "./keyboard.ts";
import { DEFAULT_LIMITS, limitsFromWelcome, type PageLimits } from "./limits.ts";
import { browserNotifyEnv, Notifier } from "./notify.ts";
import { presenceChips, renderPresence } from "./presence.ts";
import type { AnyEvent } from "./publication.ts";
import { RecentDecisions } from "./recent.ts";
import { forgetToken, takeToken } from "./token.ts";
import { installHelp, Views } from "./views.ts";
import { serveSocket, type WorkerScope } from "./socket_worker.ts";
import { pageSockets } from "./worker_socket.ts";

/** How often claims' time left and undo countdowns are redrawn (ms). */
const CLAIM_TICK_MS = 500;
/** How often cards' ages are redrawn (ms). */
const AGE_TICK_MS = 15_000;
/** How often `/readyz` is asked while not connected (ms). */
const READY_POLL_MS = 5_000;
/** Where the chosen order is kept for the tab. */
const ORDER_KEY = "review-hub.order";

function showMessage(text: string): void {
  const box = byId("message");
  box.textContent = text;
  box.hidden = false;
}

function installNotifyButton(notifier: Notifier): void {
  const button = byId("notify");
  if (!notifier.supported) return;
  const show = (on: boolean) => {
    button.setAttribute("aria-pressed", String(on));
    button.textContent = on ? "Notifying: on" : "Notify me";
  };
  button.hidden = false;
  show(notifier.enabled);
  button.addEventListener("click", async () => show(await notifier.set(!notifier.enabled)));
}

function installFilter(board: Board): void {
  const platform = byId("filter-platform") as HTMLSelectElement;
  const text = byId("filter-text") as HTMLInputElement;
  const apply = () => {
    const filter: CardFilter = { platform: platform.value, text: text.value.trim() };
    board.setFilter(filter.platform === "" && filter.text === "" ? SHOW_EVERY : filter);
  };
  const SHOW_EVERY = { platform: "", text: "" } as const;
  byId("board-filter").addEventListener("submit", (ev) => ev.preventDefault());
  platform.addEventListener("change", apply);
  text.addEventListener("input", apply);
}

function installOrder(board: Board): void {
  const button = byId("order-toggle");
  const list = byId("cards");
  const show = (order: CardOrder) => {
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
    const next: CardOrder = board.order === "oldest" ? "newest" : "oldest";
    board.setOrder(next);
    sessionStorage.setItem(ORDER_KEY, next);
    show(next);
  });
}

function start(): void {
  const indicator = byId("connection");
  const stateLine = byId("board-state");
  const empty = byId("empty");
  const env = { location, history, storage: sessionStorage };
  const token = takeToken(env);
  if (!token) {
    renderIndicator(indicator, { state: "offline", text: "Offline — no token" });
    renderBoardState(
      stateLine,
      empty,
      boardState({
        connection: null,
        snapshotSeen: false,
        pending: 0,
        ready: null,
      }),
    );
    showMessage(
      "No operator token. Open the link you were given, ending in #token=…; " +
        "ask your administrator for a new one if you have none.",
    );
    return;
  }
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  // The socket lives in a worker running this same script: no message, however large, holds this thread.
  const client = connect(`${scheme}//${location.host}/ws`, {
    token,
    WebSocket: pageSockets(import.meta.url),
  });
  let me: string | null = null;
  let role = "";
  let limits: PageLimits = DEFAULT_LIMITS;
  let status: ConnectionState = client.status;
  let snapshotSeen = false;
  let ready: boolean | null = null;
  let pendingCount = 0;
  const list = byId("cards");
  const shownLine = byId("filter-shown");
  const ctx = {
    me: () => me,
    isAdmin: () => role === "admin",
    now: () => client.serverNow(),
    limits: () => limits,
  };
  const showState = () =>
    renderBoardState(
      stateLine,
      empty,
      boardState({ connection: status, snapshotSeen, pending: pendingCount, ready }),
    );
  const board = new Board(
    { list, count: byId("pending-count") },
    boardClient(client),
    ctx,
    (pending, shown) => {
      pendingCount = pending;
      // Only on change: a text set anew invalidates the layout of the whole page.
      const title = titleFor(pending);
      if (document.title !== title) document.title = title;
      const line = shownText(shown, pending);
      if (shownLine.textContent !== line) shownLine.textContent = line;
      showState();
    },
  );
  const recent = new RecentDecisions(byId("decisions"), recentClient(client), ctx);
  const historyView = new HistoryView({
    form: byId("history-form") as HTMLFormElement,
    list: byId("history-list"),
    status: byId("history-status"),
    more: byId("history-more") as HTMLButtonElement,
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
    },
  });

  client.on("snapshot", (s) => {
    snapshotSeen = true;
    board.replace(s.items);
    recent.replace((s as { in_flight?: unknown }).in_flight);
    showState();
  });
  client.on("pending", (e) => {
    board.add(e);
    notifier.arrived(e.response_id, e.platform, e.post_url);
  });
  // The recent decisions first, so the list is up to date when the card leaves.
  const toRecent = (e: unknown) => recent.event(e as AnyEvent);
  for (const kind of ["queued", "publishing", "published", "publish_failed"] as const) {
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
    // v1.2: an undone decision brings its card back, on every page.
    board.add(e as unknown as Card);
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
      const res = await fetch("/readyz", { cache: "no-store" });
      await res.body?.cancel();
      ready = res.ok;
    } catch {
      ready = null; // the server itself does not answer: offline, not "not ready"
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
      showMessage(
        next.reason.revoked
          ? "Your access was revoked by an admin. Ask for a new link to continue."
          : "The server refused your token (expired or invalid). " +
            "Open a new operator link to continue.",
      );
    }
    show();
    showState();
  });
  // The countdown to the next try ticks while reconnecting.
  setInterval(() => {
    if (status.kind === "reconnecting") show();
  }, 250);
  show();
  showState();
}

// In the socket worker (`socket_worker.ts`) this script serves the socket; on the page it is the page.
if (typeof document === "undefined") serveSocket(globalThis as unknown as WorkerScope);
else start();
