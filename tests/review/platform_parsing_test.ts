/** The pure readers of VK answers and Telegram embed pages. */
import assert from "node:assert/strict";
import { extractTelegramText, telegramEmbedUrl } from "../../src/review/telegram.ts";
import { parseVkResponse, redactToken, vkRequestUrl } from "../../src/review/vk.ts";
import { TELEGRAM_NOT_FOUND, telegramEmbed } from "./_fake_platforms.ts";

Deno.test("vk: a repost's empty text falls back to the original's text", () => {
  const body = JSON.stringify({
    response: { items: [{ text: "", copy_history: [{ text: "original post" }] }] },
  });
  assert.deepEqual(parseVkResponse(body), { ok: true, text: "original post" });
});

Deno.test("vk: a post with empty text and no repost is ok with empty text", () => {
  assert.deepEqual(parseVkResponse('{"response":{"items":[{"text":""}]}}'), { ok: true, text: "" });
});

Deno.test("vk: an error without code or message still is api_error", () => {
  for (const body of ['{"error": {}}', '{"error": "x"}', '{"error": null}']) {
    const result = parseVkResponse(body);
    assert.equal(result.ok ? "ok" : result.reason, "api_error", body);
  }
});

Deno.test("vk: the request URL encodes the token and version as query parameters", () => {
  const url = new URL(
    vkRequestUrl({ apiBase: "http://127.0.0.1:1/", token: "a&b=c", version: "5.199" }, {
      platform: "vk",
      owner: "-1",
      post: "2",
    }),
  );
  assert.equal(url.pathname, "/method/wall.getById");
  assert.equal(url.searchParams.get("access_token"), "a&b=c");
  assert.equal(url.searchParams.get("posts"), "-1_2");
});

Deno.test("redactToken removes the token and any access_token parameter", () => {
  const text = "error sending request for url (http://x/m?posts=1_2&access_token=abc123&v=5)";
  assert.equal(redactToken(text, "abc123").includes("abc123"), false);
  assert.equal(redactToken("token abc123 here", "abc123"), "token *** here");
  assert.equal(redactToken("nothing", ""), "nothing");
});

Deno.test("telegram: the quoted message of a reply is not taken for the post's text", () => {
  const inner = "the post itself";
  const page = telegramEmbed(inner).replace(
    '<div class="tgme_widget_message_bubble">',
    '<div class="tgme_widget_message_bubble"><a class="tgme_widget_message_reply" href="#">' +
      '<div class="tgme_widget_message_text js-message_reply_text">quoted older post</div></a>',
  );
  assert.deepEqual(extractTelegramText(page), { ok: true, text: "the post itself" });
});

Deno.test("telegram: script text that looks like the element is ignored", () => {
  const page = '<html><head><script>document.write(\'<div class="tgme_widget_message_text">' +
    "fake</div>')</script></head><body>" + TELEGRAM_NOT_FOUND + "</body></html>";
  assert.equal(extractTelegramText(page).ok, false);
});

Deno.test("telegram: a media-only post (message without text) is ok with empty text", () => {
  const page = '<div class="tgme_widget_message" data-post="c/1"><div class="photo"></div></div>';
  assert.deepEqual(extractTelegramText(page), { ok: true, text: "" });
});

Deno.test("telegram: markup in the text stays text after extraction (entities decoded once)", () => {
  const page = telegramEmbed("&lt;script&gt;alert(1)&lt;/script&gt; &amp;amp;");
  assert.deepEqual(extractTelegramText(page), {
    ok: true,
    text: "<script>alert(1)</script> &amp;",
  });
});

Deno.test("telegram: the embed URL is base/channel/post?embed=1", () => {
  assert.equal(
    telegramEmbedUrl("http://127.0.0.1:9/", { platform: "telegram", channel: "ch", post: "7" }),
    "http://127.0.0.1:9/ch/7?embed=1",
  );
});
