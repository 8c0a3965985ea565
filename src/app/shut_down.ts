/**
 * `shutDown()`: the graceful stop of a server process. No new connections,
 * clients closed 1012 and given time to see it, commands finished, then the
 * timers, the listener, presence, the broker and the pool, in that order.
 * @module
 */
import { delay, settleWithin } from "../async/deadline.ts";
import type { Clock } from "../clock.ts";
import { CLOSE_TIMEOUT_MS } from "../listen.ts";
import { CLOSE } from "../protocol/codes.ts";
import type { StartUp } from "./bring_up.ts";
import type { ListeningProcess } from "./http.ts";
import type { AppParts } from "./parts.ts";

/**
 * Stops the process. Call once (`serve` keeps the promise).
 * @param parts the process's parts
 * @param listening the HTTP side
 * @param startUp the start-up, waited for briefly
 * @param reason logged
 */
export async function shutDown(
  parts: AppParts,
  listening: ListeningProcess,
  startUp: StartUp,
  reason: string,
): Promise<void> {
  const { clock, logger, manager } = parts;
  const { httpServer } = listening;
  parts.gate.close();
  logger.info("stopping", { reason, clients: manager.clients.size });
  parts.readiness.stop("stopping");
  httpServer.close();
  manager.closeAll(CLOSE.restarting, "server restarting");
  await settleWithin(parts.handler.settled(), 10_000);
  // Let the close handshakes finish so clients see 1012, not a dropped socket.
  await settleWithin(waitUntil(() => manager.clients.size === 0, clock), CLOSE_TIMEOUT_MS);
  manager.stopHeartbeat();
  parts.feed.stop();
  await settleWithin(parts.scheduler.stop(), 3_000);
  parts.queueGauges.stop();
  await parts.clusterStats.stop();
  if (startUp.pruneTimer !== null) clock.clearInterval(startUp.pruneTimer);
  parts.scanner.stop();
  clock.clearInterval(listening.gauges);
  httpServer.terminateAll();
  await settleWithin(httpServer.finished, 3_000);
  await settleWithin(startUp.done, 1_000);
  const presence = parts.presence.current();
  if (presence) await settleWithin(presence.stop(), 1_000);
  await settleWithin(parts.people.stop(), 1_000);
  await parts.broker.take()?.close().catch(() => {});
  await parts.store.close().catch(() => {});
  logger.info("stopped");
}

async function waitUntil(condition: () => boolean, clock: Clock): Promise<void> {
  while (!condition()) await delay(10, clock);
}
