/**
 * The dashboard's People panel (PROTOCOL.md §2 v1.2): everyone connected to
 * any process and everyone revoked, from `GET /api/admin/people`, each with
 * roles, connections, since, last seen, and a Revoke control with a confirm
 * step (`POST /api/admin/revoke`). Values go in as text, never as markup:
 * user names come from tokens and are data. Hooks for tests and users'
 * automation: each row has `data-person`; the controls `data-action` =
 * `revoke`, then `confirm` or `cancel`.
 * @module
 */
import { byId, h } from "../page/dom.ts";
import { since } from "./tables.ts";
import type { PeopleBody, Person, RevokeRequest } from "../../src/protocol/http_bodies.ts";

/** A row as shown. */
export interface PersonView {
  /** The user. */
  readonly user: string;
  /** Roles, comma-separated, or `–`. */
  readonly roles: string;
  /** Connections as text. */
  readonly connections: string;
  /** Since, or `–`. */
  readonly since: string;
  /** Last seen, or `–`. */
  readonly lastSeen: string;
  /** `revoked 14:03:07 (5 s ago)`, or `""`. */
  readonly revoked: string;
  /** Whether a Revoke control is offered (someone connected, or never revoked). */
  readonly revocable: boolean;
}

/**
 * What a row shows.
 * @param p the person
 * @param now the current time (ms)
 * @returns the texts of the row
 */
export function personView(p: Person, now: number): PersonView {
  return {
    user: p.user,
    roles: p.roles.length > 0 ? p.roles.join(", ") : "–",
    connections: String(p.connections),
    since: p.since === null ? "–" : since(p.since, now),
    lastSeen: p.last_seen === null ? "–" : since(p.last_seen, now),
    revoked: p.revoked_at === null ? "" : `revoked ${since(p.revoked_at, now)}`,
    revocable: p.connections > 0 || p.revoked_at === null,
  };
}

/** The People panel: reads the list, draws it, revokes after a confirm step. */
export class PeoplePanel {
  readonly #token: string;
  /** The user whose Revoke awaits its confirm, if any. */
  #confirming: string | null = null;
  #last: readonly Person[] = [];
  #busy = false;

  /**
   * Creates the panel over `#people-body`.
   * @param token the admin's token
   */
  constructor(token: string) {
    this.#token = token;
  }

  /** Reads the list and redraws; a failure leaves the last list shown. */
  async refresh(): Promise<void> {
    try {
      const res = await fetch("/api/admin/people", {
        headers: { authorization: `Bearer ${this.#token}` },
        cache: "no-store",
      });
      if (!res.ok) {
        await res.body?.cancel();
        return;
      }
      this.#last = ((await res.json()) as PeopleBody).people;
      this.#render();
    } catch { /* the dashboard's own poll reports the connection */ }
  }

  #render(): void {
    const now = Date.now();
    const rows = this.#last.map((p) => this.#row(personView(p, now)));
    byId("people-body").replaceChildren(...rows);
    byId("people-count").textContent = String(this.#last.filter((p) => p.connections > 0).length);
    byId("people-empty").hidden = this.#last.length > 0;
  }

  #row(v: PersonView): HTMLElement {
    let action: HTMLElement | string = "";
    if (this.#confirming === v.user) {
      action = h(
        "span",
        { class: "confirm" },
        `Revoke ${v.user}? Their open pages close now. `,
        this.#button("confirm", "Yes, revoke", () => void this.#revoke(v.user)),
        " ",
        this.#button("cancel", "Cancel", () => {
          this.#confirming = null;
          this.#render();
        }),
      );
    } else if (v.revocable) {
      action = this.#button("revoke", "Revoke", () => {
        this.#confirming = v.user;
        this.#render();
      });
    }
    return h(
      "tr",
      { "data-person": v.user, "data-revoked": v.revoked === "" ? "false" : "true" },
      h("td", {}, v.user),
      h("td", {}, v.roles),
      h("td", { class: "num" }, v.connections),
      h("td", {}, v.since),
      h("td", {}, v.lastSeen),
      h("td", { class: "revoked" }, v.revoked),
      h("td", {}, action),
    );
  }

  #button(action: string, text: string, onClick: () => void): HTMLElement {
    const b = h("button", { type: "button", class: "button", "data-action": action }, text);
    b.addEventListener("click", onClick);
    return b;
  }

  async #revoke(user: string): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    try {
      const res = await fetch("/api/admin/revoke", {
        method: "POST",
        headers: {
          authorization: `Bearer ${this.#token}`,
          "content-type": "application/json",
        },
        body: JSON.stringify({ user } satisfies RevokeRequest),
      });
      await res.body?.cancel();
      this.#confirming = null;
      await this.refresh();
    } finally {
      this.#busy = false;
    }
  }
}
