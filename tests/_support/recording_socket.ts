/**
 * A `ClientSocket` for unit tests of the connection layer: records what is
 * sent and how it was closed.
 * @module
 */
import type { ClientSocket } from "../../src/connection/client.ts";

/** A socket that records what is sent and how it was closed. */
export class RecordingSocket implements ClientSocket {
  readyState = 1;
  bufferedAmount = 0;
  readonly sent: string[] = [];
  closedWith: { code: number | undefined; reason: string | undefined } | null = null;
  send(data: string): void {
    this.sent.push(data);
  }
  /** The close code, if closed. */
  get closeCode(): number | undefined {
    return this.closedWith?.code;
  }
  close(code?: number, reason?: string): void {
    this.closedWith = { code, reason };
    this.readyState = 3;
  }
}
