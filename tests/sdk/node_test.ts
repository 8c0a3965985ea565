/**
 * The SDK in Node: bundled with `deno bundle --platform node`, run by `node`
 * against the real server with Node's own WebSocket. Ignored when no `node`
 * is installed.
 */
import assert from "node:assert/strict";
import { mintToken } from "../_support/server.ts";
import { SQLITE } from "../integration/backends.ts";
import { startHub } from "./_live.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

async function nodeMajor(): Promise<number | null> {
  try {
    const out = await new Deno.Command("node", { args: ["--version"], stdout: "piped" }).output();
    return out.success ? Number(/^v(\d+)/.exec(new TextDecoder().decode(out.stdout))?.[1]) : null;
  } catch {
    return null;
  }
}

const major = await nodeMajor();

const SCRIPT = `
import { connect } from "./review-sdk.mjs";
const client = connect(process.env.HUB_URL, { token: () => process.env.HUB_TOKEN });
const states = [];
client.on("state", (s) => states.push(s.kind));
const ack = await client.submit(Number(process.env.RESPONSE_ID));
client.close();
console.log(JSON.stringify({ ack, states }));
`;

Deno.test({
  name: "the SDK bundled for Node submits through Node's WebSocket",
  ignore: major === null || major < 20,
  sanitizeOps: false,
  sanitizeResources: false,
}, async () => {
  const dir = await Deno.makeTempDir({ prefix: "sdk_node_" });
  const hub = await startHub(SQLITE);
  try {
    const bundled = await new Deno.Command(Deno.execPath(), {
      args: ["bundle", "--platform", "node", "--output", `${dir}/review-sdk.mjs`, "web/sdk/mod.ts"],
      cwd: ROOT,
      stderr: "piped",
    }).output();
    assert.ok(bundled.success, new TextDecoder().decode(bundled.stderr));
    await Deno.writeTextFile(`${dir}/main.mjs`, SCRIPT);
    const id = await hub.db.insertResponse();
    const run = await new Deno.Command("node", {
      // Node 20 and 21 have the WHATWG WebSocket behind a flag; later versions by default.
      args: [...(major! < 22 ? ["--experimental-websocket"] : []), "main.mjs"],
      cwd: dir,
      env: {
        HUB_URL: hub.server.wsUrl,
        HUB_TOKEN: await mintToken("writer", "module"),
        RESPONSE_ID: String(id),
      },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(run.stderr);
    assert.ok(run.success, stderr);
    const result = JSON.parse(new TextDecoder().decode(run.stdout).trim().split("\n").at(-1)!);
    assert.equal(typeof result.ack.seq, "number");
    assert.deepEqual(result.states, ["connected", "closed"]);
    const events = await hub.db.events();
    assert.deepEqual(events.map((e) => [e.seq, e.kind, e.response_id]), [[
      result.ack.seq,
      "pending",
      id,
    ]]);
  } finally {
    await hub.dispose();
    await Deno.remove(dir, { recursive: true });
  }
});
