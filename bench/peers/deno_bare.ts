/**
 * The bare Deno peer: the runtime's floor. `Deno.upgradeWebSocket` and a
 * loop, no protocol, no database. A text starting with `{"type":"BCAST"` is
 * sent verbatim to every open socket; any other text is echoed to its sender.
 * `GET /healthz` answers `ok`. Port from `PORT`.
 * @module
 */

const BCAST = '{"type":"BCAST"';
const sockets = new Set<WebSocket>();
const port = Number(Deno.env.get("PORT") ?? 8800);

Deno.serve({ hostname: "127.0.0.1", port, onListen: () => console.log("listening") }, (req) => {
  if (req.headers.get("upgrade") !== "websocket") return new Response("ok");
  const { socket, response } = Deno.upgradeWebSocket(req);
  socket.onopen = () => sockets.add(socket);
  socket.onclose = () => sockets.delete(socket);
  socket.onmessage = (e: MessageEvent<string>) => {
    const text = e.data;
    if (text.startsWith(BCAST)) {
      for (const s of sockets) s.send(text);
    } else socket.send(text);
  };
  return response;
});
