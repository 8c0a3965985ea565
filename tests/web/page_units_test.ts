/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The page's pure parts: the token's path from the fragment to storage, the
 * indicator's mapping of client states (the decision sentences are in
 * page_publication_test.ts).
 */
import assert from "node:assert/strict";
import { indicatorView } from "../../web/page/indicator.ts";
import { forgetToken, takeToken, TOKEN_KEY, type TokenEnv } from "../../web/page/token.ts";

function fakeEnv(hash: string, stored: string | null = null) {
  const storage = new Map<string, string>(stored ? [[TOKEN_KEY, stored]] : []);
  const replaced: string[] = [];
  const env: TokenEnv = {
    location: { hash, pathname: "/", search: "?lang=en" },
    history: { replaceState: (_d, _u, url) => replaced.push(url) },
    storage: {
      getItem: (k) => storage.get(k) ?? null,
      setItem: (k, v) => void storage.set(k, v),
      removeItem: (k) => void storage.delete(k),
    },
  };
  return { env, storage, replaced };
}

Deno.test("the token moves from the fragment to session storage and leaves the address bar", () => {
  const { env, storage, replaced } = fakeEnv("#token=a.b.c");
  assert.equal(takeToken(env), "a.b.c");
  assert.equal(storage.get(TOKEN_KEY), "a.b.c");
  assert.deepEqual(replaced, ["/?lang=en"]);
});

Deno.test("without a fragment the stored token is used; an empty one is cleared from the URL", () => {
  const kept = fakeEnv("", "x.y.z");
  assert.equal(takeToken(kept.env), "x.y.z");
  assert.deepEqual(kept.replaced, []);
  const empty = fakeEnv("#token=");
  assert.equal(takeToken(empty.env), null);
  assert.deepEqual(empty.replaced, ["/?lang=en"]);
  forgetToken(kept.env);
  assert.equal(kept.storage.has(TOKEN_KEY), false);
});

Deno.test("the indicator maps every client state to connected, reconnecting or offline", () => {
  const now = 1_000_000;
  const lastClose = { code: 1006, reason: "" };
  assert.deepEqual(indicatorView({ kind: "connecting" }, now).state, "reconnecting");
  assert.deepEqual(
    indicatorView({ kind: "connected", clientId: "c", user: "alice", role: "operator" }, now),
    { state: "connected", text: "Connected as alice" },
  );
  assert.deepEqual(
    indicatorView({ kind: "reconnecting", attempt: 2, retryAt: now + 2100, lastClose }, now),
    { state: "reconnecting", text: "Reconnecting — next try in 3 s" },
  );
  assert.match(
    indicatorView({ kind: "reconnecting", attempt: 2, retryAt: null, lastClose }, now).text,
    /trying now/,
  );
  const refused = indicatorView(
    { kind: "closed", reason: { kind: "unauthorized", message: "" } },
    now,
  );
  assert.deepEqual(refused, { state: "offline", text: "Offline — the token was refused" });
});
