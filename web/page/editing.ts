/**
 * Editing a reply under a claim: "Edit reply" claims the card, and the claim
 * is renewed while the editor is open (before the lease ends); Cancel closes
 * the editor and releases it. Another user taking the card over (after a
 * lapse, or an admin's release) closes the editor and keeps what was typed.
 * @module
 */
import { type Claim, type ClaimTable, parseClaim, renewDelay } from "./claims.ts";
import { cardId, setCardStatus, setEditor } from "./card.ts";
import { describeError, errorCode } from "./errors.ts";

/** What editing needs of the connection. */
export interface ClaimClient {
  /** `CLAIM`: takes or renews the claim; resolves with it. */
  claim(responseId: number): Promise<Claim>;
  /** `RELEASE`: ends this user's claim. */
  release(responseId: number): Promise<unknown>;
}

/** A retry after a renewal that got no answer (ms). */
const RENEW_RETRY_MS = 1_000;

/** The cards this page edits, and their renewals. */
export class Editing {
  readonly #client: ClaimClient;
  readonly #claims: ClaimTable;
  readonly #now: () => number;
  readonly #changed: (id: number) => void;
  /** Renewal timers of the cards being edited here. */
  readonly #editing = new Map<number, ReturnType<typeof setTimeout> | null>();

  /**
   * @param client claims and releases
   * @param claims the page's claim table (updated at once with this page's own claims)
   * @param now the server's time (ms)
   * @param changed called when a card's claim changed, to redraw it
   */
  constructor(
    client: ClaimClient,
    claims: ClaimTable,
    now: () => number,
    changed: (id: number) => void,
  ) {
    this.#client = client;
    this.#claims = claims;
    this.#now = now;
    this.#changed = changed;
  }

  /**
   * Whether this page is editing a card.
   * @param id the response id
   * @returns true while the editor is open under this page's claim
   */
  has(id: number): boolean {
    return this.#editing.has(id);
  }

  /**
   * Claims a card and opens its editor.
   * @param el the card
   */
  async start(el: HTMLElement): Promise<void> {
    const id = cardId(el);
    if (this.#editing.has(id)) return;
    setCardStatus(el, "busy", "Claiming…");
    let claim: Claim;
    try {
      claim = await this.#client.claim(id);
    } catch (error) {
      if (!el.isConnected) return;
      setCardStatus(el, "failed", `Not opened for editing: ${describeError(error)}`);
      if (errorCode(error) === "claimed") {
        this.#heldElsewhere(id, error);
        el.dataset.statusCause = "claim"; // cleared when the claim ends
      }
      this.#changed(id);
      return;
    }
    if (!el.isConnected) return;
    this.#claims.set(id, claim);
    this.#editing.set(id, null);
    setCardStatus(el, "idle");
    setEditor(el, true)?.focus();
    this.#schedule(el, claim);
    this.#changed(id);
  }

  /**
   * Closes the editor and releases the claim.
   * @param el the card
   */
  cancel(el: HTMLElement): void {
    const id = cardId(el);
    this.#stop(id);
    setEditor(el, false);
    setCardStatus(el, "idle");
    this.#claims.set(id, null);
    this.#changed(id);
    el.focus();
    this.#client.release(id).catch((error) => {
      if (el.isConnected) setCardStatus(el, "failed", `Not released: ${describeError(error)}`);
    });
  }

  /**
   * Someone else holds the card now (a `claimed` event, a `released` by an
   * admin, a `SNAPSHOT`): stop editing it here, keeping the typed text.
   * @param el the card
   * @param why the line to show
   * @param untilFree whether the line goes once nobody holds the card (it names the holder)
   */
  lost(el: HTMLElement, why: string, untilFree = false): void {
    const id = cardId(el);
    if (!this.#editing.has(id)) return;
    this.#stop(id);
    setEditor(el, false);
    setCardStatus(el, "failed", why);
    if (untilFree) el.dataset.statusCause = "claim";
  }

  /**
   * The card left the page (decided): forget it.
   * @param id the response id
   */
  ended(id: number): void {
    this.#stop(id);
  }

  #stop(id: number): void {
    const timer = this.#editing.get(id);
    if (timer) clearTimeout(timer);
    this.#editing.delete(id);
  }

  #heldElsewhere(id: number, error: unknown): void {
    const fields = (error as { fields?: Record<string, unknown> }).fields ?? {};
    const claim = parseClaim(fields.claimed_by, fields.claim_until);
    if (claim) this.#claims.set(id, claim);
  }

  #schedule(el: HTMLElement, claim: Claim, delay = renewDelay(claim.until, this.#now())): void {
    const id = cardId(el);
    if (!this.#editing.has(id)) return;
    const old = this.#editing.get(id);
    if (old) clearTimeout(old);
    this.#editing.set(id, setTimeout(() => void this.#renew(el, claim), delay));
  }

  async #renew(el: HTMLElement, previous: Claim): Promise<void> {
    const id = cardId(el);
    if (!this.#editing.has(id) || !el.isConnected) return this.#stop(id);
    try {
      const claim = await this.#client.claim(id);
      if (!this.#editing.has(id)) return;
      this.#claims.set(id, claim);
      this.#changed(id);
      this.#schedule(el, claim);
    } catch (error) {
      if (!this.#editing.has(id)) return;
      const code = errorCode(error);
      if (code === "claimed") {
        this.#heldElsewhere(id, error);
        this.lost(el, `Your claim lapsed: ${describeError(error)}. Your text is kept.`, true);
        this.#changed(id);
      } else if (code === "not_pending" || code === "not_found" || code === "closed") {
        this.lost(el, `Editing ended: ${describeError(error)}`);
      } else {
        // No answer (timeout, unavailable, a dropped connection): try again while it may help.
        this.#schedule(el, previous, RENEW_RETRY_MS);
      }
    }
  }
}
