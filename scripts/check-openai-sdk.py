#!/usr/bin/env python3
"""The official OpenAI Python SDK against this server's /v1 routes, unchanged.

Usage: python3 scripts/check-openai-sdk.py BASE_URL  (e.g. http://127.0.0.1:8787). Registers a user, creates
an API key, then completes, streams, lists models and checks that a bad key raises AuthenticationError.
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

    assert [model.id for model in client.models.list()], "no models"

    try:
        OpenAI(base_url=base + "/v1", api_key="sk-" + "x" * 40).chat.completions.create(
            model="m", messages=[{"role": "user", "content": "x"}])
        raise AssertionError("a bad key was accepted")
    except AuthenticationError as error:
        assert error.status_code == 401

    print(f"OpenAI Python SDK {__import__('openai').__version__}: completion, stream with usage, models and "
          f"AuthenticationError all work against {base}/v1")


if __name__ == "__main__":
    main(sys.argv[1].rstrip("/"))
