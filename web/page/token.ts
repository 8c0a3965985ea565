/**
 * The operator's token: taken from the `#token=` fragment (which never reaches
 * server logs), kept in `sessionStorage` for this tab, and removed from the
 * address bar so it is not shared by copying the URL or kept in history.
 * @module
 */

/** The `sessionStorage` key of the token. */
export const TOKEN_KEY = "review-hub.token";

/** What the page needs of `window`. */
export interface TokenEnv {
  readonly location: { readonly hash: string; readonly pathname: string; readonly search: string };
  readonly history: { replaceState(data: unknown, unused: string, url: string): void };
  readonly storage: {
    getItem(key: string): string | null;
    setItem(key: string, value: string): void;
    removeItem(key: string): void;
  };
}

/**
 * Reads the token from the fragment (and stores it) or from storage.
 * @param env location, history and storage
 * @returns the token, or null when there is none
 */
export function takeToken(env: TokenEnv): string | null {
  const params = new URLSearchParams(env.location.hash.replace(/^#/, ""));
  const fromHash = params.get("token");
  if (params.has("token")) {
    env.history.replaceState(null, "", env.location.pathname + env.location.search);
  }
  if (fromHash) {
    env.storage.setItem(TOKEN_KEY, fromHash);
    return fromHash;
  }
  return env.storage.getItem(TOKEN_KEY);
}

/**
 * Forgets the stored token (after the server refused it).
 * @param env storage
 */
export function forgetToken(env: Pick<TokenEnv, "storage">): void {
  env.storage.removeItem(TOKEN_KEY);
}
