/**
 * A card's age: when it was created (from `SNAPSHOT.created_at`, or the
 * `<time datetime>` of the server's card HTML for a `pending` event), how old
 * it is as people read it, and whether it is overdue (`SLA_MINUTES`).
 * @module
 */

/**
 * The creation time of a card.
 * @param createdAt `SNAPSHOT.created_at` when present
 * @param html the server's card HTML (its `<time class="card-created" datetime>`)
 * @returns ms since the epoch, or null when neither says
 */
export function createdAtOf(createdAt: unknown, html: string): number | null {
  if (typeof createdAt === "string") {
    const ms = Date.parse(createdAt);
    if (Number.isFinite(ms)) return ms;
  }
  const match = /<time class="card-created" datetime="([^"]+)"/.exec(html);
  if (!match?.[1]) return null;
  const ms = Date.parse(match[1]);
  return Number.isFinite(ms) ? ms : null;
}

/**
 * An age as people read it.
 * @param ms the age (ms; negative counts as none)
 * @returns e.g. `just now`, `4 min`, `2 h 5 min`, `3 d 4 h`
 */
export function ageText(ms: number): string {
  const minutes = Math.floor(Math.max(0, ms) / 60_000);
  if (minutes < 1) return "just now";
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
  const days = Math.floor(hours / 24);
  return hours % 24 === 0 ? `${days} d` : `${days} d ${hours % 24} h`;
}

/**
 * Whether a card is overdue.
 * @param createdAt its creation (ms)
 * @param now server time (ms)
 * @param slaMinutes `SLA_MINUTES`
 * @returns true when older than the SLA
 */
export function isOverdue(createdAt: number, now: number, slaMinutes: number): boolean {
  return now - createdAt > slaMinutes * 60_000;
}

/**
 * Shows a card's age and overdue mark (touching the DOM only on change).
 * @param el the card, with `data-created-at`
 * @param now server time (ms)
 * @param slaMinutes `SLA_MINUTES`
 */
export function showAge(el: HTMLElement, now: number, slaMinutes: number): void {
  const created = Date.parse(el.dataset.createdAt ?? "");
  if (!Number.isFinite(created)) return;
  const overdue = isOverdue(created, now, slaMinutes);
  const text = `${ageText(now - created)}${overdue ? " — overdue" : ""}`;
  const label = el.querySelector(".card-age");
  if (label && label.textContent !== text) label.textContent = text;
  if (overdue && el.dataset.overdue !== "true") el.dataset.overdue = "true";
  else if (!overdue && el.dataset.overdue) delete el.dataset.overdue;
}
