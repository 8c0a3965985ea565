/**
 * `ConnectionAccount`: one count of what a peer has made the server hold on
 * its connection, against one limit (as ws's receiver keeps one count). Every
 * buffer a peer can fill — the read buffer, an incomplete frame, the
 * fragments of a message, queued frames and control replies, the live events
 * held during a replay, a pending HTTP response — is written only through
 * something that charges it here: `ChargedQueue` for queues, `ChargedBuffer`
 * (`charged_buffer.ts`) for growing byte buffers. A charge that would pass
 * the limit is refused; the owner then closes the connection with the code
 * of what overflowed (1009 inbound, 4009 outbound, 503 before the upgrade).
 * @module
 */

/** What each fragment of a message costs besides its bytes, so empty fragments are not free. */
export const FRAGMENT_OVERHEAD_BYTES = 64;
/** The fixed part of the limit (read buffers, control replies, headers, a close frame). */
export const ACCOUNT_ALLOWANCE_BYTES = 256 * 1024;
/** The limit's multiple of the largest message (a message being assembled, with its fragments). */
export const ACCOUNT_MESSAGE_MULTIPLE = 4;

/**
 * The per-connection limit: the send buffer the operator configured
 * (`MAX_BUFFERED_BYTES`), plus `4 × MAX_MESSAGE_BYTES` for what arrives (a
 * message and its fragments' overhead, or a request and its body), plus a
 * fixed 256 KiB for read buffers and control replies: 4.5 MiB with the
 * defaults (4 MiB, 64 KiB).
 * @param maxMessageBytes `MAX_MESSAGE_BYTES`
 * @param maxBufferedBytes `MAX_BUFFERED_BYTES` (default 4 MiB)
 * @returns the limit in bytes
 */
export function accountLimit(maxMessageBytes: number, maxBufferedBytes = 4 * 1024 * 1024): number {
  return maxBufferedBytes + ACCOUNT_MESSAGE_MULTIPLE * maxMessageBytes + ACCOUNT_ALLOWANCE_BYTES;
}

/** One connection's count of held bytes. */
export class ConnectionAccount {
  /** The most bytes the connection may hold. */
  readonly limit: number;
  #held = 0;
  #peak = 0;

  /**
   * Creates an empty account.
   * @param limit the most bytes the connection may hold
   */
  constructor(limit: number) {
    this.limit = limit;
  }

  /** Bytes held now. */
  get held(): number {
    return this.#held;
  }

  /** The most bytes held at once so far (for tests and measurements). */
  get peak(): number {
    return this.#peak;
  }

  /** Bytes that may still be charged. */
  get available(): number {
    return Math.max(0, this.limit - this.#held);
  }

  /**
   * Charges `bytes` if they fit under the limit.
   * @param bytes what is about to be held
   * @returns false (and nothing charged) when they would pass the limit
   */
  charge(bytes: number): boolean {
    if (this.#held + bytes > this.limit) return false;
    this.#add(bytes);
    return true;
  }

  /**
   * Charges a few bytes the server must hold whatever the limit says (the
   * one close frame of a connection): bounded by the caller, counted all the same.
   * @param bytes at most a control frame's size
   */
  chargeAnyway(bytes: number): void {
    this.#add(bytes);
  }

  /**
   * Gives back bytes no longer held.
   * @param bytes what was charged for them
   */
  release(bytes: number): void {
    this.#held = Math.max(0, this.#held - bytes);
  }

  #add(bytes: number): void {
    this.#held += bytes;
    if (this.#held > this.#peak) this.#peak = this.#held;
  }
}

/** Array slots an emptied queue keeps for reuse (more are given back). */
const RETAINED_SLOTS = 16;

/** A first-in first-out queue whose every item is charged to an account. */
export class ChargedQueue<T> {
  readonly #account: ConnectionAccount;
  readonly #sizeOf: (item: T) => number;
  /** Slots `#head` to `#tail` hold the items; the array is reused once emptied. */
  #items: T[] = [];
  #head = 0;
  #tail = 0;
  #bytes = 0;

  /**
   * Creates an empty queue.
   * @param account what its items are charged to
   * @param sizeOf an item's size in bytes
   */
  constructor(account: ConnectionAccount, sizeOf: (item: T) => number) {
    this.#account = account;
    this.#sizeOf = sizeOf;
  }

  /** Items queued. */
  get length(): number {
    return this.#tail - this.#head;
  }

  /**
   * Array slots it holds: the items, and taken ones not yet compacted away
   * (at most about as many again, and at most `RETAINED_SLOTS` once it has
   * been emptied).
   */
  get slots(): number {
    return this.#items.length;
  }

  /** Bytes charged for the queued items. */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Queues an item if the account can take it.
   * @param item the item
   * @returns false (nothing queued) when the account is full
   */
  push(item: T): boolean {
    const size = this.#sizeOf(item);
    if (!this.#account.charge(size)) return false;
    this.#items[this.#tail++] = item;
    this.#bytes += size;
    return true;
  }

  /**
   * Queues a small item the connection must send whatever its account says
   * (its close frame).
   * @param item the item (a control frame: at most 127 bytes)
   */
  pushAnyway(item: T): void {
    const size = this.#sizeOf(item);
    this.#account.chargeAnyway(size);
    this.#items[this.#tail++] = item;
    this.#bytes += size;
  }

  /**
   * The first item, without taking it.
   * @returns the item, or undefined when empty
   */
  peek(): T | undefined {
    return this.#items[this.#head];
  }

  /**
   * Takes the first item and releases its charge.
   * @returns the item, or undefined when empty
   */
  shift(): T | undefined {
    const item = this.take();
    if (item !== undefined) this.#account.release(this.#sizeOf(item));
    return item;
  }

  /**
   * Takes the first item, its charge staying on the account: the caller holds
   * it now (a write under way) and releases it when done.
   * @returns the item, or undefined when empty
   */
  take(): T | undefined {
    if (this.#head === this.#tail) return undefined;
    const item = this.#items[this.#head]!;
    this.#items[this.#head++] = undefined as T;
    if (this.#head === this.#tail) {
      // Emptied: the next item goes to slot 0 again. A socket's queue is
      // mostly one frame pushed and taken per event; before, each kept up to
      // 1024 spent slots (8 KiB, 150 MiB over 19 000 sockets). A queue that
      // once held many gives its array back.
      this.#head = this.#tail = 0;
      if (this.#items.length > RETAINED_SLOTS) this.#items = [];
    } else if (this.#head > 1024 && this.#head * 2 > this.#tail) {
      this.#items = this.#items.slice(this.#head, this.#tail);
      this.#tail -= this.#head;
      this.#head = 0;
    }
    this.#bytes -= this.#sizeOf(item);
    return item;
  }

  /**
   * Takes every item, in order, releasing their charges.
   * @returns the items
   */
  drain(): T[] {
    const out = this.#items.slice(this.#head, this.#tail);
    this.clear();
    return out;
  }

  /** Drops every item and releases their charges. */
  clear(): void {
    this.#account.release(this.#bytes);
    this.#items = [];
    this.#head = this.#tail = 0;
    this.#bytes = 0;
  }
}
