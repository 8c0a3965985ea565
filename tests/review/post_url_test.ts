/** `parsePostUrl`: every accepted shape and, as carefully, the refused ones. */
import assert from "node:assert/strict";
import { parsePostUrl } from "../../src/review/post_url.ts";

Deno.test("vk post URLs in their usual shapes parse to owner and post", () => {
  const cases: Array<[string, string, string]> = [
    ["https://vk.com/wall-123_456", "-123", "456"],
    ["https://vk.com/wall123_456", "123", "456"],
    ["https://m.vk.com/wall-1_2", "-1", "2"],
    ["http://www.vk.com/wall-1_2/", "-1", "2"],
    ["https://vk.com/club1?w=wall-1_2", "-1", "2"],
    ["https://vk.com/public99?w=wall-99_7&z=photo", "-99", "7"],
    ["https://vk.ru/wall-5_6", "-5", "6"],
    ["  https://VK.com/wall-5_6  ", "-5", "6"],
    ["https://vk.com/wall-123_456?reply=789", "-123", "456"],
  ];
  for (const [url, owner, post] of cases) {
    assert.deepEqual(
      parsePostUrl("vk", url),
      { ok: true, ref: { platform: "vk", owner, post } },
      url,
    );
  }
});

Deno.test("vk URLs without a post, on other hosts, or with odd ids are refused", () => {
  const bad = [
    "https://vk.com/",
    "https://vk.com/id123",
    "https://vk.com/club1",
    "https://vk.com/wall-1",
    "https://vk.com/wall-1_",
    "https://vk.com/wall--1_2",
    "https://vk.com/wall-0_2",
    "https://vk.com/wall-1_02",
    "https://vk.com/wall-1_2x",
    "https://vk.com/foo/wall-1_2",
    "https://vk.com/wall-12345678901234567890_1",
    "https://vk.com.evil.example/wall-1_2",
    "https://evilvk.com/wall-1_2",
    "javascript:alert(1)",
    "data:text/html,wall-1_2",
    "vk.com/wall-1_2",
    "",
    `https://vk.com/wall-1_2?${"a".repeat(3000)}`,
  ];
  for (const url of bad) {
    const result = parsePostUrl("vk", url);
    assert.equal(result.ok, false, url);
    assert.ok(!result.ok && result.detail.length > 0);
  }
});

Deno.test("telegram post URLs parse to channel and post", () => {
  const cases: Array<[string, string, string]> = [
    ["https://t.me/channel/789", "channel", "789"],
    ["https://t.me/s/channel/789", "channel", "789"],
    ["https://t.me/Some_Chan/1?single", "Some_Chan", "1"],
    ["https://telegram.me/durov/12/", "durov", "12"],
    ["https://telegram.dog/durov/12", "durov", "12"],
  ];
  for (const [url, channel, post] of cases) {
    assert.deepEqual(
      parsePostUrl("telegram", url),
      { ok: true, ref: { platform: "telegram", channel, post } },
      url,
    );
  }
});

Deno.test("telegram URLs that have no public embed page are refused", () => {
  const bad = [
    "https://t.me/channel",
    "https://t.me/s/channel",
    "https://t.me/channel/0",
    "https://t.me/channel/-1",
    "https://t.me/channel/1/2",
    "https://t.me/c/1234567/89",
    "https://t.me/s/c/1234567/89",
    "https://t.me/ab/1",
    "https://t.me/%2e%2e/1",
    "https://t.me/ch%2Fx/1",
    "https://t.me/1channel/1",
    "https://t.me.evil.example/channel/1",
    "ftp://t.me/channel/1",
    "t.me/channel/1",
  ];
  for (const url of bad) assert.equal(parsePostUrl("telegram", url).ok, false, url);
});

Deno.test("a URL is only parsed for its own platform; unknown platforms are refused", () => {
  assert.equal(parsePostUrl("telegram", "https://vk.com/wall-1_2").ok, false);
  assert.equal(parsePostUrl("vk", "https://t.me/channel/1").ok, false);
  for (const platform of ["", "VK", "facebook", "vk ", "__proto__"]) {
    const result = parsePostUrl(platform, "https://vk.com/wall-1_2");
    assert.equal(result.ok, false, platform);
  }
});
