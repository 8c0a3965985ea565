/**
 * History reads of the SQLite store off the event loop (issue 13, row M1):
 * `node:sqlite` is synchronous, so a search that scans would stop every
 * connection of the process while it runs. The reads go to one worker with
 * its own connection to the file (WAL lets it read while the store writes);
 * a read not answered within the time limit terminates the worker (which
 * ends the statement: SQLite's own limit is not reachable from
 * `node:sqlite`), fails with `StoreUnavailableError`, and the next read
 * starts a fresh worker.
 * @module
 */
import type { ResponseRow } from "./rows.ts";
import { StoreUnavailableError } from "./store.ts";
import type { HistoryQuery } from "./history_store.ts";
import type { HistoryWorkerReply, HistoryWorkerRequest } from "./sqlite_history_worker.ts";

/** Options of `SqliteHistoryReader`. */
export interface SqliteHistoryReaderOptions {
  /** The database file (not `:memory:`: a worker cannot share it). */
  readonly path: string;
  /** The worker connection's busy timeout (ms). */
  readonly busyTimeoutMs: number;
  /** Longest time one read may take, its wait behind earlier reads included (ms). */
  readonly timeLimitMs: number;
}

interface PendingRead {
  readonly resolve: (rows: ResponseRow[]) => void;
  readonly reject: (e: Error) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

/** Runs history reads on a worker thread, each within a time limit. */
export class SqliteHistoryReader {
  readonly #options: SqliteHistoryReaderOptions;
  #worker: Worker | null = null;
  #nextId = 1;
  readonly #pending = new Map<number, PendingRead>();
  #closed = false;

  /**
   * Makes a reader; the worker starts with the first read.
   * @param options the file and the limits
   */
  constructor(options: SqliteHistoryReaderOptions) {
    this.#options = { ...options };
  }

  #start(): Worker {
    const worker = new Worker(new URL("./sqlite_history_worker.ts", import.meta.url).href, {
      type: "module",
    });
    worker.onmessage = (e: MessageEvent<HistoryWorkerReply>) => this.#settle(e.data);
    worker.onerror = (e) => {
      e.preventDefault();
      this.#stop(new StoreUnavailableError(`SQLite history worker failed: ${e.message}`));
    };
    const open: HistoryWorkerRequest = {
      kind: "open",
      path: this.#options.path,
      busyTimeoutMs: this.#options.busyTimeoutMs,
    };
    worker.postMessage(open);
    return worker;
  }

  #settle(reply: HistoryWorkerReply): void {
    const read = this.#pending.get(reply.id);
    if (read === undefined) return;
    this.#pending.delete(reply.id);
    clearTimeout(read.timer);
    if ("rows" in reply) read.resolve(reply.rows as ResponseRow[]);
    else if (reply.unavailable) read.reject(new StoreUnavailableError(`SQLite: ${reply.error}`));
    else read.reject(new Error(reply.error));
  }

  /** Ends the worker and fails every read still waiting on it. */
  #stop(reason: Error): void {
    this.#worker?.terminate();
    this.#worker = null;
    for (const read of this.#pending.values()) {
      clearTimeout(read.timer);
      read.reject(reason);
    }
    this.#pending.clear();
  }

  /**
   * Reads one page of history on the worker.
   * @param query the query, already checked
   * @param timeLimitMs the read's limit; default the reader's
   * @returns the rows
   * @throws {StoreUnavailableError} when the read does not finish within the limit
   */
  read(query: HistoryQuery, timeLimitMs = this.#options.timeLimitMs): Promise<ResponseRow[]> {
    if (this.#closed) return Promise.reject(new StoreUnavailableError("SQLite store is closed"));
    this.#worker ??= this.#start();
    const worker = this.#worker;
    const id = this.#nextId++;
    return new Promise<ResponseRow[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        // The statement cannot be interrupted from here: end the thread that runs it.
        this.#stop(
          new StoreUnavailableError(
            `SQLite history read took over ${timeLimitMs} ms (DB_TIMEOUT_MS)`,
          ),
        );
      }, timeLimitMs);
      this.#pending.set(id, { resolve, reject, timer });
      const request: HistoryWorkerRequest = { kind: "read", id, query };
      worker.postMessage(request);
    });
  }

  /** Ends the worker; later reads fail. Idempotent. */
  close(): void {
    this.#closed = true;
    this.#stop(new StoreUnavailableError("SQLite store is closed"));
  }
}
