/**
 * The npm `ws` package, loaded from the peers' install directory
 * (`BENCH_NODE_DIR`, default `bench/.peers/node`), which is outside Node's
 * resolution path from here.
 * @module
 */
import { createRequire } from "node:module";

const dir = process.env.BENCH_NODE_DIR ?? new URL("../.peers/node", import.meta.url).pathname;
const require = createRequire(`${dir}/package.json`);

/** The `ws` client class. */
export const WebSocket = require("ws");
/** The `ws` package version. */
export const wsVersion = require("ws/package.json").version;
