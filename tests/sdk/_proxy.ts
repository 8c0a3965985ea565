/**
 * A TCP proxy in front of the server, so a test can cut every connection as
 * a network failure would (neither side closes the WebSocket cleanly) and
 * refuse new ones for a while.
 * @module
 */

/** A running proxy. */
export interface Proxy {
  /** The port clients connect to. */
  readonly port: number;
  /** Cuts every open connection. */
  cut(): void;
  /** While paused, new connections are closed at once. */
  paused: boolean;
  /** Stops listening and cuts everything. */
  close(): void;
}

/**
 * Starts a proxy to `127.0.0.1:targetPort`.
 * @param targetPort the server's port
 * @returns the proxy
 */
export function startProxy(targetPort: number): Proxy {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const open = new Set<Deno.Conn>();
  const closeQuietly = (c: Deno.Conn) => {
    open.delete(c);
    try {
      c.close();
    } catch { /* already closed */ }
  };
  const proxy: Proxy = {
    port: (listener.addr as Deno.NetAddr).port,
    paused: false,
    cut: () => [...open].forEach(closeQuietly),
    close: () => {
      listener.close();
      proxy.cut();
    },
  };
  (async () => {
    for await (const client of listener) {
      if (proxy.paused) {
        closeQuietly(client);
        continue;
      }
      let upstream: Deno.Conn;
      try {
        upstream = await Deno.connect({ hostname: "127.0.0.1", port: targetPort });
      } catch {
        closeQuietly(client);
        continue;
      }
      open.add(client);
      open.add(upstream);
      const end = () => {
        closeQuietly(client);
        closeQuietly(upstream);
      };
      client.readable.pipeTo(upstream.writable).catch(() => {}).finally(end);
      upstream.readable.pipeTo(client.writable).catch(() => {}).finally(end);
    }
  })().catch(() => {/* the listener closed */});
  return proxy;
}
