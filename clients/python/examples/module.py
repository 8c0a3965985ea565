"""The README's "module in ten lines": announce a pending response, print its decision."""
import asyncio, os, review_hub

async def main(response_id: int) -> None:
    async with review_hub.HubClient(os.environ["HUB_URL"], os.environ["HUB_TOKEN"]) as hub:
        ack = await hub.submit(response_id)                  # SR; ack.duplicate if announced before
        print("announced as seq", ack.seq, flush=True)
        async for event in hub.events():                     # each once, in order, across reconnects
            if isinstance(event, review_hub.ApprovedEvent) and event.response_id == response_id:
                print(event.response_id, "approved by", event.by, ":", event.text)
                break

asyncio.run(main(int(os.environ["RESPONSE_ID"])))
