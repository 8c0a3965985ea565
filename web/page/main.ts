/**
 * The operator page (`GET /`): takes the token, connects the SDK, and keeps
 * the cards (with their claims), the presence strip, the History, the
 * decisions and the connection indicator in step with it.
 * Bundled into `web/static/app.js` by `deno task bundle`.
 * @module
 */
import { connect, type ConnectionState } from "../sdk/mod.ts";
import { Board } from "./board.ts";
import { parseClaim } from "./claims.ts";
import { byId } from "./dom.ts";
import { type CardFilter, shownText, titleFor } from "./filters.ts";
import { HistoryView } from "./history_view.ts";
import { boardClient, historySource } from "./hub.ts";
import { indicatorView, renderIndicator } from "./indicator.ts";
import { installKeys } from "./keyboard.ts";
import { browserNotifyEnv, Notifier } from "./notify.ts";
import { presenceChips, renderPresence } from "./presence.ts";
import { forgetToken, takeToken } from "./token.ts";
import { installHelp, Views } from "./views.ts";

const env = { location, history, storage: sessionStorage };
/** How often claims' time left is redrawn and lapses are found (ms). */
const CLAIM_TICK_MS = 500;

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

function start(): void {
  const indicator = byId("connection");
  const token = takeToken(env);
  if (!token) {
    renderIndicator(indicator, { state: "offline", text: "Offline — no token" });
    showMessage(
      "No operator token. Open the link you were given, ending in #token=…; " +
        "ask your administrator for a new one if you have none.",
    );
    return;
  }
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const client = connect(`${scheme}//${location.host}/ws`, { token });
  let me: string | null = null;
  const list = byId("cards");
  const shownLine = byId("filter-shown");
  const board = new Board(
    { list, count: byId("pending-count"), empty: byId("empty"), decisions: byId("decisions") },
    boardClient(client),
    () => me,
    () => client.serverNow(),
    (pending, shown) => {
      document.title = titleFor(pending);
      shownLine.textContent = shownText(shown, pending);
    },
  );
  const historyView = new HistoryView({
    form: byId("history-form") as HTMLFormElement,
    list: byId("history-list"),
    status: byId("history-status"),
    more: byId("history-more") as HTMLButtonElement,
  }, historySource(location.origin, token));
  const views = new Views((view) => {
    if (view === "history" && !historyView.loaded) void historyView.search();
  });
  const notifier = new Notifier(browserNotifyEnv());
  installNotifyButton(notifier);
  installFilter(board);
  const help = installHelp();
  installKeys({
    list,
    act: (el, action) => board.act(el, action),
    help,
    boardShown: () => views.current === "board",
    search() {
      const field = views.current === "board" ? "filter-text" : "history-q";
      byId(field).focus();
    },
  });

  client.on("snapshot", (s) => board.replace(s.items));
  client.on("pending", (e) => {
    board.add(e);
    notifier.arrived(e.response_id, e.platform, e.post_url);
  });
  client.on("approved", (e) => board.decided(e));
  client.on("rejected", (e) => board.decided(e));
  client.on("claimed", (e) => {
    const claim = parseClaim(e.by, e.until);
    if (claim) board.claimed(e.response_id, claim);
  });
  client.on("released", (e) => board.released(e.response_id, e.by));
  client.on("presence", (p) => {
    const chips = presenceChips(p.operators, me);
    renderPresence(byId("presence-list"), byId("presence-count"), chips, p.total ?? chips.length);
  });
  setInterval(() => board.tick(), CLAIM_TICK_MS);

  let status: ConnectionState = client.status;
  const show = () => renderIndicator(indicator, indicatorView(status, Date.now()));
  client.on("state", (next) => {
    status = next;
    if (next.kind === "connected") me = next.user;
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
  });
  // The countdown to the next try ticks while reconnecting.
  setInterval(() => {
    if (status.kind === "reconnecting") show();
  }, 250);
  show();
}

start();
