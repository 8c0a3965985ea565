/**
 * The opt-in desktop notification: when a reply arrives while the tab is
 * hidden, and the person asked for it (and the browser allowed it), one
 * notification says so; clicking it brings the tab back.
 * @module
 */

/** The `localStorage` key that remembers the opt-in. */
export const NOTIFY_KEY = "review-hub.notify";

/** What notifying needs of `window` (a seam for tests). */
export interface NotifyEnv {
  readonly permission: () => NotificationPermission | "unsupported";
  readonly request: () => Promise<NotificationPermission>;
  readonly show: (title: string, body: string, tag: string) => void;
  readonly hidden: () => boolean;
  readonly storage: Pick<Storage, "getItem" | "setItem" | "removeItem">;
}

/**
 * Whether to notify about a new reply now.
 * @param optedIn the person asked for notifications
 * @param permission the browser's permission
 * @param hidden the tab is hidden
 * @returns true when a notification is due
 */
export function shouldNotify(
  optedIn: boolean,
  permission: NotificationPermission | "unsupported",
  hidden: boolean,
): boolean {
  return optedIn && permission === "granted" && hidden;
}

/** The opt-in and the notifications themselves. */
export class Notifier {
  readonly #env: NotifyEnv;

  /** @param env the browser's notification API, visibility and storage */
  constructor(env: NotifyEnv) {
    this.#env = env;
  }

  /** Whether notifications are on (asked for, and allowed). */
  get enabled(): boolean {
    return this.#env.storage.getItem(NOTIFY_KEY) === "on" && this.#env.permission() === "granted";
  }

  /** Whether this browser can notify at all. */
  get supported(): boolean {
    return this.#env.permission() !== "unsupported";
  }

  /**
   * Turns notifications on (asking the browser) or off.
   * @param on the wish
   * @returns whether they are on now
   */
  async set(on: boolean): Promise<boolean> {
    if (!on) {
      this.#env.storage.removeItem(NOTIFY_KEY);
      return false;
    }
    const permission = this.#env.permission() === "granted" ? "granted" : await this.#env.request();
    if (permission !== "granted") return false;
    this.#env.storage.setItem(NOTIFY_KEY, "on");
    return true;
  }

  /**
   * A reply arrived: notify if it is due.
   * @param id the response id
   * @param platform its platform
   * @param postUrl its post
   */
  arrived(id: number, platform: string, postUrl: string): void {
    // Cheapest first: Chromium's `Notification.permission` asks the browser
    // process (about 1 ms a call, 100 ms in a burst of 100 `pending` events).
    const optedIn = this.#env.storage.getItem(NOTIFY_KEY) === "on";
    if (!optedIn || !this.#env.hidden()) return;
    if (!shouldNotify(optedIn, this.#env.permission(), true)) return;
    this.#env.show(`New reply to review (#${id})`, `${platform}: ${postUrl}`, `reply-${id}`);
  }
}

/**
 * The browser's side of notifying.
 * @returns the environment of `Notifier`
 */
export function browserNotifyEnv(): NotifyEnv {
  const api = typeof Notification === "function" ? Notification : null;
  return {
    permission: () => api?.permission ?? "unsupported",
    request: () => api ? api.requestPermission() : Promise.resolve("denied"),
    show(title, body, tag) {
      if (!api) return;
      const n = new api(title, { body, tag });
      n.onclick = () => {
        globalThis.focus();
        n.close();
      };
    },
    hidden: () => document.visibilityState === "hidden",
    storage: localStorage,
  };
}
