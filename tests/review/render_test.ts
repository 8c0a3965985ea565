/**
 * `createRenderer`: the card from `templates/card.njk`, with every string from
 * the database or a platform escaped. Assertions parse the HTML back, so they
 * test what a browser would build, not substrings.
 */
import assert from "node:assert/strict";
import { parse } from "node-html-parser";
import { createRenderer } from "../../src/review/render.ts";
import type { ResponseRow } from "../../src/store/store.ts";
import { asResponseId } from "../../src/protocol/types.ts";

const XSS = `<img src=x onerror=alert(1)>`;
const renderer = createRenderer();

function row(over: Partial<ResponseRow> = {}): ResponseRow {
  return {
    id: asResponseId(7),
    platform: "vk",
    post_url: "https://vk.com/wall-1_2",
    post_text: null,
    author: "Ann",
    response_text: "Thanks!",
    status: "pending",
    created_at: new Date("2026-03-04T05:06:07.890Z"),
    decided_at: null,
    decided_by: null,
    reason: null,
    ...over,
  };
}

Deno.test("render: the card shows platform, link, post text, author, reply and time", () => {
  const html = renderer.renderCard(row({ response_text: "line 1\nline 2" }), {
    postText: "The post",
    unavailable: false,
  });
  const doc = parse(html);
  assert.equal(doc.querySelector(".card-platform")?.text, "VK");
  assert.ok(doc.querySelector(".card-platform")?.classList.contains("card-platform--vk"));
  const link = doc.querySelector("a.card-link");
  assert.equal(link?.getAttribute("href"), "https://vk.com/wall-1_2");
  assert.equal(link?.getAttribute("rel"), "noopener noreferrer");
  assert.equal(link?.getAttribute("target"), "_blank");
  assert.equal(doc.querySelector(".card-post-text")?.text, "The post");
  assert.equal(doc.querySelector(".card-author-name")?.text, "Ann");
  assert.equal(doc.querySelector(".card-reply-text")?.text, "line 1\nline 2");
  assert.equal(doc.querySelector("time")?.getAttribute("datetime"), "2026-03-04T05:06:07.890Z");
  assert.equal(doc.querySelector("time")?.text, "2026-03-04 05:06 UTC");
});

Deno.test("render: markup in post text, author and reply arrives as escaped text", () => {
  const html = renderer.renderCard(row({ author: XSS, response_text: XSS + `"'&` }), {
    postText: XSS,
    unavailable: false,
  });
  const doc = parse(html);
  assert.equal(doc.querySelectorAll("img").length, 0, html);
  assert.equal(doc.querySelectorAll("[onerror]").length, 0);
  assert.equal(doc.querySelector(".card-post-text")?.text, XSS);
  assert.equal(doc.querySelector(".card-author-name")?.text, XSS);
  assert.equal(doc.querySelector(".card-reply-text")?.text, XSS + `"'&`);
  assert.ok(html.includes("&lt;img src=x onerror=alert(1)&gt;"));
});

Deno.test("render: only http(s) post URLs become links; others stay escaped text", () => {
  const urls = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "//evil.example/x",
    "not a url",
  ];
  for (const postUrl of urls) {
    const doc = parse(
      renderer.renderCard(row({ post_url: postUrl }), { postText: null, unavailable: true }),
    );
    assert.equal(doc.querySelectorAll("a").length, 0, postUrl);
    assert.equal(doc.querySelectorAll("script").length, 0, postUrl);
    assert.equal(doc.querySelector(".card-link")?.text, postUrl);
  }
});

Deno.test("render: links only to https on the platform's own hosts; the rest is text", () => {
  const cases: Array<[string, string, boolean]> = [
    ["vk", "https://vk.com/wall-1_2", true],
    ["vk", "https://m.vk.com/wall-1_2", true],
    ["vk", "https://VK.ru/wall-1_2", true],
    ["vk", "https://www.vk.com/club1?w=wall-1_2", true],
    ["telegram", "https://t.me/durov/42", true],
    ["telegram", "https://telegram.me/durov/42", true],
    ["telegram", "https://telegram.dog/durov/42", true],
    ["vk", "http://vk.com/wall-1_2", false],
    ["vk", "https://vk.com.evil.example/wall-1_2", false],
    ["vk", "https://evil.example/vk.com/wall-1_2", false],
    ["vk", "https://vk.com@evil.example/wall-1_2", false],
    ["vk", "https://user:pw@vk.com/wall-1_2", false],
    ["vk", "https://vk.com:8443/wall-1_2", false],
    ["vk", "https://xn--vk-wka.com/wall-1_2", false],
    ["vk", "https://t.me/durov/42", false],
    ["telegram", "https://vk.com/wall-1_2", false],
    ["telegram", "https://t.me.evil.example/durov/42", false],
    ["other", "https://vk.com/wall-1_2", false],
    ["vk", "https://127.0.0.1/wall-1_2", false],
  ];
  for (const [platform, postUrl, linked] of cases) {
    const doc = parse(
      renderer.renderCard(row({ platform, post_url: postUrl }), {
        postText: "x",
        unavailable: false,
      }),
    );
    const link = doc.querySelector("a.card-link");
    assert.equal(Boolean(link), linked, `${platform} ${postUrl}`);
    assert.equal(doc.querySelectorAll("a").length, linked ? 1 : 0, postUrl);
    assert.equal(doc.querySelector(".card-link")?.text, postUrl, "the URL is shown either way");
    if (linked) assert.equal(link?.getAttribute("href"), new URL(postUrl).href);
  }
});

Deno.test("render: a URL that breaks out of the attribute stays inside it", () => {
  const postUrl = `https://vk.com/wall-1_2?"onmouseover="alert(1)`;
  const doc = parse(
    renderer.renderCard(row({ post_url: postUrl }), { postText: "x", unavailable: false }),
  );
  const link = doc.querySelector("a.card-link");
  assert.equal(link?.getAttribute("onmouseover"), undefined);
  assert.ok(link?.getAttribute("href")?.startsWith("https://vk.com/wall-1_2?"));
});

Deno.test("render: unavailable and empty post text say so", () => {
  const unavailable = parse(renderer.renderCard(row(), { postText: null, unavailable: true }));
  assert.ok(unavailable.querySelector(".card-post--unavailable"));
  assert.match(unavailable.text, /Post text unavailable/);
  assert.equal(unavailable.querySelector(".card-post-text"), null);

  // Text known but the flag set: the flag wins (the caller says the fetch failed).
  const flagged = parse(renderer.renderCard(row(), { postText: "stale", unavailable: true }));
  assert.ok(flagged.querySelector(".card-post--unavailable"));

  const empty = parse(renderer.renderCard(row(), { postText: "  ", unavailable: false }));
  assert.ok(empty.querySelector(".card-post--empty"));
});

Deno.test("render: unknown platform, no author and a bad date still render", () => {
  const html = renderer.renderCard(
    row({ platform: `<b>fb</b>`, author: null, created_at: new Date(Number.NaN) }),
    { postText: null, unavailable: true },
  );
  const doc = parse(html);
  assert.equal(doc.querySelector(".card-platform")?.text, "<b>fb</b>");
  assert.ok(doc.querySelector(".card-platform")?.classList.contains("card-platform--other"));
  assert.equal(doc.querySelectorAll("b").length, 0);
  assert.match(doc.querySelector(".card-author")?.text ?? "", /Author unknown/);
  assert.equal(doc.querySelector("time")?.text, "time unknown");
});

Deno.test("render: the card has no data-response-id or data-action (the page adds them)", () => {
  const html = renderer.renderCard(row(), { postText: "x", unavailable: false });
  assert.equal(/data-response-id|data-action/.test(html), false);
});

Deno.test("render: templates are found from any working directory", async () => {
  const previous = Deno.cwd();
  const dir = await Deno.makeTempDir();
  try {
    Deno.chdir(dir);
    const html = createRenderer().renderCard(row(), { postText: "cwd", unavailable: false });
    assert.equal(parse(html).querySelector(".card-post-text")?.text, "cwd");
  } finally {
    Deno.chdir(previous);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("render: a template using an undefined value fails loudly (throwOnUndefined)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/card.njk`, "<p>{{ misspelt }}</p>");
    assert.throws(() =>
      createRenderer(dir).renderCard(row(), { postText: "x", unavailable: false })
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
