"""A LiteLLM proxy hook: the stream of `stall-model` goes silent for STALL_SECONDS after its first chunk, as a
model server that hangs mid-answer does. When the silence is cut short because the client (our server) went away,
the time is appended to STALL_CANCELLED_FILE, so the check can tell how soon the upstream saw it."""
import asyncio
import os
import time

from litellm.integrations.custom_logger import CustomLogger


class StallAfterFirstChunk(CustomLogger):
    async def async_post_call_streaming_iterator_hook(self, user_api_key_dict, response, request_data):
        first = True
        async for chunk in response:
            yield chunk
            if first and request_data.get("model") == "stall-model":
                try:
                    await asyncio.sleep(float(os.environ.get("STALL_SECONDS", "10")))
                except asyncio.CancelledError:
                    if os.environ.get("STALL_CANCELLED_FILE"):
                        with open(os.environ["STALL_CANCELLED_FILE"], "a") as cancelled:
                            cancelled.write(f"{time.time()}\n")
                    raise
            first = False


stall = StallAfterFirstChunk()
