/**
 * The container's HEALTHCHECK: exits 0 when the server in this container
 * answers `GET /healthz` with 200 within the timeout, 1 otherwise. The image
 * has no curl; this runs on the Deno already there, with only the permissions
 * it needs (`--allow-net=127.0.0.1`, `--allow-env` for the port and TLS
 * variables). With TLS on (both `SSL_CERT_FILE` and `SSL_KEY_FILE` set, the
 * server's own rule) it asks over https; the certificate names the public
 * host, not 127.0.0.1, so the command runs with
 * `--unsafely-ignore-certificate-errors=127.0.0.1`: it only asks whether this
 * container's own process answers.
 *
 * Usage: `deno run … healthcheck.ts [path]` (default `/healthz`).
 * @module
 */

/** How long one check may take; Docker's own `--timeout` is longer. */
const TIMEOUT_MS = 3000;

/**
 * Asks the local server for `path`.
 * @param port the server's port
 * @param path the endpoint, e.g. `/healthz` or `/readyz`
 * @param tls whether the server serves https
 * @returns the HTTP status, or 0 when nothing answered in time
 */
export async function probe(port: number, path: string, tls = false): Promise<number> {
  try {
    const res = await fetch(`${tls ? "https" : "http"}://127.0.0.1:${port}${path}`, {
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    await res.body?.cancel();
    return res.status;
  } catch {
    return 0;
  }
}

if (import.meta.main) {
  const port = Number(Deno.env.get("WEBSOCKET_PORT") || 8765);
  const path = Deno.args[0] ?? "/healthz";
  const tls = Boolean(Deno.env.get("SSL_CERT_FILE") && Deno.env.get("SSL_KEY_FILE"));
  const status = await probe(port, path, tls);
  console.log(`${path}: ${status === 0 ? "no answer" : status}`);
  Deno.exit(status === 200 ? 0 : 1);
}
