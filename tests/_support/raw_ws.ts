/**
 * A WebSocket client on a bare TCP socket, for what a well-behaved client
 * library will not do: never answer the server's pings, or never read.
 * @module
 */

/** A decoded server frame. */
export interface RawFrame {
  readonly opcode: number;
  readonly payload: Uint8Array;
}

const enc = new TextEncoder();

/** A minimal RFC 6455 client over `Deno.connect`. */
export class RawWebSocket {
  #buf = new Uint8Array(0);

  private constructor(readonly conn: Deno.TcpConn) {}

  /**
   * Connects and completes the opening handshake.
   * @param wsUrl a `ws://host:port/path` URL
   * @returns the open connection
   */
  static async connect(wsUrl: string): Promise<RawWebSocket> {
    const url = new URL(wsUrl);
    const conn = await Deno.connect({ hostname: url.hostname, port: Number(url.port) });
    const ws = new RawWebSocket(conn);
    const key = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
    await ws.#write(enc.encode(
      `GET ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\n` +
        `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    ));
    for (;;) {
      const text = new TextDecoder().decode(ws.#buf);
      const end = text.indexOf("\r\n\r\n");
      if (end >= 0) {
        if (!text.startsWith("HTTP/1.1 101")) {
          throw new Error(`handshake failed: ${text.slice(0, 80)}`);
        }
        ws.#buf = ws.#buf.slice(enc.encode(text.slice(0, end + 4)).length);
        return ws;
      }
      if (!(await ws.#fill())) throw new Error("closed during handshake");
    }
  }

  /** Sends a masked text frame. */
  sendText(text: string): Promise<void> {
    const payload = enc.encode(text);
    const len = payload.length;
    const header = len < 126
      ? [0x81, 0x80 | len]
      : len < 65536
      ? [0x81, 0x80 | 126, len >> 8, len & 255]
      : [
        0x81,
        0x80 | 127,
        0,
        0,
        0,
        0,
        (len >>> 24) & 255,
        (len >> 16) & 255,
        (len >> 8) & 255,
        len & 255,
      ];
    const mask = crypto.getRandomValues(new Uint8Array(4));
    const frame = new Uint8Array(header.length + 4 + len);
    frame.set(header);
    frame.set(mask, header.length);
    // mask has 4 bytes, so `i & 3` is always one of its indexes.
    payload.forEach((byte, i) => frame[header.length + 4 + i] = byte ^ mask[i & 3]!);
    return this.#write(frame);
  }

  /**
   * Reads the next frame (pings are returned, never answered).
   * @returns the frame, or `null` at the end of the stream
   */
  async read(): Promise<RawFrame | null> {
    for (;;) {
      const frame = this.#parse();
      if (frame) return frame;
      if (!(await this.#fill())) return null;
    }
  }

  /**
   * Reads until a close frame and returns its code (or `null` if the stream ended without one).
   * @param onFrame sees every other frame
   */
  async readUntilClose(onFrame: (f: RawFrame) => void = () => {}): Promise<number | null> {
    for (;;) {
      const f = await this.read();
      if (f === null) return null;
      if (f.opcode === 8) {
        return f.payload.length >= 2
          ? new DataView(f.payload.buffer, f.payload.byteOffset, 2).getUint16(0)
          : 1005;
      }
      onFrame(f);
    }
  }

  /** Closes the TCP connection. */
  close(): void {
    try {
      this.conn.close();
    } catch { /* already closed */ }
  }

  #parse(): RawFrame | null {
    const b = this.#buf;
    if (b.length < 2) return null;
    const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    let len = view.getUint8(1) & 127;
    let off = 2;
    if (len === 126) {
      if (b.length < 4) return null;
      len = view.getUint16(2);
      off = 4;
    } else if (len === 127) {
      if (b.length < 10) return null;
      len = Number(view.getBigUint64(2));
      off = 10;
    }
    if (b.length < off + len) return null;
    const frame = { opcode: view.getUint8(0) & 15, payload: b.slice(off, off + len) };
    this.#buf = b.slice(off + len);
    return frame;
  }

  async #fill(): Promise<boolean> {
    const chunk = new Uint8Array(65536);
    let n: number | null;
    try {
      n = await this.conn.read(chunk);
    } catch {
      return false;
    }
    if (n === null) return false;
    const next = new Uint8Array(this.#buf.length + n);
    next.set(this.#buf);
    next.set(chunk.subarray(0, n), this.#buf.length);
    this.#buf = next;
    return true;
  }

  async #write(bytes: Uint8Array): Promise<void> {
    let written = 0;
    while (written < bytes.length) written += await this.conn.write(bytes.subarray(written));
  }
}
