/**
 * The connection's state as a discriminated union, and the table of allowed
 * transitions. The client changes state only through `StateMachine.transition`.
 * @module
 */

/** Why the client stopped for good. */
export type ClosedReason =
  | { readonly kind: "client" }
  | { readonly kind: "server"; readonly code: number; readonly reason: string }
  | {
    readonly kind: "unauthorized";
    readonly message: string;
    /** (v1.2) True when the server closed because the user's access was revoked: final. */
    readonly revoked?: boolean;
  }
  | { readonly kind: "protocol"; readonly code: number; readonly reason: string };

/** The last close the client saw. */
export interface CloseInfo {
  /** The close code (1006: the connection dropped; 4000: the client gave up on it). */
  readonly code: number;
  /** The close reason, or what the client detected. */
  readonly reason: string;
}

/** The connection's state, with what each state knows. */
export type ConnectionState =
  | { readonly kind: "connecting" }
  | {
    readonly kind: "connected";
    readonly clientId: string;
    readonly user: string;
    readonly role: string;
  }
  | {
    readonly kind: "reconnecting";
    /** Backoff attempt number of the next try. */
    readonly attempt: number;
    /** When the next try starts (ms since epoch); `null` while a try is under way. */
    readonly retryAt: number | null;
    readonly lastClose: CloseInfo;
  }
  | { readonly kind: "closed"; readonly reason: ClosedReason };

/** The name of a state. */
export type StateKind = ConnectionState["kind"];

const ALLOWED: Readonly<Record<StateKind, readonly StateKind[]>> = {
  connecting: ["connecting", "connected", "reconnecting", "closed"],
  connected: ["reconnecting", "closed"],
  reconnecting: ["reconnecting", "connected", "closed"],
  closed: [],
};

/**
 * Whether a transition is allowed.
 * @param from the current state
 * @param to the next state
 * @returns true when allowed
 */
export function canTransition(from: StateKind, to: StateKind): boolean {
  return ALLOWED[from].includes(to);
}

/** Holds the state; the only place it changes. */
export class StateMachine {
  #state: ConnectionState = { kind: "connecting" };
  readonly #onChange: (next: ConnectionState, previous: ConnectionState) => void;

  /** @param onChange called after every transition */
  constructor(onChange: (next: ConnectionState, previous: ConnectionState) => void) {
    this.#onChange = onChange;
  }

  /** The current state. */
  get current(): ConnectionState {
    return this.#state;
  }

  /**
   * Moves to the next state and reports it.
   * @param next the next state
   * @returns false (and nothing changes) when the transition is not allowed
   */
  transition(next: ConnectionState): boolean {
    const previous = this.#state;
    if (!canTransition(previous.kind, next.kind)) return false;
    this.#state = next;
    this.#onChange(next, previous);
    return true;
  }
}
