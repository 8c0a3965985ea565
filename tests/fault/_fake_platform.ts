/**
 * A fake VK/Telegram for the publication fault suite: an HTTP server on
 * loopback that records posted replies and misbehaves on a seeded
 * schedule — a 503, a request that hangs (a timeout: nothing posted), a
 * post that is recorded but whose answer comes too late for the caller
 * (an ambiguous outcome), and rarely a 410 (the post is gone: final).
 * `GET /find?response_id=` says whether a reply was posted (what a module
 * checks before posting again after an ambiguous attempt).
 * @module
 */
import { Prng } from "./prng.ts";

/** One reply as the platform holds it. */
export interface Post {
  readonly responseId: number;
  readonly attempt: number;
  readonly module: string;
  readonly id: number;
}

/** The fake platform. */
export class FakePlatform {
  readonly posts: Post[] = [];
  /** Posts whose answer the caller never got in time. */
  ambiguous = 0;
  readonly #rng: Prng;
  readonly #server: Deno.HttpServer<Deno.NetAddr>;
  #nextId = 1000;

  /**
   * Starts listening on a free loopback port.
   * @param seed the misbehaviour's seed
   * @param answerMs how long a normal answer takes
   */
  constructor(seed: number, readonly answerMs = 50) {
    this.#rng = new Prng(seed);
    this.#server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      (req) => this.#handle(req),
    );
  }

  /** `http://127.0.0.1:<port>`. */
  get url(): string {
    return `http://127.0.0.1:${this.#server.addr.port}`;
  }

  async #handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    if (url.pathname === "/find") {
      const id = Number(url.searchParams.get("response_id"));
      const post = this.posts.find((p) => p.responseId === id);
      return Response.json(post ? { id: post.id } : null);
    }
    const body = await req.json() as { response_id: number; attempt: number; module: string };
    await sleep(this.answerMs);
    const roll = this.#rng.next();
    if (roll < 0.12) return new Response("unavailable", { status: 503 });
    if (roll < 0.18) {
      await sleep(3000); // hangs past the caller's timeout; nothing posted
      return new Response("too late", { status: 504 });
    }
    if (roll < 0.2) return new Response("gone", { status: 410 });
    const post = {
      responseId: body.response_id,
      attempt: body.attempt,
      module: body.module,
      id: this.#nextId++,
    };
    this.posts.push(post);
    if (roll < 0.28) {
      this.ambiguous++;
      await sleep(3000); // posted, but the answer comes after the caller gave up
    }
    return Response.json({ id: post.id });
  }

  /** Stops listening. */
  async close(): Promise<void> {
    await this.#server.shutdown();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
