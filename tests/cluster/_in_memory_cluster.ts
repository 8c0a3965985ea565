/**
 * A supervisor's relay and its workers' channels in one process, joined by
 * in-memory pipes instead of stdio: the whole path of an event between two
 * workers (sign, channel, relay, channel, verify) without starting processes.
 * @module
 */
import { ClusterBroker } from "../../src/broker/cluster_broker.ts";
import { SignedBroker } from "../../src/broker/signed_broker.ts";
import type { Broker } from "../../src/broker/broker.ts";
import { readLines } from "../../src/cluster/lines.ts";
import { Relay } from "../../src/cluster/relay.ts";
import { WorkerChannel } from "../../src/cluster/worker_channel.ts";
import { encodeToWorker } from "../../src/cluster/wire.ts";
import { silentLogger } from "../../src/logging/logger.ts";

/** One worker's end, joined to the relay. */
export interface JoinedWorker {
  readonly index: number;
  readonly channel: WorkerChannel;
  /** Ends the supervisor's side of the pipe (as if the supervisor died). */
  cut(): Promise<void>;
}

/** A relay with workers joined to it in memory. */
export class InMemoryCluster {
  readonly relay = new Relay();
  /** Lines workers printed that were not the channel's. */
  readonly output: string[] = [];
  #next = 1;

  /**
   * Joins a new worker: pipes both ways, `init` sent.
   * @param secret development mode's secret to hand it, or null
   * @returns its end
   */
  join(secret: string | null = null): JoinedWorker {
    const index = this.#next++;
    const down = new TransformStream<Uint8Array, Uint8Array>();
    const up = new TransformStream<Uint8Array, Uint8Array>();
    const writer = this.relay.attach(index, down.writable);
    writer.write(encodeToWorker({ t: "init", index, secret }));
    const channel = new WorkerChannel(down.readable, up.writable);
    void readLines(up.readable, (line) => {
      if (this.relay.take(index, line) === "output") {
        this.output.push(new TextDecoder().decode(line));
      }
    }, { maxLineBytes: 1 << 20 });
    return {
      index,
      channel,
      cut: async () => {
        this.relay.detach(index, writer);
        await writer.close();
      },
    };
  }

  /**
   * A signed broker over a newly joined worker's channel.
   * @param secret the signing secret
   * @param epoch the log's epoch
   * @returns the broker (not started)
   */
  broker(secret: string, epoch: string): Broker {
    const { channel } = this.join();
    return new SignedBroker(new ClusterBroker({ link: channel, logger: silentLogger }), {
      secret,
      epoch,
      logger: silentLogger,
    });
  }
}
