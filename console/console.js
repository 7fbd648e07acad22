// The AI Worker API console: a client of the public API like any other, through the same routes, limits and
// errors. The session token lives in `session.token` only (never in storage, a URL or a log).
"use strict";

const session = { token: null, email: null, chat: null };
const $ = (id) => document.getElementById(id);

/** What each error code of the API means, in words a person can act on; other codes show the server's message. */
const words = {
  invalid_credentials: "Wrong email or password.",
  email_taken: "An account with this email exists already: log in instead.",
  invalid_email: "That is not an email address.",
  weak_password: "The password must be at least 8 characters long.",
  password_too_long: "The password must be at most 256 characters long.",
  login_locked: "Too many failed logins for this email: wait a while and try again.",
  rate_limited: "Too many requests: wait a moment and try again.",
  password_check_busy: "The server is busy checking passwords: try again in a few seconds.",
  invalid_token: "Your session has ended: log in again.",
  authentication_required: "Log in first.",
  invalid_api_key: "That API key is invalid or revoked.",
  api_key_limit: "You hold the most keys allowed: revoke one first.",
  api_key_not_found: "That key is not yours, or no longer exists.",
  too_many_messages: "Too many messages for this server.",
  messages_too_long: "The message is longer than this server allows.",
  model_not_allowed: "This server does not allow that model.",
  model_not_found: "The model backend does not serve that model.",
  too_many_streams: "You have as many answers streaming as allowed: stop one first.",
  streams_busy: "The server is streaming as many answers as it can: try again soon.",
  upstream_busy: "The model backend is busy: try again soon.",
  upstream_timeout: "The model backend did not answer in time.",
  upstream_unreachable: "The model backend cannot be reached.",
  storage_unavailable: "The server's database is unavailable: try again later.",
};

/** An API error: its status, its code and the words to show. */
class APIError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function say(text, kind = "") {
  $("status").textContent = text;
  $("status").className = kind;
}

/** The error a non-2xx answer carries, in words. */
async function failure(response) {
  let body = {};
  try { body = await response.json(); } catch { /* not JSON: the status says it */ }
  const text = words[body.code] || body.error || `The server answered ${response.status}.`;
  return new APIError(response.status, body.code, text);
}

/** Calls the API with the session token (or `key`, an API key), a JSON body when given; the JSON answer. */
async function api(method, path, body, { key, signal, accept } = {}) {
  const headers = { Accept: accept || "application/json" };
  if (key) headers["X-API-Key"] = key;
  else if (session.token) headers.Authorization = `Bearer ${session.token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
  if (!response.ok) throw await failure(response);
  return accept === "text/event-stream" ? response : response.json();
}

/** Runs `work`, showing its error in words; a session that ended sends the person back to the log-in form. */
async function attempt(work) {
  try {
    await work();
  } catch (error) {
    if (error.name === "AbortError") return;
    say(error.message || "The server cannot be reached.", "bad");
    if (error.code === "invalid_token") signedOut();
  }
}

function signedIn(email, token) {
  session.token = token;
  session.email = email;
  $("who").textContent = email;
  for (const id of ["session", "keys", "chat"]) $(id).hidden = false;
  $("auth").hidden = true;
  $("password").value = "";
  $("key-name").focus();
  return Promise.all([listKeys(), loadChatOptions()]);
}

function signedOut() {
  session.chat?.abort();
  session.token = null;
  session.email = null;
  for (const id of ["session", "keys", "chat", "new-key"]) $(id).hidden = true;
  $("auth").hidden = false;
  $("key-table").tBodies[0].replaceChildren();
  $("answer").textContent = "";
  $("usage").textContent = "";
  $("email").focus();
}

async function authenticate(event) {
  event.preventDefault();
  const action = event.submitter?.value === "register" ? "register" : "login";
  const email = $("email").value.trim();
  await attempt(async () => {
    const answer = await api("POST", `/${action}`, { email, password: $("password").value });
    await signedIn(email, answer.token);
    say(action === "register" ? `Account ${email} created; you are logged in.` : `Logged in as ${email}.`, "good");
  });
}

function cell(text) {
  const td = document.createElement("td");
  td.textContent = text;
  return td;
}

async function listKeys() {
  const keys = await api("GET", "/api-keys/list");
  const rows = keys.map((key) => {
    const row = document.createElement("tr");
    row.dataset.id = key.id;
    const name = document.createElement("th");
    name.scope = "row";
    name.textContent = key.name;
    row.append(name, cell(`${key.prefix}…`), cell(new Date(key.created_at).toLocaleString()),
      cell(key.last_used_at ? new Date(key.last_used_at).toLocaleString() : "never"), cell(key.active ? "active" : "revoked"));
    const action = document.createElement("td");
    if (key.active) {
      const revoke = document.createElement("button");
      revoke.type = "button";
      revoke.className = "secondary";
      revoke.textContent = "Revoke";
      revoke.setAttribute("aria-label", `Revoke ${key.name}`);
      revoke.addEventListener("click", () => attempt(async () => {
        await api("POST", `/api-keys/revoke/${encodeURIComponent(key.id)}`);
        say(`Key ${key.name} revoked: it is refused from now on.`, "good");
        await listKeys();
      }));
      action.append(revoke);
    }
    row.append(action);
    return row;
  });
  $("key-table").tBodies[0].replaceChildren(...rows);
}

async function createKey(event) {
  event.preventDefault();
  await attempt(async () => {
    const name = $("key-name").value.trim();
    const created = await api("POST", "/api-keys/create", { name });
    $("new-key-value").textContent = created.key;
    $("new-key").hidden = false;
    $("key-name").value = "";
    say(`Key ${name} created. Copy it now: it is not shown again.`, "good");
    await listKeys();
  });
}

async function copyKey() {
  const key = $("new-key-value").textContent;
  try {
    await navigator.clipboard.writeText(key);
    say("The key is on the clipboard.", "good");
  } catch {
    const range = document.createRange();
    range.selectNodeContents($("new-key-value"));
    getSelection().removeAllRanges();
    getSelection().addRange(range);
    say("The key is selected: copy it with your keyboard.");
  }
}

/** The models this server answers for, and the ranges of max_tokens and temperature from its OpenAPI document. */
async function loadChatOptions() {
  const [models, spec] = await Promise.all([
    api("GET", "/v1/models").catch(() => ({ data: [] })),
    fetch("/openapi.json").then((r) => (r.ok ? r.json() : null)).catch(() => null),
  ]);
  const select = $("model");
  select.replaceChildren(...models.data.map((model) => new Option(model.id, model.id)));
  const fields = spec?.components?.schemas?.ChatRequest?.properties ?? {};
  for (const [id, name] of [["max-tokens", "max_tokens"], ["temperature", "temperature"]]) {
    const range = fields[name] ?? {};
    if (range.minimum !== undefined) $(id).min = range.minimum;
    if (range.maximum !== undefined) $(id).max = range.maximum;
    if (range.minimum !== undefined && range.maximum !== undefined) $(id).placeholder = `${range.minimum} to ${range.maximum}`;
  }
}

/** Sends the message with `stream: true` and shows the answer as its events arrive. */
async function chat(event) {
  event.preventDefault();
  const request = { messages: [{ role: "user", content: $("message").value }], stream: true };
  if ($("model").value) request.model = $("model").value;
  if ($("max-tokens").value) request.max_tokens = Number($("max-tokens").value);
  if ($("temperature").value) request.temperature = Number($("temperature").value);
  const controller = new AbortController();
  session.chat = controller;
  $("send").disabled = true;
  $("stop").disabled = false;
  $("answer").textContent = "";
  $("usage").textContent = "";
  say("Answering…");
  await attempt(async () => {
    try {
      const response = await api("POST", "/chat/completions", request,
        { key: $("chat-key").value.trim() || undefined, signal: controller.signal, accept: "text/event-stream" });
      await readEvents(response);
      say("Answered.", "good");
    } catch (error) {
      if (error.name === "AbortError") say("Stopped: the request was cancelled.");
      throw error;
    } finally {
      session.chat = null;
      $("send").disabled = false;
      $("stop").disabled = true;
    }
  });
}

/** Reads `data:` events until `[DONE]`: text is appended as it comes, usage shown, an error event thrown. */
async function readEvents(response) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let pending = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    pending += value;
    const events = pending.split("\n\n");
    pending = events.pop();
    for (const block of events) {
      const data = block.split("\n").filter((line) => line.startsWith("data:")).map((line) => line.slice(5).trim()).join("\n");
      if (!data) continue;
      if (data === "[DONE]") return;
      const payload = JSON.parse(data);
      if (payload.error) throw new APIError(200, payload.code, words[payload.code] || payload.error);
      if (payload.response) $("answer").textContent += payload.response;
      if (payload.usage) {
        const usage = payload.usage;
        $("usage").textContent = `Usage: ${usage.prompt_tokens} prompt + ${usage.completion_tokens} completion = ${usage.total_tokens} tokens`;
      }
    }
  }
}

async function logOut(everywhere) {
  await attempt(async () => {
    await api("POST", everywhere ? "/sessions/revoke-all" : "/logout");
    signedOut();
    say(everywhere ? "Logged out on every device." : "Logged out.", "good");
  });
}

document.addEventListener("DOMContentLoaded", () => {
  $("auth-form").addEventListener("submit", authenticate);
  $("key-form").addEventListener("submit", createKey);
  $("copy-key").addEventListener("click", copyKey);
  $("chat-form").addEventListener("submit", chat);
  $("stop").addEventListener("click", () => session.chat?.abort());
  $("logout").addEventListener("click", () => logOut(false));
  $("logout-all").addEventListener("click", () => logOut(true));
});
