#!/usr/bin/env python3
"""Notes: a small API shaped like a typical FastAPI service, written to prove SpecRunner on an API that is not ours.

Form login (OAuth2 password flow, opaque tokens), integer ids above 2**53, query bounds, enums, nullable and nested
fields, 204s, FastAPI's 422 error model and a `default` error response; an API key in the query, HTTP Basic and a
cookie session. Python's standard library only, so CI installs nothing for it.

    python3 app.py [--port 0] [--break NAME]

It prints `listening on http://127.0.0.1:PORT` once it serves. `--break NAME` makes one deliberate regression
(listed in BREAKS) for the tests that prove `specrunner run` and `specrunner fuzz` catch it.
"""
import argparse
import base64
import hashlib
import hmac
import json
import re
import secrets
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

BREAKS = {
    "create-200": "POST /notes answers 200 instead of 201",
    "id-rounded": "ids go through a double, as JavaScript would send them (odd ids above 2**53 change)",
    "limit-unchecked": "GET /notes accepts any limit, 0 and 10000 included",
    "no-auth-get": "GET /notes/{note_id} answers without credentials",
    "crash-on-emoji": "POST /notes fails with 500 when the title has a character outside the BMP",
    "delete-200": "DELETE /notes/{note_id} answers 200 with a body instead of 204",
    "null-dropped": "a note whose body is null is answered without the body field",
    "status-unchecked": "PATCH accepts any status, not only the enum's",
    "cookie-ignored": "GET /me does not read the session cookie",
    "key-in-header": "GET /stats reads the API key from a header instead of the query",
    "password-echoed": "POST /users echoes the password",
    "priority-string": "meta.priority is answered as a string",
    "head-with-body": "HEAD answers with the GET body",
    "trace-allowed": "TRACE is answered 200",
}

FIRST_ID = 2**53 + 1  # ids step by 2, so every id is odd and none is exactly representable as a double
USERNAME = re.compile(r"^[a-z0-9_]{3,32}$")
STATUSES = ("open", "done")
ADMIN_USER = "admin"


class ValidationError(Exception):
    """FastAPI's 422: a list of {loc, msg, type}."""

    def __init__(self, errors):
        super().__init__("validation")
        self.errors = errors


def problem(loc, msg, kind):
    return {"loc": loc, "msg": msg, "type": kind}


class Store:
    """Users, tokens, sessions, API keys and notes, in memory, behind one lock."""

    def __init__(self):
        self.lock = threading.Lock()
        self.users = {}  # username -> {"id", "username", "salt", "hash"}
        self.tokens = {}  # token -> username
        self.sessions = {}  # cookie value -> username
        self.keys = {}  # key -> username
        self.notes = {}  # id -> note (with "owner")
        self.next_user = 1
        self.next_note = FIRST_ID

    @staticmethod
    def digest(password, salt):
        return hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 1000)

    def register(self, username, password):
        with self.lock:
            if username in self.users:
                return None
            salt = secrets.token_bytes(16)
            user = {"id": self.next_user, "username": username, "salt": salt, "hash": self.digest(password, salt)}
            self.next_user += 1
            self.users[username] = user
            return user

    def check(self, username, password):
        with self.lock:
            user = self.users.get(username)
        if user is None or not hmac.compare_digest(user["hash"], self.digest(password, user["salt"])):
            return None
        return user


def public_note(note, breaks):
    shown = {key: value for key, value in note.items() if key != "owner"}
    shown["meta"] = dict(note["meta"])
    if "id-rounded" in breaks:
        shown["id"] = int(float(note["id"]))
    if "null-dropped" in breaks and shown["body"] is None:
        del shown["body"]
    if "priority-string" in breaks:
        shown["meta"]["priority"] = str(shown["meta"]["priority"])
    return shown


def is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def check_note_fields(data, partial):
    """The fields of NoteCreate (all required but body/status/tags/meta) or NotePatch (all optional)."""
    errors = []
    if not isinstance(data, dict):
        raise ValidationError([problem(["body"], "Input should be a valid dictionary", "dict_type")])
    allowed = {"title", "body", "status", "tags", "meta"}
    for extra in sorted(set(data) - allowed):
        errors.append(problem(["body", extra], "Extra inputs are not permitted", "extra_forbidden"))
    if "title" in data or not partial:
        title = data.get("title")
        if not isinstance(title, str) or not 1 <= len(title) <= 200:
            errors.append(problem(["body", "title"], "String should have 1 to 200 characters", "string_type"))
    if "body" in data and data["body"] is not None and (not isinstance(data["body"], str) or len(data["body"]) > 10000):
        errors.append(problem(["body", "body"], "Input should be a string of at most 10000 characters or null", "string_type"))
    if "status" in data and data["status"] not in STATUSES:
        errors.append(problem(["body", "status"], "Input should be 'open' or 'done'", "enum"))
    if "tags" in data:
        tags = data["tags"]
        if not isinstance(tags, list) or len(tags) > 10 or not all(isinstance(t, str) and 1 <= len(t) <= 30 for t in tags):
            errors.append(problem(["body", "tags"], "Input should be at most 10 tags of 1 to 30 characters", "list_type"))
    if "meta" in data:
        meta = data["meta"]
        if not isinstance(meta, dict) or set(meta) - {"priority", "due"}:
            errors.append(problem(["body", "meta"], "Input should be {priority, due}", "model_type"))
        else:
            if "priority" in meta and not (is_int(meta["priority"]) and 1 <= meta["priority"] <= 5):
                errors.append(problem(["body", "meta", "priority"], "Input should be an integer from 1 to 5", "int_type"))
            due = meta.get("due")
            if due is not None and not (isinstance(due, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", due)):
                errors.append(problem(["body", "meta", "due"], "Input should be a date (YYYY-MM-DD) or null", "date_type"))
    if partial and not data:
        errors.append(problem(["body"], "At least one field is required", "missing"))
    if errors:
        raise ValidationError(errors)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "notes/1.0"
    store = None
    breaks = frozenset()
    admin_password = ""

    # --- plumbing ---------------------------------------------------------------------------------------------

    def log_message(self, format, *args):  # quiet: the tests read stdout for the port only
        pass

    def send(self, status, payload=None, headers=(), content_type="application/json"):
        body = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        if status != 204:
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status != 204 and (self.command != "HEAD" or "head-with-body" in self.breaks):
            self.wfile.write(body)

    def detail(self, status, message, headers=()):
        self.send(status, {"detail": message}, headers)

    def read_body(self):
        return self.raw_body

    def json_body(self):
        raw = self.read_body()
        media = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if media != "application/json":
            raise ValidationError([problem(["body"], "Input should be JSON (application/json)", "model_attributes_type")])
        try:
            return json.loads(raw.decode("utf-8"), parse_constant=lambda name: float("nan"))
        except (UnicodeDecodeError, ValueError) as error:
            raise ValidationError([problem(["body", 0], f"JSON decode error: {error}", "json_invalid")])

    def form_body(self, *required):
        raw = self.read_body()
        media = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if media != "application/x-www-form-urlencoded":
            raise ValidationError([problem(["body"], "Input should be a form", "model_attributes_type")])
        try:
            fields = parse_qs(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
        except UnicodeDecodeError:
            raise ValidationError([problem(["body"], "Form is not UTF-8", "form_invalid")])
        missing = [problem(["body", name], "Field required", "missing") for name in required if not fields.get(name)]
        if missing:
            raise ValidationError(missing)
        return {name: values[0] for name, values in fields.items()}

    def query(self):
        return {name: values[-1] for name, values in parse_qs(urlsplit(self.path).query, keep_blank_values=True).items()}

    def bounded_int(self, params, name, default, low, high):
        if name not in params:
            return default
        try:
            value = int(params[name])
        except ValueError:
            raise ValidationError([problem(["query", name], "Input should be a valid integer", "int_parsing")])
        if "limit-unchecked" not in self.breaks and not (low <= value <= (high if high is not None else value)):
            raise ValidationError([problem(["query", name], f"Input should be in {low}..{high}", "range")])
        return value

    # --- credentials ------------------------------------------------------------------------------------------

    def bearer_user(self):
        header = self.headers.get("Authorization") or ""
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer":
            return None
        with self.store.lock:
            return self.store.tokens.get(token.strip())

    def cookie_user(self):
        if "cookie-ignored" in self.breaks:
            return None
        for part in (self.headers.get("Cookie") or "").split(";"):
            name, _, value = part.strip().partition("=")
            if name == "notes_session":
                with self.store.lock:
                    return self.store.sessions.get(value)
        return None

    def basic_is_admin(self):
        header = self.headers.get("Authorization") or ""
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, _, password = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        return user == ADMIN_USER and hmac.compare_digest(password.encode(), self.admin_password.encode())

    def unauthenticated(self, scheme="Bearer"):
        self.detail(401, "Not authenticated", [("WWW-Authenticate", scheme)])

    # --- routing ----------------------------------------------------------------------------------------------

    ROUTES = [
        (re.compile(r"^/users$"), {"POST": "create_user"}),
        (re.compile(r"^/token$"), {"POST": "login"}),
        (re.compile(r"^/session$"), {"POST": "open_session", "DELETE": "close_session"}),
        (re.compile(r"^/me$"), {"GET": "me"}),
        (re.compile(r"^/keys$"), {"POST": "create_key"}),
        (re.compile(r"^/stats$"), {"GET": "stats"}),
        (re.compile(r"^/admin/users$"), {"GET": "admin_users"}),
        (re.compile(r"^/notes$"), {"GET": "list_notes", "POST": "create_note"}),
        (re.compile(r"^/notes/(?P<note_id>[^/]+)$"), {"GET": "get_note", "PATCH": "update_note", "DELETE": "delete_note"}),
    ]

    def dispatch(self):
        path = urlsplit(self.path).path
        for pattern, methods in self.ROUTES:
            match = pattern.match(path)
            if not match:
                continue
            method = "GET" if self.command == "HEAD" and "GET" in methods else self.command
            if self.command == "TRACE" and "trace-allowed" in self.breaks:
                return self.send(200, {"trace": path})
            if method not in methods:
                allow = ", ".join(sorted(set(methods) | ({"HEAD"} if "GET" in methods else set())))
                return self.detail(405, "Method Not Allowed", [("Allow", allow)])
            try:
                return getattr(self, methods[method])(**match.groupdict())
            except ValidationError as error:
                return self.send(422, {"detail": error.errors})
        self.detail(404, "Not Found")

    do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = do_HEAD = do_TRACE = do_OPTIONS = lambda self: self.guarded()

    def guarded(self):
        """Reads the whole body first (so an early answer leaves no bytes behind on a kept-alive connection)."""
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if self.headers.get("Transfer-Encoding") or not 0 <= length <= 1 << 20:
            self.close_connection = True
            return self.detail(413 if length > 0 else 411, "Send a body of at most 1 MiB with a Content-Length")
        self.raw_body = self.rfile.read(length) if length else b""
        try:
            self.dispatch()
        except Exception as error:  # an answer for every request, even a bug's
            self.detail(500, f"Internal Server Error: {type(error).__name__}")

    # --- handlers ---------------------------------------------------------------------------------------------

    def create_user(self):
        data = self.json_body()
        errors = []
        if not isinstance(data, dict):
            raise ValidationError([problem(["body"], "Input should be a valid dictionary", "dict_type")])
        username, password = data.get("username"), data.get("password")
        if not isinstance(username, str) or not USERNAME.match(username):
            errors.append(problem(["body", "username"], "3 to 32 of a-z, 0-9 and _", "string_pattern_mismatch"))
        if not isinstance(password, str) or not 8 <= len(password) <= 64:
            errors.append(problem(["body", "password"], "8 to 64 characters", "string_too_short"))
        for extra in sorted(set(data) - {"username", "password"}):
            errors.append(problem(["body", extra], "Extra inputs are not permitted", "extra_forbidden"))
        if errors:
            raise ValidationError(errors)
        user = self.store.register(username, password)
        if user is None:
            return self.detail(409, "Username already registered")
        answer = {"id": user["id"], "username": username}
        if "password-echoed" in self.breaks:
            answer["password"] = password
        self.send(201, answer)

    def login(self):
        form = self.form_body("username", "password")
        if form.get("grant_type", "password") != "password":
            raise ValidationError([problem(["body", "grant_type"], "String should match 'password'", "string_pattern_mismatch")])
        user = self.store.check(form["username"], form["password"])
        if user is None:
            return self.detail(401, "Incorrect username or password", [("WWW-Authenticate", "Bearer")])
        token = secrets.token_urlsafe(24)
        with self.store.lock:
            self.store.tokens[token] = user["username"]
        self.send(200, {"access_token": token, "token_type": "bearer"})

    def open_session(self):
        form = self.form_body("username", "password")
        user = self.store.check(form["username"], form["password"])
        if user is None:
            return self.detail(401, "Incorrect username or password", [("WWW-Authenticate", "Cookie")])
        value = secrets.token_urlsafe(24)
        with self.store.lock:
            self.store.sessions[value] = user["username"]
        self.send(204, headers=[("Set-Cookie", f"notes_session={value}; Path=/; HttpOnly; SameSite=Lax")])

    def close_session(self):
        username = self.cookie_user()
        if username is None:
            return self.unauthenticated("Cookie")
        with self.store.lock:
            self.store.sessions = {key: name for key, name in self.store.sessions.items() if name != username}
        self.send(204, headers=[("Set-Cookie", "notes_session=; Path=/; Max-Age=0")])

    def me(self):
        username = self.cookie_user()
        if username is None:
            return self.unauthenticated("Cookie")
        user = self.store.users[username]
        self.send(200, {"id": user["id"], "username": username})

    def create_key(self):
        username = self.bearer_user()
        if username is None:
            return self.unauthenticated()
        key = "nk_" + secrets.token_hex(16)
        with self.store.lock:
            self.store.keys[key] = username
        self.send(201, {"api_key": key})

    def stats(self):
        key = self.headers.get("api_key") if "key-in-header" in self.breaks else self.query().get("api_key")
        with self.store.lock:
            username = self.store.keys.get(key or "")
            if username is None:
                return self.detail(401, "Invalid or missing API key")
            mine = [note for note in self.store.notes.values() if note["owner"] == username]
        self.send(200, {"notes": len(mine), "open": sum(1 for note in mine if note["status"] == "open")})

    def admin_users(self):
        if not self.basic_is_admin():
            return self.unauthenticated('Basic realm="notes"')
        with self.store.lock:
            users = [{"id": user["id"], "username": user["username"]} for user in self.store.users.values()]
        self.send(200, users)

    def list_notes(self):
        username = self.bearer_user()
        if username is None:
            return self.unauthenticated()
        params = self.query()
        limit = self.bounded_int(params, "limit", 20, 1, 100)
        offset = self.bounded_int(params, "offset", 0, 0, None)
        status = params.get("status")
        if status is not None and status not in STATUSES:
            raise ValidationError([problem(["query", "status"], "Input should be 'open' or 'done'", "enum")])
        with self.store.lock:
            mine = [note for note in self.store.notes.values() if note["owner"] == username and status in (None, note["status"])]
        page = mine[offset:offset + max(limit, 0)]
        next_offset = offset + len(page) if offset + len(page) < len(mine) else None
        self.send(200, {"items": [public_note(note, self.breaks) for note in page], "total": len(mine), "next_offset": next_offset})

    def create_note(self):
        username = self.bearer_user()
        if username is None:
            return self.unauthenticated()
        data = self.json_body()
        check_note_fields(data, partial=False)
        if "crash-on-emoji" in self.breaks and any(ord(c) > 0xFFFF for c in data["title"]):
            raise RuntimeError("title encoding")
        meta = data.get("meta") or {}
        with self.store.lock:
            note = {
                "id": self.store.next_note, "title": data["title"], "body": data.get("body"),
                "status": data.get("status", "open"), "tags": data.get("tags", []),
                "meta": {"priority": meta.get("priority", 3), "due": meta.get("due")}, "owner": username,
            }
            self.store.next_note += 2
            self.store.notes[note["id"]] = note
        self.send(200 if "create-200" in self.breaks else 201, public_note(note, self.breaks))

    def owned_note(self, note_id, require_auth=True):
        """The caller's note by id, or an answer already sent (401, 404 or 422) and None."""
        username = self.bearer_user()
        if username is None and require_auth:
            self.unauthenticated()
            return None
        if not re.fullmatch(r"-?\d{1,30}", note_id):
            raise ValidationError([problem(["path", "note_id"], "Input should be a valid integer", "int_parsing")])
        with self.store.lock:
            note = self.store.notes.get(int(note_id))
        if note is None or (username is not None and note["owner"] != username):
            self.detail(404, "Note not found")
            return None
        return note

    def get_note(self, note_id):
        note = self.owned_note(note_id, require_auth="no-auth-get" not in self.breaks)
        if note is not None:
            self.send(200, public_note(note, self.breaks))

    def update_note(self, note_id):
        note = self.owned_note(note_id)
        if note is None:
            return
        data = self.json_body()
        if "status-unchecked" in self.breaks and isinstance(data, dict) and isinstance(data.get("status"), str):
            data = dict(data)
            status = data.pop("status")
            check_note_fields(data or {"status": "open"}, partial=True)
            data["status"] = status
        else:
            check_note_fields(data, partial=True)
        with self.store.lock:
            for field in ("title", "body", "status", "tags"):
                if field in data:
                    note[field] = data[field]
            if "meta" in data:
                note["meta"] = {"priority": data["meta"].get("priority", 3), "due": data["meta"].get("due")}
        self.send(200, public_note(note, self.breaks))

    def delete_note(self, note_id):
        note = self.owned_note(note_id)
        if note is None:
            return
        with self.store.lock:
            self.store.notes.pop(note["id"], None)
        if "delete-200" in self.breaks:
            return self.send(200, {"deleted": note["id"]})
        self.send(204)


def main():
    # A parent may start us with SIGTERM blocked (it is inherited); unblock it so that `kill` stops the service.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM, signal.SIGINT])
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--admin-password", default="admin-password-for-tests", help="HTTP Basic password of 'admin'")
    parser.add_argument("--break", dest="breaks", action="append", default=[], choices=sorted(BREAKS),
                        help="a deliberate regression (repeatable)")
    arguments = parser.parse_args()
    Handler.store = Store()
    Handler.breaks = frozenset(arguments.breaks)
    Handler.admin_password = arguments.admin_password
    server = ThreadingHTTPServer((arguments.host, arguments.port), Handler)
    server.daemon_threads = True
    print(f"listening on http://{arguments.host}:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
