#!/usr/bin/env python3
"""The official OpenAI Python SDK against this server's /v1 routes, unchanged.

Usage: python3 scripts/check-openai-sdk.py BASE_URL  (e.g. http://127.0.0.1:8787). Registers a user, creates
an API key, then completes, streams, runs a tool-calling round trip (streamed and not), structured output with
json_schema, n = 2 and logprobs (against the mock backend, which answers them deterministically), lists models
and checks that a bad key raises AuthenticationError.
Needs `pip install openai`. Exits non-zero on the first difference.
"""
import json
import sys
import urllib.request
import uuid

from openai import AuthenticationError, OpenAI


def post(base, path, body, token=None):
    request = urllib.request.Request(base + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def main(base):
    email = f"sdk-{uuid.uuid4().hex[:12]}@example.com"
    token = post(base, "/register", {"email": email, "password": "sdk password"})["token"]
    key = post(base, "/api-keys/create", {"name": "openai sdk"}, token)["key"]
    client = OpenAI(base_url=base + "/v1", api_key=key)

    reply = client.chat.completions.create(model="sdk-model", messages=[{"role": "user", "content": "Hello there"}])
    assert reply.choices[0].message.content.endswith("You said: Hello there"), reply
    assert reply.model == "sdk-model" and reply.choices[0].finish_reason == "stop", reply

    pieces, usage = [], None
    for chunk in client.chat.completions.create(model="sdk-model", messages=[{"role": "user", "content": "Stream it"}],
                                                stream=True, stream_options={"include_usage": True}):
        if chunk.choices and chunk.choices[0].delta.content:
            pieces.append(chunk.choices[0].delta.content)
        if chunk.usage:
            usage = chunk.usage
    assert "".join(pieces).endswith("You said: Stream it"), pieces
    assert usage is not None and usage.total_tokens > 0, usage

    tools = [{"type": "function", "function": {"name": "get_weather", "description": "The weather in a city",
                                               "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                                                              "required": ["city"]}}}]
    asked = [{"role": "user", "content": "Paris"}]
    called = client.chat.completions.create(model="sdk-model", messages=asked, tools=tools)
    call = called.choices[0].message.tool_calls[0]
    assert called.choices[0].message.content is None and called.choices[0].finish_reason == "tool_calls", called
    assert call.function.name == "get_weather" and json.loads(call.function.arguments) == {"city": "Paris"}, call
    answered = client.chat.completions.create(model="sdk-model", tools=tools, messages=asked + [
        {"role": "assistant", "content": None, "tool_calls": [call.model_dump()]},
        {"role": "tool", "tool_call_id": call.id, "content": "18 degrees"}])
    assert answered.choices[0].message.content.endswith("The tool said: 18 degrees"), answered

    names, arguments = [], ""
    for chunk in client.chat.completions.create(model="sdk-model", messages=asked, tools=tools, stream=True):
        for piece in (chunk.choices[0].delta.tool_calls or []) if chunk.choices else []:
            if piece.function and piece.function.name:
                names.append(piece.function.name)
            if piece.function and piece.function.arguments:
                arguments += piece.function.arguments
    assert names == ["get_weather"] and json.loads(arguments) == {"city": "Paris"}, (names, arguments)

    shaped = client.chat.completions.create(model="sdk-model", messages=[{"role": "user", "content": "shape"}],
                                            response_format={"type": "json_schema", "json_schema": {
                                                "name": "answer", "strict": True, "schema": {
                                                    "type": "object", "properties": {"said": {"type": "string"}},
                                                    "required": ["said"], "additionalProperties": False}}})
    assert json.loads(shaped.choices[0].message.content)["said"].endswith("You said: shape"), shaped

    two = client.chat.completions.create(model="sdk-model", messages=[{"role": "user", "content": "twice"}], n=2,
                                         logprobs=True, top_logprobs=2)
    assert [choice.index for choice in two.choices] == [0, 1], two
    assert len(two.choices[0].logprobs.content[0].top_logprobs) == 2, two.choices[0].logprobs

    assert [model.id for model in client.models.list()], "no models"

    try:
        OpenAI(base_url=base + "/v1", api_key="sk-" + "x" * 40).chat.completions.create(
            model="m", messages=[{"role": "user", "content": "x"}])
        raise AssertionError("a bad key was accepted")
    except AuthenticationError as error:
        assert error.status_code == 401

    print(f"OpenAI Python SDK {__import__('openai').__version__}: completion, stream with usage, tool calls (streamed "
          f"and not), json_schema, n = 2, logprobs, models and AuthenticationError all work against {base}/v1")


if __name__ == "__main__":
    main(sys.argv[1].rstrip("/"))
