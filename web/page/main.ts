/**
 * The operator page (`GET /`): takes the token, connects the SDK, and keeps
 * the cards, the decisions and the connection indicator in step with it.
 * Bundled into `web/static/app.js` by `deno task bundle`.
 * @module
 */
import { connect, type ConnectionState } from "../sdk/mod.ts";
import { Board } from "./board.ts";
import { byId } from "./dom.ts";
import { indicatorView, renderIndicator } from "./indicator.ts";
import { installCardKeys } from "./keyboard.ts";
import { forgetToken, takeToken } from "./token.ts";

const env = { location, history, storage: sessionStorage };

function showMessage(text: string): void {
  const box = byId("message");
  box.textContent = text;
  box.hidden = false;
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
  const board = new Board(
    { list, count: byId("pending-count"), empty: byId("empty"), decisions: byId("decisions") },
    client,
    () => me,
  );
  installCardKeys(list);
  client.on("snapshot", (s) => board.replace(s.items));
  client.on("pending", (e) => board.add(e));
  client.on("approved", (e) => board.decided(e));
  client.on("rejected", (e) => board.decided(e));

  let status: ConnectionState = client.status;
  const show = () => renderIndicator(indicator, indicatorView(status, Date.now()));
  client.on("state", (next) => {
    status = next;
    if (next.kind === "connected") me = next.user;
    if (next.kind === "closed" && next.reason.kind === "unauthorized") {
      forgetToken(env);
      showMessage(
        "The server refused your token (expired or invalid). " +
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
