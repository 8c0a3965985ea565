/**
 * Issue 7, row 1, at the layer where it happened: the accept loop of a
 * process under `ulimit -n 120` that is offered 400 connections runs out of
 * descriptors, sheds what it cannot hold, stays alive, and serves again once
 * the descriptors are free. (`Deno.serve` ended the process here.)
 */
import assert from "node:assert/strict";

const SERVER = new URL("./_emfile_server.ts", import.meta.url).pathname;

// `node-listen` is not among them: Deno 2.9.6's node:net listener stops
// accepting for good at EMFILE (issue 18 item 3; ../shared/notes/transport-writes.md §5).
for (const io of ["deno", "node"] as const) {
  Deno.test({
    name: `out of file descriptors (${io}): the listener sheds and recovers; the process lives`,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: async () => {
      const child = new Deno.Command("bash", {
        args: [
          "-c",
          `ulimit -n 120 && exec "$0" run --allow-net=127.0.0.1 --allow-read "$1" "$2"`,
          Deno.execPath(),
          SERVER,
          io,
        ],
        stdout: "piped",
        stderr: "inherit",
      }).spawn();
      const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
      let out = "";
      while (!/port \d+/.test(out)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`server ended: ${out}`);
        out += value;
      }
      const port = Number(/port (\d+)/.exec(out)![1]);
      try {
        const conns: Deno.TcpConn[] = [];
        await Promise.all(Array.from({ length: 400 }, async () => {
          try {
            conns.push(await Deno.connect({ hostname: "127.0.0.1", port }));
          } catch { /* refused by a full backlog: fine */ }
        }));
        await new Promise((r) => setTimeout(r, 1000));
        conns.forEach((c) => {
          try {
            c.close();
          } catch { /* closed by the server */ }
        });
        // The listener recovers once descriptors are free (its pause between tries is at most 1 s).
        let res: Response | null = null;
        for (let i = 0; i < 50 && res === null; i++) {
          await new Promise((r) => setTimeout(r, 100));
          res = await fetch(`http://127.0.0.1:${port}/count`).catch(() => null);
        }
        assert.ok(res, "the listener serves again");
        const text = await res.text();
        const shed = Number(/shed-fds (\d+)/.exec(text)?.[1]);
        console.log(
          `[measure] emfile: ${conns.length} connected, ${shed} accepts shed for want of descriptors`,
        );
        assert.equal(res.status, 200);
        assert.ok(shed > 0, "the limit was reached and handled");
      } finally {
        try {
          child.kill("SIGKILL");
        } catch { /* it ended: the assertions above say why */ }
        await child.status;
        await reader.cancel().catch(() => {});
      }
    },
  });
}
