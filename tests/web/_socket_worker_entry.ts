/**
 * A worker that serves the page's socket (`web/page/socket_worker.ts`), as
 * the page's bundle does when it runs as a worker: for Deno tests.
 * @module
 */
import { serveSocket, type WorkerScope } from "../../web/page/socket_worker.ts";

serveSocket(globalThis as unknown as WorkerScope);
