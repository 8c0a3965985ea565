/**
 * `People`: the v1.2 people parts of one process, composed for `serve()`
 * from named pieces — the revocation list, the access gate every door uses,
 * the enforcer that closes revoked connections, the service that reads,
 * polls and spreads revocations, and the admin routes' dependencies.
 * @module
 */
import type { TokenAuthority } from "../auth/jwt.ts";
import type { Clock } from "../clock.ts";
import type { Config } from "../config.ts";
import type { WebSocketManager } from "../connection/manager.ts";
import type { Logger } from "../logging/logger.ts";
import type { Metrics } from "../metrics/metrics.ts";
import type { RevocationStore } from "../store/revocation_store.ts";
import type { AdminRouteDeps, ConnectionsSource } from "./admin_routes.ts";
import { RevocationEnforcer } from "./enforcer.ts";
import { AccessGate } from "./gate.ts";
import { RevocationBus } from "./revocation_bus.ts";
import { RevocationService } from "./revocation_sync.ts";
import { RevocationList } from "./revocations.ts";
import { policyOf } from "./token_policy.ts";

/** What the people parts are made from. */
export interface PeopleDeps {
  /** `AUTH_ISSUER`, `AUTH_AUDIENCE`, `MAX_TOKEN_TTL_HOURS`, `REDIS_URL`. */
  readonly config: Pick<
    Config,
    "authIssuer" | "authAudience" | "maxTokenTtlHours" | "redisUrl"
  >;
  /** Checks signatures (the secret's holder). */
  readonly authority: TokenAuthority;
  /** The secret, for the bus's signing key. */
  readonly secret: string;
  /** Where revocations are stored. */
  readonly store: RevocationStore;
  /** This process's connections. */
  readonly manager: WebSocketManager;
  /** Time. */
  readonly clock: Clock;
  /** Where things are reported. */
  readonly logger: Logger;
  /** Counts revoked connections. */
  readonly metrics: Metrics;
}

/** The people parts of one process. */
export class People {
  /** The revocations this process knows. */
  readonly revocations = new RevocationList();
  /** The one token check of every door. */
  readonly gate: AccessGate;
  /** Reads, polls and spreads revocations. */
  readonly service: RevocationService;
  readonly #enforcer: RevocationEnforcer;
  readonly #d: PeopleDeps;
  #bus: RevocationBus | null = null;

  /**
   * Composes the parts; `start(epoch)` reads the stored revocations.
   * @param d config, authority, secret, store, manager, clock, logger, metrics
   */
  constructor(d: PeopleDeps) {
    this.#d = d;
    this.gate = new AccessGate({
      authority: d.authority,
      policy: policyOf(d.config),
      revocations: this.revocations,
    });
    this.#enforcer = new RevocationEnforcer({
      manager: d.manager,
      revocations: this.revocations,
      clock: d.clock,
      logger: d.logger,
      metrics: d.metrics,
    });
    this.service = new RevocationService({
      store: d.store,
      revocations: this.revocations,
      enforcer: this.#enforcer,
      clock: d.clock,
      logger: d.logger,
    });
  }

  /**
   * Reads the stored revocations and starts following them (once the store answered).
   * @param epoch the event log's epoch (names the bus's channel)
   * @throws {StoreUnavailableError} when the database does not answer (the caller retries)
   */
  async start(epoch: string): Promise<void> {
    this.#enforcer.start();
    const { config, secret, logger } = this.#d;
    if (config.redisUrl !== "") {
      this.#bus ??= new RevocationBus({ url: config.redisUrl, epoch, secret, logger });
    }
    await this.service.start(this.#bus);
  }

  /** Stops following revocations. */
  async stop(): Promise<void> {
    this.#enforcer.stop();
    await this.service.stop();
  }

  /**
   * The admin routes' dependencies.
   * @param connections who is connected, cluster-wide
   * @returns them
   */
  routes(connections: ConnectionsSource): AdminRouteDeps {
    return {
      auth: this.gate,
      clock: this.#d.clock,
      connections,
      revocations: this.revocations,
      service: this.service,
      logger: this.#d.logger,
    };
  }
}
