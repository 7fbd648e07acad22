"""A LiteLLM proxy hook: the stream of `stall-model` goes silent for STALL_SECONDS after its first chunk, as a
model server that hangs mid-answer does."""
import asyncio
import os

from litellm.integrations.custom_logger import CustomLogger


class StallAfterFirstChunk(CustomLogger):
    async def async_post_call_streaming_iterator_hook(self, user_api_key_dict, response, request_data):
        first = True
        async for chunk in response:
            yield chunk
            if first and request_data.get("model") == "stall-model":
                await asyncio.sleep(float(os.environ.get("STALL_SECONDS", "10")))
            first = False


stall = StallAfterFirstChunk()
