/**
 * `REDIS_URL` with credentials and TLS, against private `redis-server`s:
 * `requirepass` (`redis://:pass@…`), an ACL user (`redis://user:pass@…`),
 * and `rediss://` with a certificate from a CA made here. Wrong or missing
 * credentials, and an untrusted certificate, leave the broker `down` (ping
 * fails) — never silently connected.
 */
import assert from "node:assert/strict";
import { BrokerUnavailableError } from "../../src/broker/broker.ts";
import { createBroker } from "../../src/broker/factory.ts";
import { silentLogger } from "../../src/logging/logger.ts";
import { REQUIRE_SERVICES } from "../_support/services.ts";
import { TEST_SECRET } from "../_support/server.ts";
import {
  HAVE_REDIS_BINARY as HAVE_REDIS_SERVER,
  type PrivateRedis,
  privateRedis,
} from "../_support/private_services.ts";
import { makeTlsFiles } from "../_support/tls_files.ts";
import { type Received, storedEvent, waitFor } from "./conformance.ts";

const ignore = !HAVE_REDIS_SERVER && !REQUIRE_SERVICES;
if (ignore) console.warn("redis-server is not installed: the Redis auth/TLS tests are IGNORED");
const ROOT = new URL("../../", import.meta.url).pathname;

/** Two signed brokers on `url` exchange one event. */
async function exchange(url: string): Promise<void> {
  const epoch = crypto.randomUUID();
  const settings = { redisUrl: url, secret: TEST_SECRET };
  const a = createBroker(settings, epoch, silentLogger);
  const b = createBroker(settings, epoch, silentLogger);
  const received: Received = [];
  try {
    await a.start(() => {});
    await b.start((seq, frame) => received.push({ seq, frame }));
    await a.ping();
    await b.ping();
    await a.publish(storedEvent(1, '{"via":"auth"}'));
    await waitFor(() => received.length === 1, 3000, "the event through Redis");
    assert.equal(received[0]!.frame, '{"via":"auth"}');
  } finally {
    await a.close();
    await b.close();
  }
}

/** A broker on `url` does not get through: ping fails. */
async function refused(url: string): Promise<void> {
  const broker = createBroker({ redisUrl: url, secret: TEST_SECRET }, "e", silentLogger);
  try {
    await broker.start(() => {});
    await assert.rejects(() => broker.ping(), BrokerUnavailableError);
  } finally {
    await broker.close();
  }
}

async function withRedis(
  options: Parameters<typeof privateRedis>[0],
  fn: (r: PrivateRedis) => Promise<void>,
): Promise<void> {
  const redis = await privateRedis(options);
  try {
    await redis.start();
    await fn(redis);
  } finally {
    await redis.remove();
  }
}

Deno.test({
  name: "REDIS_URL: a requirepass password in the URL",
  ignore,
  fn: () =>
    withRedis({ password: "s3cret/pass" }, async (redis) => {
      await exchange(redis.url({ password: "s3cret/pass" }));
      await refused(redis.url({ password: "wrong" }));
      await refused(redis.url());
    }),
});

Deno.test({
  name: "REDIS_URL: an ACL user and password in the URL",
  ignore,
  fn: () =>
    withRedis(
      {
        password: "admin-only",
        users: [["hub", "on", ">hub-pass", "~*", "&wsserver:*", "+@all"]],
      },
      async (redis) => {
        await exchange(redis.url({ user: "hub", password: "hub-pass" }));
        await refused(redis.url({ user: "hub", password: "wrong" }));
        await refused(redis.url({ user: "nobody", password: "hub-pass" }));
      },
    ),
});

Deno.test({
  name: "REDIS_URL: rediss:// with a private CA (DENO_CERT); an untrusted certificate is refused",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "wstest_redis_tls_" });
    try {
      const tls = await makeTlsFiles(dir);
      await withRedis({ tls, password: "tls-pass" }, async (redis) => {
        // DENO_CERT is read when a Deno process starts: run the brokers in one.
        const script = `
          const { createBroker } = await import(${
          JSON.stringify(new URL("../../src/broker/factory.ts", import.meta.url).href)
        });
          const { silentLogger } = await import(${
          JSON.stringify(new URL("../../src/logging/logger.ts", import.meta.url).href)
        });
          const url = ${JSON.stringify(redis.url({ password: "tls-pass" }))};
          const settings = { redisUrl: url, secret: ${JSON.stringify(TEST_SECRET)} };
          const epoch = crypto.randomUUID();
          const a = createBroker(settings, epoch, silentLogger);
          const b = createBroker(settings, epoch, silentLogger);
          let got = null;
          let outcome;
          try {
            await a.start(() => {});
            await b.start((seq, frame) => { got = frame; });
            await a.ping();
            await a.publish({ seq: 1, kind: "pending", responseId: 1, frame: '{"tls":true}', createdAt: new Date() });
            for (let i = 0; i < 300 && got === null; i++) await new Promise((r) => setTimeout(r, 10));
            outcome = got === null ? "no delivery" : got;
          } catch (e) {
            outcome = "refused: " + e.name;
          }
          await a.close();
          await b.close();
          console.log(JSON.stringify(outcome));
        `;
        const run = async (env: Record<string, string>) => {
          const out = await new Deno.Command(Deno.execPath(), {
            args: ["eval", "--ext=ts", script],
            cwd: ROOT,
            env,
            stdout: "piped",
            stderr: "piped",
          }).output();
          const text = new TextDecoder().decode(out.stdout).trim().split("\n").at(-1) ?? "";
          assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
          return JSON.parse(text) as string;
        };
        assert.equal(Deno.env.get("DENO_CERT"), undefined, "the test runs without DENO_CERT");
        assert.equal(await run({ DENO_CERT: tls.ca }), '{"tls":true}');
        assert.equal(await run({}), "refused: BrokerUnavailableError");
      });
    } finally {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
