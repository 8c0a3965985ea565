/**
 * Bounded waits on MySQL/MariaDB (`DB_TIMEOUT_MS`): every store operation
 * gets one `Deadline`, and everything it waits for — a pooled connection
 * (which may mean a new connection's handshake), each statement — waits at
 * most what is left of it. A statement carries `mysql2`'s own per-query
 * `timeout` and is raced against the deadline as well, because `mysql2`
 * starts a query's timer only when the statement reaches the wire, not while
 * it is queued behind another command on the same connection. A connection
 * that timed out is in an unknown state: the caller destroys it (the error is
 * a `StoreUnavailableError`, which `isConnectionError` recognises).
 * @module
 */
import type { ResultSetHeader } from "mysql2/promise";
import type { Queryable } from "./mysql_dialect.ts";
import type { SqlRunner } from "./sql_runner.ts";
import type { SqlRow } from "./sql_values.ts";
import { StoreUnavailableError } from "./store.ts";

/** The time budget of one store operation. */
export class Deadline {
  readonly #end: number;

  /**
   * Starts a deadline `budgetMs` from now.
   * @param budgetMs how long the operation may take from now
   */
  constructor(readonly budgetMs: number) {
    this.#end = performance.now() + budgetMs;
  }

  /** Milliseconds left (0 when spent). */
  remaining(): number {
    return Math.max(0, Math.floor(this.#end - performance.now()));
  }

  /** Whether the budget is spent. */
  get expired(): boolean {
    return this.remaining() === 0;
  }

  /**
   * Waits for `work`, at most what is left of the budget.
   * @param work what to wait for (its later rejection is absorbed)
   * @param what named in the error
   * @returns what `work` resolves to
   * @throws {StoreUnavailableError} when the budget runs out first
   */
  race<T>(work: Promise<T>, what: string): Promise<T> {
    const left = this.remaining();
    if (left === 0) {
      work.catch(() => {});
      return Promise.reject(this.#timeout(what));
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expiry = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        work.catch(() => {});
        reject(this.#timeout(what));
      }, left);
    });
    return Promise.race([work, expiry]).finally(() => clearTimeout(timer));
  }

  #timeout(what: string): StoreUnavailableError {
    return new StoreUnavailableError(
      `MySQL did not answer within ${this.budgetMs} ms (${what}; DB_TIMEOUT_MS)`,
    );
  }
}

/**
 * Takes a connection from the pool within the deadline. A connection that
 * arrives after the caller gave up goes straight back to the pool.
 * @param pool the pool
 * @param deadline the operation's budget
 * @returns the connection
 * @throws {StoreUnavailableError} when none is had in time
 */
export async function acquire<C extends { release(): void }>(
  pool: { getConnection(): Promise<C> },
  deadline: Deadline,
): Promise<C> {
  let abandoned = false;
  const pending = pool.getConnection();
  pending.then((conn) => abandoned && conn.release(), () => {});
  try {
    return await deadline.race(pending, "waiting for a connection");
  } catch (e) {
    abandoned = true;
    throw e;
  }
}

/**
 * A runner whose every statement waits at most what is left of `deadline`.
 * @param conn the connection (owned by the caller, who destroys it on a timeout)
 * @param deadline the operation's budget
 * @returns the runner
 */
export function timedRunner(conn: Queryable, deadline: Deadline): SqlRunner {
  const query = (sql: string, params: readonly unknown[]) => {
    const timeout = Math.max(1, deadline.remaining());
    return deadline.race(conn.query({ sql, timeout }, params as unknown[]), "a statement");
  };
  return {
    all: async (sql, params = []) => (await query(sql, params))[0] as SqlRow[],
    run: async (sql, params = []) =>
      ((await query(sql, params))[0] as ResultSetHeader).affectedRows,
    runForId: async (sql, params = []) =>
      Number(((await query(sql, params))[0] as ResultSetHeader).insertId),
  };
}
