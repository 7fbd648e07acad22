"""Checks the server's answers with the LiteLLM proxy as its upstream (run by scripts/check-litellm.sh).
Arguments: the server with the right upstream key, one with a wrong key, the right key, LiteLLM's pid."""
import json
import os
import signal
import sys
import time
import urllib.error
import urllib.request

good, wrong, master, litellm_pid = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
failures = []


def call(base, method, path, body=None, token=None, timeout=30):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data, headers, method=method)
    start = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode(), time.monotonic() - start
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), time.monotonic() - start


def check(name, condition, detail=""):
    print(("ok   " if condition else "FAIL ") + name + ("" if condition else f": {detail[:400]}"))
    if not condition:
        failures.append(name)


def token(base):
    email = f"litellm-{time.time_ns()}@example.com"
    status, text, _ = call(base, "POST", "/register", {"email": email, "password": "litellm password"})
    assert status == 200, text
    return json.loads(text)["token"]


def events(text):
    return [event for event in text.split("\n\n") if event.strip()]


def chat(model, stream=False):
    body = {"model": model, "messages": [{"role": "user", "content": "hi"}]}
    if stream:
        body["stream"] = True
    return body


user = token(good)
status, text, _ = call(good, "POST", "/chat/completions", chat("mock-model"), user)
check("normal answer", status == 200 and json.loads(text).get("response") == "Hello from LiteLLM, a real upstream", text)
status, text, _ = call(good, "POST", "/v1/chat/completions", chat("mock-model"), user)
body = json.loads(text) if status == 200 else {}
check("normal answer on /v1, with LiteLLM's id and usage",
      status == 200 and body["id"].startswith("chatcmpl-") and body["usage"]["total_tokens"] > 0
      and body["choices"][0]["finish_reason"] == "stop", text)

status, text, _ = call(good, "POST", "/v1/chat/completions", chat("mock-model", stream=True), user)
chunks = [json.loads(event[len("data: "):]) for event in events(text) if event.startswith("data: {")]
content = "".join((choice["delta"].get("content") or "") for chunk in chunks for choice in chunk["choices"])
check("streamed on /v1, piece by piece, ending with [DONE]",
      status == 200 and content == "Hello from LiteLLM, a real upstream" and len(chunks) > 5 and events(text)[-1] == "data: [DONE]", text)
status, text, _ = call(good, "POST", "/chat/completions", chat("mock-model", stream=True), user)
check("streamed in the Workers AI shape", status == 200 and events(text)[-1] == "data: [DONE]" and '"response":"Hel"' in text, text)

status, text, _ = call(good, "POST", "/v1/chat/completions", chat("length-model"), user)
body = json.loads(text) if status == 200 else {}
check("a length finish reaches the client", status == 200 and body["choices"][0]["finish_reason"] == "length"
      and body["id"] == "chatcmpl-litellm-length", text)

tools = [{"type": "function", "function": {"name": "get_weather", "parameters": {
    "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]
status, text, _ = call(good, "POST", "/v1/chat/completions", dict(chat("tool-model"), tools=tools, tool_choice="auto", seed=7), user)
choice = json.loads(text)["choices"][0] if status == 200 else {}
check("a tool call with content null reaches the client as LiteLLM sent it",
      status == 200 and choice["message"]["content"] is None and choice["finish_reason"] == "tool_calls"
      and choice["message"]["tool_calls"][0]["function"] == {"name": "get_weather", "arguments": '{"city":"Paris"}'}
      and json.loads(text).get("system_fingerprint") == "fp_litellm", text)

status, text, _ = call(good, "POST", "/v1/chat/completions", chat("no-such-model"), user)
error = json.loads(text).get("error", {}) if text.startswith("{") else {}
check("an unknown model is 400 upstream_rejected with LiteLLM's reason, in OpenAI's shape",
      status == 400 and error.get("code") == "upstream_rejected" and "Invalid model name" in error.get("message", ""), text)

# LiteLLM without its database refuses every key but its master key with 400 "No connected db."
status, text, _ = call(wrong, "POST", "/chat/completions", chat("mock-model"), token(wrong))
check("a wrong upstream key is the operator's 502 upstream_auth_failed, the key never shown",
      status == 502 and "sk-wrong-upstream-key" not in text and master not in text
      and json.loads(text).get("code") == "upstream_auth_failed", text)
status, text, _ = call(wrong, "GET", "/v1/models", None, token(wrong))
check("/v1/models with a wrong upstream key still lists MODEL_NAME",
      status == 200 and [model["id"] for model in json.loads(text)["data"]] == ["mock-model"], text)

status, text, elapsed = call(good, "POST", "/chat/completions", chat("slow-model"), user)
check("slow headers are 504 within UPSTREAM_TIMEOUT", status == 504 and json.loads(text).get("code") == "upstream_timeout" and elapsed < 7,
      f"{status} after {elapsed:.1f}s: {text}")

status, text, elapsed = call(good, "POST", "/v1/chat/completions", chat("stall-model", stream=True), user)
last = events(text)[-1] if events(text) else ""
check("a stall mid-stream ends with an error event and no [DONE] within UPSTREAM_IDLE_TIMEOUT",
      status == 200 and last.startswith("event: error") and "upstream_timeout" in last and "[DONE]" not in text and elapsed < 6,
      f"after {elapsed:.1f}s: {text}")

status, text, _ = call(good, "POST", "/v1/chat/completions", chat("error-model", stream=True), user)
check("an upstream failure is 502 upstream_error", status == 502 and json.loads(text)["error"]["code"] == "upstream_error", text)

status, text, _ = call(good, "GET", "/v1/models", None, user)
ids = [model["id"] for model in json.loads(text).get("data", [])] if status == 200 else []
check("/v1/models lists LiteLLM's models, the default first", ids[:1] == ["mock-model"] and "length-model" in ids, text)

# Twenty streams at once, each two seconds in coming, from two users (each under the 16 streams one may hold): the
# HTTP client's old pool of 8 connections per host made the ninth fail as unreachable.
import socket  # noqa: E402
import threading  # noqa: E402

results = []
streamers = [user, token(good)]
started = time.monotonic()
threads = [threading.Thread(target=lambda who=streamers[index % 2]: results.append(
    call(good, "POST", "/v1/chat/completions", chat("long-model", stream=True), who))) for index in range(20)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
took = time.monotonic() - started
check("20 concurrent streams through one instance all complete",
      len(results) == 20 and all(status == 200 and events(text)[-1] == "data: [DONE]" for status, text, _ in results),
      str([(status, text[-80:]) for status, text, _ in results if status != 200][:3]))
check("and at the same time, not eight at a time", took < 2 * 2 + 3, f"took {took:.1f}s")

# A client that leaves while the model is silent: the server sees its connection close and cancels the upstream
# request, which LiteLLM notices (its stall hook records the time).
cancelled_file = os.environ.get("STALL_CANCELLED_FILE", "")
cancelled_before = open(cancelled_file).read().count("\n") if os.path.exists(cancelled_file) else 0
host, port = good.removeprefix("http://").split(":")
body = json.dumps(chat("stall-model", stream=True))
leaving = socket.create_connection((host, int(port)))
leaving.sendall((f"POST /v1/chat/completions HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {user}\r\n"
                 f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n{body}").encode())
received = b""
leaving.settimeout(10)
while b"data: {" not in received:
    piece = leaving.recv(4096)
    if not piece:
        break
    received += piece
left_at = time.time()
leaving.close()
seen = None
for _ in range(50):
    time.sleep(0.1)
    lines = open(cancelled_file).read().split() if os.path.exists(cancelled_file) else []
    if len(lines) > cancelled_before:
        seen = float(lines[-1]) - left_at
        break
check(f"a client leaving a silent stream is seen by the upstream within a second ({seen or 0:.2f} s)",
      b"data: {" in received and seen is not None and seen < 1.0, f"first piece: {received[-80:]!r}, upstream saw it after {seen}")

# The official OpenAI SDK through this server to LiteLLM: a tool-calling round trip, and the fields a canned model
# ignores but LiteLLM must get (json_schema, n, logprobs) accepted. (LiteLLM cannot stream a canned answer given as
# a whole completion, which a canned tool call must be: streamed tool-call pieces are checked in swift test.)
from openai import OpenAI  # noqa: E402  (installed by .ci/run before this script)

status, text, _ = call(good, "POST", "/api-keys/create", {"name": "sdk"}, user)
client = OpenAI(base_url=good + "/v1", api_key=json.loads(text)["key"])
called = client.chat.completions.create(model="tool-model", messages=[{"role": "user", "content": "Paris"}], tools=tools)
sdk_call = called.choices[0].message.tool_calls[0] if called.choices[0].message.tool_calls else None
check("the SDK reads LiteLLM's tool call", sdk_call is not None and called.choices[0].message.content is None
      and sdk_call.function.name == "get_weather", str(called))
answered = client.chat.completions.create(model="mock-model", tools=tools, messages=[
    {"role": "user", "content": "Paris"}, {"role": "assistant", "content": None, "tool_calls": [sdk_call.model_dump()] if sdk_call else []},
    {"role": "tool", "tool_call_id": sdk_call.id if sdk_call else "x", "content": "18 degrees"}])
check("the SDK's tool result reaches LiteLLM and is answered", answered.choices[0].message.content == "Hello from LiteLLM, a real upstream", str(answered))
shaped = client.chat.completions.create(model="mock-model", messages=[{"role": "user", "content": "x"}], n=2, logprobs=True, top_logprobs=1,
                                        response_format={"type": "json_schema", "json_schema": {"name": "a", "schema": {"type": "object"}}})
check("json_schema, n and logprobs reach LiteLLM and are answered", len(shaped.choices) >= 1, str(shaped))

os.kill(litellm_pid, signal.SIGTERM)
time.sleep(1.5)
status, text, _ = call(good, "POST", "/chat/completions", chat("mock-model"), user)
check("the upstream down is 502 upstream_unreachable", status == 502 and json.loads(text).get("code") == "upstream_unreachable", text)
status, text, _ = call(good, "GET", "/v1/models", None, user)
check("/v1/models with the upstream down answers 200 with the last models it can offer",
      status == 200 and [model["id"] for model in json.loads(text)["data"]][:1] == ["mock-model"], text)

print(f"{len(failures)} of the LiteLLM checks failed" if failures else "every LiteLLM check passed")
sys.exit(1 if failures else 0)
