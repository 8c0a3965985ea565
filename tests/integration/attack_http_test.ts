/**
 * Issue 13, rows H3, H4, M2, M4 and the HTTP low rows, as attacks on a real
 * server process: responses nobody reads, TLS handshakes that never start, a
 * `Host` that rewrites the path, a head of CR bytes one per segment,
 * `Content-Length` padded with VT/NBSP, and `Expect: 100-continue`.
 */
import assert from "node:assert/strict";
import { TestClient } from "../_support/ws_client.ts";
import { mintToken } from "../_support/server.ts";
import { alive, closeQuietly, readUntil, withServer, writeAll } from "./_attack.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const enc = new TextEncoder();

async function gauge(url: string, series: string, init?: RequestInit): Promise<number> {
  for (let i = 0; i < 40; i++) {
    const text = await (await fetch(`${url}/metrics`, init)).text();
    const line = text.split("\n").find((l) => l.startsWith(series));
    if (line) return Number(line.slice(line.lastIndexOf(" ") + 1));
    await new Promise((r) => setTimeout(r, 100)); // the gauges are set every second
  }
  return NaN;
}

/**
 * Runs a shell command and returns its output. Another process's `/proc`
 * entries are read through a child: Deno grants `/proc/<pid>` only to
 * `--allow-all`, and the test task does not run with it.
 */
async function shell(command: string): Promise<string> {
  const out = await new Deno.Command("sh", { args: ["-c", command], stdout: "piped" }).output();
  if (!out.success) throw new Error(`${command} failed`);
  return new TextDecoder().decode(out.stdout);
}

async function openFds(pid: number): Promise<number> {
  return Number((await shell(`ls /proc/${pid}/fd | wc -l`)).trim());
}

/** CPU time (user + system) of a process, in ms. */
async function cpuMs(pid: number): Promise<number> {
  const stat = await shell(`cat /proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks * 10; // USER_HZ is 100 on Linux
}

async function raw(port: number, request: string, marker = "\r\n\r\n"): Promise<string> {
  const c = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await writeAll(c, enc.encode(request));
    return await readUntil(c, marker, 3000);
  } finally {
    closeQuietly(c);
  }
}

Deno.test({
  name: "H3: pipelined GETs whose responses are never read: sockets freed after the write deadline",
  ...opts,
  fn: async () => {
    await withServer({}, async (server) => {
      const baseline = await gauge(server.url, 'ws_sockets{state="open"}');
      const request = enc.encode(`GET /static/app.js HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
      const burst = new Uint8Array(request.length * 100);
      for (let i = 0; i < 100; i++) burst.set(request, i * request.length);
      const conns = await Promise.all(
        Array.from(
          { length: 20 },
          () => Deno.connect({ hostname: "127.0.0.1", port: server.port }),
        ),
      );
      await Promise.all(conns.map((c) => writeAll(c, burst).catch(() => {})));
      await new Promise((r) => setTimeout(r, 1500));
      const held = await gauge(server.url, 'ws_sockets{state="open"}');
      const started = Date.now();
      let now = held;
      while (Date.now() - started < 12_000 && now > baseline + 1) {
        await new Promise((r) => setTimeout(r, 500));
        now = await gauge(server.url, 'ws_sockets{state="open"}');
      }
      console.log(
        `[measure] H3: open sockets ${baseline} → ${held} while stalled → ${now} after ${
          Date.now() - started + 1500
        } ms`,
      );
      assert.ok(now <= baseline + 1, `still ${now} open`);
      conns.forEach(closeQuietly);
      assert.ok(await alive(server.pid));
    });
  },
});

Deno.test({
  name:
    "H4: TLS sockets that never send a ClientHello stay counted until their descriptor is freed",
  ...opts,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const cert = `${dir}/cert.pem`, key = `${dir}/key.pem`;
    const gen = await new Deno.Command("openssl", {
      args: [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        key,
        "-out",
        cert,
        "-days",
        "1",
        "-subj",
        "/CN=localhost",
        "-addext",
        "subjectAltName=DNS:localhost",
        "-addext",
        "basicConstraints=critical,CA:FALSE",
      ],
      stdout: "null",
      stderr: "piped",
    }).output();
    assert.equal(gen.code, 0, new TextDecoder().decode(gen.stderr));
    try {
      await withServer({ SSL_CERT_FILE: cert, SSL_KEY_FILE: key }, async (server) => {
        const caCerts = [await Deno.readTextFile(cert)];
        const get = async (path: string) => {
          const c = await Deno.connectTls({ hostname: "localhost", port: server.port, caCerts });
          try {
            await writeAll(c, enc.encode(`GET ${path} HTTP/1.1\r\nHost: localhost\r\n\r\n`));
            return await readUntil(c, "\r\n\r\n", 5000);
          } finally {
            closeQuietly(c);
          }
        };
        let first = "";
        for (let i = 0; i < 50 && !first.includes("200"); i++) {
          first = await get("/healthz").catch(() => "");
          if (!first.includes("200")) await new Promise((r) => setTimeout(r, 100));
        }
        assert.match(first, /200/);
        const openGauge = async () => {
          for (let i = 0; i < 20; i++) {
            const c = await Deno.connectTls({ hostname: "localhost", port: server.port, caCerts });
            try {
              await writeAll(
                c,
                enc.encode("GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
              );
              const text = await readUntil(c, "ws_sockets_limit", 5000);
              const line = text.split("\n").find((l) => l.startsWith('ws_sockets{state="open"}'));
              if (line) return Number(line.slice(line.lastIndexOf(" ") + 1));
            } finally {
              closeQuietly(c);
            }
            await new Promise((r) => setTimeout(r, 200));
          }
          return NaN;
        };
        const baseFds = await openFds(server.pid);
        const silent = await Promise.all(
          Array.from(
            { length: 100 },
            () => Deno.connect({ hostname: "127.0.0.1", port: server.port }),
          ),
        );
        // Past the header timeout (10 s): the server has given up on them.
        await new Promise((r) => setTimeout(r, 12_000));
        const heldFds = await openFds(server.pid);
        const heldCount = await openGauge();
        const status = (await get("/healthz")).split("\r\n")[0];
        silent.forEach(closeQuietly);
        const started = Date.now();
        let fds = heldFds;
        while (Date.now() - started < 5000 && fds > baseFds + 5) {
          await new Promise((r) => setTimeout(r, 200));
          fds = await openFds(server.pid);
        }
        await new Promise((r) => setTimeout(r, 1500));
        const afterCount = await openGauge();
        console.log(
          `[measure] H4: server fds ${baseFds} → ${heldFds} 12 s after 100 silent TLS sockets ` +
            `(counted open: ${heldCount}); a new HTTPS request: ${status}; once the peers left: ` +
            `fds ${fds} after ${Date.now() - started} ms, counted open ${afterCount}`,
        );
        // The runtime holds the descriptors of unfinished handshakes; the
        // budget must keep counting them, so it never promises descriptors
        // the process does not have.
        assert.ok(heldFds >= baseFds + 90, `descriptors held: ${heldFds}`);
        assert.ok(heldCount >= 100, `counted open: ${heldCount}`);
        assert.match(status ?? "", /200/);
        assert.ok(fds <= baseFds + 5, `still ${fds} descriptors (baseline ${baseFds})`);
        assert.ok(afterCount <= 3, `still counted: ${afterCount}`);
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "M2: the routed path is the request target's; a Host that is no host[:port] is 400",
  ...opts,
  fn: async () => {
    await withServer({}, async (server) => {
      const bad = await raw(
        server.port,
        "GET /static/app.css HTTP/1.1\r\nHost: x\\metrics?\r\nConnection: close\r\n\r\n",
        "\r\n\r\n",
      );
      const good = await raw(
        server.port,
        `GET /static/app.css HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nConnection: close\r\n\r\n`,
      );
      console.log(`[measure] M2: Host "x\\metrics?" → ${bad.split("\r\n")[0]}`);
      assert.match(bad, /^HTTP\/1\.1 400/);
      assert.match(good, /^HTTP\/1\.1 200/);
      assert.match(good, /text\/css/);
      for (const host of ["a b", "x/y", "x@y", "x:port", "[::1", "x:99999"]) {
        const r = await raw(
          server.port,
          `GET /healthz HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
        );
        assert.match(r, /^HTTP\/1\.1 400/, `Host: ${host}`);
      }
      for (
        const target of [
          "/static/..\\metrics",
          "/static/%2e%2e/metrics",
          "/static/../metrics",
          "/a#b",
        ]
      ) {
        const r = await raw(
          server.port,
          `GET ${target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`,
        );
        assert.match(r, /^HTTP\/1\.1 400/, `target ${target}`);
      }
      const query = await raw(
        server.port,
        "GET /healthz?q=don't&x=%27 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
      );
      assert.match(query, /^HTTP\/1\.1 200/, "a query is the client's own business");
      for (const host of ["localhost", "127.0.0.1:1", "[::1]:8765", "example.org"]) {
        const r = await raw(
          server.port,
          `GET /healthz HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
        );
        assert.match(r, /^HTTP\/1\.1 200/, `Host: ${host}`);
      }
    });
  },
});

Deno.test({
  name: "M4: a head of CR bytes sent one per segment costs no more CPU than plain bytes",
  ...opts,
  fn: async () => {
    await withServer({}, async (server) => {
      const feed = async (byte: number) => {
        const c = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
        c.setNoDelay(true);
        const before = await cpuMs(server.pid);
        await writeAll(c, enc.encode("GET / HTTP/1.1\r\n"));
        const one = new Uint8Array([byte]);
        const started = Date.now();
        try {
          for (let i = 0; i < 8_000 && Date.now() - started < 8_000; i++) {
            await writeAll(c, one);
            if (i % 8 === 0) await new Promise((r) => setTimeout(r, 0));
          }
        } catch { /* the header timeout closed it */ }
        await new Promise((r) => setTimeout(r, 300));
        const used = (await cpuMs(server.pid)) - before;
        closeQuietly(c);
        return used;
      };
      const plain = await feed(0x61);
      const crs = await feed(0x0d);
      console.log(
        `[measure] M4: 8 KB head one byte per segment: CPU ${plain} ms (plain), ${crs} ms (CRs)`,
      );
      assert.ok(crs < 2 * plain + 200, `CRs ${crs} ms vs plain ${plain} ms`);
      assert.ok(await alive(server.pid));
    });
  },
});

Deno.test({
  name: "low rows: Content-Length padded with VT or NBSP is 400; Expect: 100-continue is answered",
  ...opts,
  fn: async () => {
    await withServer({}, async (server) => {
      const token = await mintToken("mod", "module");
      const post = (cl: string) =>
        `POST /api/sr HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${cl}\r\nConnection: close\r\n\r\n{"response_id":1}`;
      const vt = await raw(server.port, post("17\x0b"));
      const nbsp = await raw(server.port, post("\xa017"));
      assert.match(vt, /^HTTP\/1\.1 400/, vt.slice(0, 40));
      assert.match(nbsp, /^HTTP\/1\.1 400/, nbsp.slice(0, 40));

      const c = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
      await writeAll(
        c,
        enc.encode(
          `POST /api/sr HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n` +
            `Content-Type: application/json\r\nContent-Length: 17\r\nExpect: 100-continue\r\n\r\n`,
        ),
      );
      const interim = await readUntil(c, "\r\n\r\n", 3000);
      closeQuietly(c);
      const big = await raw(
        server.port,
        `POST /api/sr HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 99999999\r\n` +
          `Expect: 100-continue\r\n\r\n`,
      );
      console.log(
        `[measure] low rows: CL+VT → ${vt.split("\r\n")[0]}; CL+NBSP → ${
          nbsp.split("\r\n")[0]
        }; Expect → ${interim.split("\r\n")[0]}; Expect over limit → ${big.split("\r\n")[0]}`,
      );
      assert.match(interim, /^HTTP\/1\.1 100 Continue\r\n\r\n/);
      assert.match(big, /^HTTP\/1\.1 (417|413)/);
      // The WebSocket path still works after all this.
      const ws = await TestClient.open(server.wsUrl);
      assert.equal((await ws.hello(await mintToken("alice", "operator"))).type, "WELCOME");
      await ws.close();
    });
  },
});
