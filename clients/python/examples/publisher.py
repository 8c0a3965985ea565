"""The README's "publisher in twenty lines", publishing to a local file instead of a platform."""
import asyncio, json, os
from review_hub import Failed, HubClient, Job, Published, Publisher

OUT = os.environ.get("PUBLISH_TO", "published.jsonl")

async def publish(job: Job) -> "Published | Failed":
    if job.maybe_applied:                       # an earlier attempt died unreported: look first
        with open(OUT, "a+") as f:
            f.seek(0)
            if any(json.loads(line)["response_id"] == job.response_id for line in f):
                return Published(platform_ref=str(job.response_id))
    if not job.post_url.startswith("https://"):
        return Failed(f"bad post URL {job.post_url}", retryable=False)   # the hub marks it failed
    with open(OUT, "a") as f:
        f.write(json.dumps({"response_id": job.response_id, "post": job.post_url, "text": job.text}) + "\n")
    return Published(platform_ref=str(job.response_id))

async def main() -> None:
    hub = HubClient(os.environ["HUB_URL"], os.environ["HUB_TOKEN"])
    await Publisher(hub, publish, concurrency=4).run()

asyncio.run(main())
