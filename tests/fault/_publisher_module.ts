/**
 * A publishing module as its own process, for the publication fault
 * suite: `deno run -A _publisher_module.ts <wsUrl> <platformUrl> <name>
 * <token>`. It runs the SDK's `Publisher` against the fake platform. An
 * attempt whose outcome it cannot know (a timeout) is checked on the
 * platform before it is reported; a job with `maybe_applied` is checked
 * before posting. Prints one JSON line per job taken (for the checker).
 */
import { connect, type PublicationJob, Publisher, type PublishOutcome } from "../../web/sdk/mod.ts";

const [wsUrl, platform, name, token] = Deno.args as [string, string, string, string];
/** How often the module dies right after a post succeeded. */
const CRASH_AFTER_POST = 0.06;

async function find(id: number): Promise<number | null> {
  const res = await fetch(`${platform}/find?response_id=${id}`, {
    signal: AbortSignal.timeout(1000),
  });
  const found = await res.json() as { id: number } | null;
  return found?.id ?? null;
}

const published = (postId: number): PublishOutcome => ({
  kind: "published",
  platformRef: String(postId),
  url: `https://vk.com/wall-1_1?reply=${postId}`,
});

async function publish(job: PublicationJob): Promise<PublishOutcome> {
  console.log(
    JSON.stringify({ took: job.response_id, attempt: job.attempt, maybe: job.maybe_applied }),
  );
  if (job.maybe_applied) {
    const id = await find(job.response_id);
    if (id !== null) return published(id);
  }
  let res: Response;
  try {
    res = await fetch(`${platform}/post`, {
      method: "POST",
      body: JSON.stringify({ response_id: job.response_id, attempt: job.attempt, module: name }),
      signal: AbortSignal.timeout(1000),
    });
  } catch {
    // Ambiguous: it may have been posted. Look before saying it failed.
    const id = await find(job.response_id).catch(() => null);
    return id !== null ? published(id) : { kind: "failed", reason: "platform timed out" };
  }
  if (res.status === 410) {
    return { kind: "failed", reason: "HTTP 410: post deleted", retryable: false };
  }
  if (!res.ok) return { kind: "failed", reason: `HTTP ${res.status} from the platform` };
  const posted = (await res.json() as { id: number }).id;
  // Now and then the module dies between posting and reporting: the hub
  // re-queues the job with maybe_applied when its lease passes.
  if (Math.random() < CRASH_AFTER_POST) {
    console.log(JSON.stringify({ crashed_after_post: job.response_id }));
    Deno.exit(9);
  }
  return published(posted);
}

const client = connect(wsUrl, { token, requestTimeoutMs: 3000 });
new Publisher(client, publish, { pollMs: 2000 }).start();
