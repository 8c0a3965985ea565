/**
 * `ConnectionBudget`: how many sockets a process holds, how many of them are
 * not yet welcomed (pending: HTTP requests, and WebSockets before `CL`
 * succeeded), and how many pending ones each remote address holds. New
 * connections past a limit are shed at accept, so that no peer can take the
 * descriptors or the slots that welcomed clients and their reconnects need.
 * Pure bookkeeping: the listener asks and reports; nothing here does I/O.
 * An IPv6 client is counted by its /64 (one host usually holds a whole /64,
 * so counting each address would give it 2^64 shares).
 * @module
 */

/**
 * The key an address is counted under: an IPv4 address itself (also when
 * IPv4-mapped), an IPv6 address's /64 prefix.
 * @param address a client address
 * @returns the key of the per-address limit
 */
export function addressKey(address: string): string {
  if (!address.includes(":")) return address;
  const bare = address.replace(/^\[|\]$/g, "").split("%")[0]!.toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(bare);
  if (mapped) return mapped[1]!;
  const [head = "", tail] = bare.split("::", 2) as [string, string | undefined];
  const left = head === "" ? [] : head.split(":");
  const right = tail === undefined || tail === "" ? [] : tail.split(":");
  const fill = tail === undefined
    ? []
    : Array(Math.max(0, 8 - left.length - right.length)).fill("0");
  const groups = [...left, ...fill, ...right].slice(0, 4).map((g) =>
    (parseInt(g, 16) || 0).toString(16)
  );
  return `${groups.join(":")}::/64`;
}

/** The limits of a budget. */
export interface BudgetLimits {
  /** Most sockets open at once (below the process's open-file limit). */
  readonly maxSockets: number;
  /** Most sockets not yet welcomed. */
  readonly maxPending: number;
  /** Most sockets not yet welcomed from one client address. */
  readonly maxPendingPerAddress: number;
}

/** Why a connection was refused. */
export type ShedReason = "sockets" | "pending" | "address";

/** One counted connection. */
export interface Counted {
  /** The peer's address, the key of the per-address limit. */
  address: string;
  /** True until the connection is welcomed (counts against the pending limits). */
  pending: boolean;
  /** False once released. */
  open: boolean;
  /** Not counted per address (a trusted proxy, until the client's address is known). */
  exempt: boolean;
}

/** Counts connections against limits. */
export class ConnectionBudget {
  /** The limits connections are counted against. */
  readonly limits: BudgetLimits;
  #open = 0;
  #pending = 0;
  readonly #byAddress = new Map<string, number>();

  /**
   * Creates an empty budget.
   * @param limits the limits
   */
  constructor(limits: BudgetLimits) {
    this.limits = limits;
  }

  /** Sockets open now. */
  get open(): number {
    return this.#open;
  }

  /** Sockets not yet welcomed. */
  get pending(): number {
    return this.#pending;
  }

  /**
   * Pending sockets of one address.
   * @param address the client address
   * @returns the count
   */
  pendingOf(address: string): number {
    return this.#byAddress.get(addressKey(address)) ?? 0;
  }

  /**
   * Admits a new connection, or says why not.
   * @param address the peer's address
   * @param exempt true for a trusted proxy (counted per address later, by the client's address)
   * @returns the record to report on, or the reason it is shed
   */
  admit(address: string, exempt: boolean): Counted | ShedReason {
    if (this.#open >= this.limits.maxSockets) return "sockets";
    if (this.#pending >= this.limits.maxPending) return "pending";
    if (!exempt && this.pendingOf(address) >= this.limits.maxPendingPerAddress) return "address";
    this.#open++;
    this.#pending++;
    if (!exempt) this.#byAddress.set(addressKey(address), this.pendingOf(address) + 1);
    return { address, pending: true, exempt, open: true };
  }

  /**
   * Counts a pending connection under the client's own address (learnt from
   * a trusted proxy's `X-Forwarded-For`).
   * @param c the connection
   * @param address the client's address
   * @returns false when that address already holds its share (the connection should be refused)
   */
  reassign(c: Counted, address: string): boolean {
    if (!c.pending) return true;
    if (this.pendingOf(address) >= this.limits.maxPendingPerAddress) return false;
    this.#dropAddress(c);
    c.address = address;
    c.exempt = false;
    this.#byAddress.set(addressKey(address), this.pendingOf(address) + 1);
    return true;
  }

  /**
   * The connection's client was welcomed: it no longer counts as pending.
   * @param c the connection
   */
  welcome(c: Counted): void {
    if (!c.pending) return;
    c.pending = false;
    this.#pending--;
    this.#dropAddress(c);
  }

  /**
   * The connection closed (idempotent).
   * @param c the connection
   */
  release(c: Counted): void {
    if (!c.open) return;
    c.open = false;
    this.welcome(c);
    this.#open--;
  }

  #dropAddress(c: Counted): void {
    if (c.exempt) return;
    const n = this.pendingOf(c.address) - 1;
    if (n <= 0) this.#byAddress.delete(addressKey(c.address));
    else this.#byAddress.set(addressKey(c.address), n);
  }
}
