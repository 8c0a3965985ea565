/**
 * `RevocationEnforcer`: carries a revocation out on this process's open
 * connections. Every connection of the revoked user whose token was issued
 * at or before the revocation (or has no `iat`) is closed `4001` with the
 * reason `your access was revoked`; a connection with a token issued later
 * stays. A hello that passed the gate just before the news arrived is
 * caught when it is authenticated, so no connection slips between the two.
 * @module
 */
import type { Clock } from "../clock.ts";
import type { ClientChange, WebSocketManager } from "../connection/manager.ts";
import type { WebSocketClient } from "../connection/client.ts";
import type { Logger } from "../logging/logger.ts";
import type { Metrics } from "../metrics/metrics.ts";
import { CLOSE } from "../protocol/codes.ts";
import { REVOKED_REASON } from "../protocol/close_codes.ts";
import type { RevocationList } from "./revocations.ts";

/** What the enforcer works on. */
export interface EnforcerOptions {
  /** This process's connections. */
  readonly manager: WebSocketManager;
  /** The revocations known here. */
  readonly revocations: RevocationList;
  /** Time, to defer a close out of the manager's own call. */
  readonly clock: Clock;
  /** Where closes are reported. */
  readonly logger: Logger;
  /** Counts the connections closed (`ws_revoked_connections_total`); none when absent. */
  readonly metrics?: Metrics;
}

/** Closes the connections a revocation covers. */
export class RevocationEnforcer {
  readonly #o: EnforcerOptions;
  #unlisten: (() => void) | null = null;

  /**
   * Creates the enforcer; `start()` makes it watch new authentications.
   * @param options the manager, the revocations, the clock and the logger
   */
  constructor(options: EnforcerOptions) {
    this.#o = options;
  }

  /** Watches authentications, so a revoked token welcomed in a race is closed too; idempotent. */
  start(): void {
    this.#unlisten ??= this.#o.manager.addListener((change) => this.#onChange(change));
  }

  /** Stops watching. */
  stop(): void {
    this.#unlisten?.();
    this.#unlisten = null;
  }

  /**
   * Closes every open connection of a user that the user's revocation covers.
   * @param user the revoked user
   * @returns how many connections were closed
   */
  closeRevoked(user: string): number {
    let closed = 0;
    for (const client of this.#o.manager.clients.values()) {
      if (client.user === user && this.#covered(client)) {
        this.#close(client);
        closed++;
      }
    }
    if (closed > 0) this.#o.logger.info("revoked user's connections closed", { user, closed });
    return closed;
  }

  #covered(client: WebSocketClient): boolean {
    if (client.user === null || client.state === "closed") return false;
    return this.#o.revocations.refuses({
      sub: client.user,
      ...(client.tokenIssuedAt === null ? {} : { iat: client.tokenIssuedAt }),
    });
  }

  #close(client: WebSocketClient): void {
    this.#o.metrics?.increment("ws_revoked_connections_total");
    this.#o.manager.close(client, CLOSE.badToken, REVOKED_REASON);
  }

  #onChange({ kind, client }: ClientChange): void {
    if (kind !== "authenticated" || !this.#covered(client)) return;
    // Not inside the manager's authenticate: the welcome that called it finishes first.
    this.#o.clock.setTimeout(() => {
      if (this.#covered(client)) this.#close(client);
    }, 0);
  }
}
