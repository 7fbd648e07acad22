#!/usr/bin/env python3
"""Inventory: books and gadgets in stock, a second API that is not ours, in another style than the notes service.

An API key in a header, readOnly (id, created_at) and writeOnly (supplier_code) fields, a discriminated oneOf
(kind: book or gadget), ETags with If-Match (412 when stale), cursor pages, Location on create, array query
parameters (kind=book,gadget and tag=a&tag=b), and OpenAPI links on the create only. Python's standard library only.

    python3 app.py [--port 0] [--key KEY] [--break NAME]

It prints `listening on http://127.0.0.1:PORT` once it serves. `--break NAME` makes one deliberate regression
(listed in BREAKS) for the tests that prove `specrunner fuzz` catches it.
"""
import argparse
import datetime
import hashlib
import json
import re
import secrets
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

BREAKS = {
    # what a stateful run must catch
    "delete-keeps": "DELETE answers 204 but the item stays readable and listed",
    "create-unlisted": "the newest item is left out of every list",
    "if-match-ignored": "PUT ignores a stale If-Match",
    "page-repeats": "each page's cursor points one item back, so pages repeat an item",
    "update-invisible": "PUT answers the new item but keeps the old one",
    # security bugs
    "key-prefix": "any prefix of the key (8 characters or more) is accepted",
    "supplier-code-leaked": "answers carry the writeOnly supplier_code",
    "cors-credentials": "CORS reflects any Origin and allows credentials",
    # what single requests must catch
    "location-missing": "POST /items answers without Location",
    "kind-unchecked": "POST /items accepts any kind",
    "limit-unchecked": "GET /items accepts any limit",
    "etag-missing": "GET /items/{item_id} answers without ETag",
    "crash-on-five-tags": "an item with five tags (the most allowed) fails with 500",
    "kind-filter-one-only": "GET /items refuses kind=book,gadget (reads one kind only)",
}

DEFAULT_KEY = "inv-test-key-0123456789abcdef"
NAME_TAG = re.compile(r"^[a-z0-9-]+$")
ITEM_ID = re.compile(r"^itm_[a-z0-9]{12}$")
KINDS = ("book", "gadget")


class Refusal(Exception):
    def __init__(self, status, code, message):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def invalid(message):
    return Refusal(400, "invalid", message)


def whole(value):
    """An integer as JSON Schema sees one: 3 and 3.0 alike (never a boolean)."""
    if type(value) is float and value.is_integer():
        return int(value)
    return value


def check_item(data):
    """The stored fields of a valid item body (id and created_at, which the service sets, are ignored)."""
    if not isinstance(data, dict):
        raise invalid("the body must be a JSON object")
    kind = data.get("kind")
    if kind not in KINDS and "kind-unchecked" not in BREAKS_ON:
        raise invalid("kind must be book or gadget")
    allowed = {"id", "created_at", "kind", "name", "quantity", "tags", "supplier_code"} | ({"isbn", "pages"} if kind == "book" else {"voltage"})
    extra = sorted(set(data) - allowed)
    if extra:
        raise invalid(f"unknown field {extra[0]}")
    name = data.get("name")
    if not isinstance(name, str) or not 1 <= len(name) <= 80:
        raise invalid("name must be 1 to 80 characters")
    item = {"kind": kind, "name": name, "quantity": whole(data.get("quantity", 0)), "tags": data.get("tags", [])}
    if type(item["quantity"]) is not int or not 0 <= item["quantity"] <= 100000:
        raise invalid("quantity must be an integer from 0 to 100000")
    tags = item["tags"]
    if not isinstance(tags, list) or len(tags) > 5 or len(set(map(str, tags))) != len(tags) or not all(
            isinstance(tag, str) and 1 <= len(tag) <= 20 and NAME_TAG.match(tag) for tag in tags):
        raise invalid("tags: at most 5 distinct tags of a-z, 0-9 and -")
    if "supplier_code" in data:
        code = data["supplier_code"]
        if not isinstance(code, str) or not 4 <= len(code) <= 16:
            raise invalid("supplier_code must be 4 to 16 characters")
        item["supplier_code"] = code
    if kind == "book":
        if "isbn" in data:
            if not isinstance(data["isbn"], str) or not re.fullmatch(r"[0-9]{13}", data["isbn"]):
                raise invalid("isbn must be 13 digits")
            item["isbn"] = data["isbn"]
        if "pages" in data:
            pages = whole(data["pages"])
            if type(pages) is not int or not 1 <= pages <= 10000:
                raise invalid("pages must be an integer from 1 to 10000")
            item["pages"] = pages
    elif "voltage" in data:
        voltage = data["voltage"]
        if type(voltage) not in (int, float) or not 0 <= voltage <= 400:
            raise invalid("voltage must be a number from 0 to 400")
        item["voltage"] = voltage
    if "crash-on-five-tags" in BREAKS_ON and len(tags) == 5:
        raise RuntimeError("tag index overflow")
    return item


def etag_of(item):
    body = json.dumps({k: v for k, v in item.items() if k != "seq"}, sort_keys=True).encode()
    return '"' + hashlib.sha256(body).hexdigest()[:16] + '"'


def public(item):
    shown = {k: v for k, v in item.items() if k not in ("seq", "supplier_code")}
    if "supplier-code-leaked" in BREAKS_ON and "supplier_code" in item:
        shown["supplier_code"] = item["supplier_code"]
    return shown


class Store:
    def __init__(self):
        self.lock = threading.Lock()
        self.items = {}  # id -> item (with "seq", its place in creation order)
        self.next_seq = 1

    def add(self, fields):
        with self.lock:
            item = dict(fields, id="itm_" + secrets.token_hex(6), created_at=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), seq=self.next_seq)
            self.next_seq += 1
            self.items[item["id"]] = item
            return dict(item)


BREAKS_ON = frozenset()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    store = None
    key = DEFAULT_KEY

    def log_message(self, *args):
        pass

    # -- plumbing

    def send(self, status, body=None, headers=None):
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        origin = self.headers.get("Origin")
        if "cors-credentials" in BREAKS_ON and origin:
            self.send_header("Access-Control-Allow-Origin", origin)
            self.send_header("Access-Control-Allow-Credentials", "true")
        else:
            self.send_header("Access-Control-Allow-Origin", "*")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def refuse(self, refusal):
        self.send(refusal.status, {"error": {"code": refusal.code, "message": refusal.message}},
                  {"Allow": refusal.allow} if getattr(refusal, "allow", None) else None)

    def body_json(self):
        raw = self.raw
        if (self.headers.get("Content-Type") or "").split(";")[0].strip().lower() != "application/json":
            raise invalid("send the item as application/json")
        try:
            return json.loads(raw.decode("utf-8"), parse_constant=lambda name: (_ for _ in ()).throw(ValueError(name)))
        except (UnicodeDecodeError, ValueError) as error:
            raise invalid(f"the body is not JSON: {error}")

    def authenticate(self):
        given = self.headers.get("X-Inventory-Key")
        if given == self.key or ("key-prefix" in BREAKS_ON and given and len(given) >= 8 and self.key.startswith(given)):
            return
        raise Refusal(401, "unauthenticated", "send the API key in X-Inventory-Key")

    def route(self):
        parts = urlsplit(self.path)
        path = parts.path
        if path == "/health":
            return {"GET": self.health, "HEAD": self.health}, ()
        if path == "/items":
            return {"GET": self.list_items, "HEAD": self.list_items, "POST": self.create_item}, ()
        match = re.fullmatch(r"/items/([^/]+)", path)
        if match:
            return {"GET": self.get_item, "HEAD": self.get_item, "PUT": self.replace_item, "DELETE": self.delete_item}, (match.group(1),)
        return None, ()

    def dispatch(self):
        # The whole body is read first, so that a refusal before the handler leaves the connection usable.
        length = self.headers.get("Content-Length") or "0"
        self.raw = self.rfile.read(int(length)) if length.isdigit() and int(length) > 0 else b""
        try:
            handlers, arguments = self.route()
            if handlers is None:
                raise Refusal(404, "not_found", "no such path")
            if self.command == "OPTIONS":
                return self.send(204, headers={"Access-Control-Allow-Methods": ", ".join(sorted(handlers)),
                                               "Access-Control-Allow-Headers": "Content-Type, X-Inventory-Key, If-Match"})
            handler = handlers.get(self.command)
            if handler is None:
                refusal = Refusal(405, "not_allowed", f"{self.command} is not served here")
                refusal.allow = ", ".join(sorted(handlers))
                raise refusal
            if handler != self.health:
                self.authenticate()
            handler(*arguments)
        except Refusal as refusal:
            self.refuse(refusal)
        except Exception as error:  # a crash answers 500, as a framework would
            self.send(500, {"error": {"code": "invalid", "message": f"internal error: {type(error).__name__}"}})

    def __getattr__(self, name):
        # Every method, standard or not (QUERY, PROPFIND, ...), goes through dispatch: 405 with Allow where unserved.
        if name.startswith("do_"):
            return self.dispatch
        raise AttributeError(name)

    # -- the API

    def health(self):
        self.send(200, {"status": "ok"})

    def query(self):
        return parse_qs(urlsplit(self.path).query, keep_blank_values=True)

    def list_items(self):
        params = self.query()
        kinds = None
        if params.get("kind", [""])[-1]:
            kinds = params["kind"][-1].split(",")
            if "kind-filter-one-only" in BREAKS_ON and len(kinds) > 1:
                raise invalid("kind takes one kind")
            if len(set(kinds)) != len(kinds) or any(kind not in KINDS for kind in kinds):
                raise invalid("kind: a comma-separated list of book and gadget")
        tags = params.get("tag", [])
        if len(tags) > 5 or not all(NAME_TAG.match(tag) and len(tag) <= 20 for tag in tags):
            raise invalid("tag: at most 5 tags of a-z, 0-9 and -")
        limit_text = params.get("limit", ["20"])[-1]
        if not re.fullmatch(r"-?[0-9]{1,9}", limit_text):
            raise invalid("limit must be an integer")
        limit = int(limit_text)
        if not 1 <= limit <= 50 and "limit-unchecked" not in BREAKS_ON:
            raise invalid("limit must be from 1 to 50")
        cursor = params.get("cursor", ["0"])[-1]
        if not re.fullmatch(r"[0-9]{1,9}", cursor):
            raise invalid("cursor: the next_cursor of the page before")
        after = int(cursor)
        with self.store.lock:
            chosen = sorted((item for item in self.store.items.values()
                             if (kinds is None or item["kind"] in kinds) and all(tag in item["tags"] for tag in tags)),
                            key=lambda item: item["seq"])
            newest = max((item["seq"] for item in self.store.items.values()), default=0)
        if "create-unlisted" in BREAKS_ON:
            chosen = [item for item in chosen if item["seq"] != newest]
        rest = [item for item in chosen if item["seq"] > after]
        page = rest[:max(limit, 0)]
        next_cursor = None
        if len(rest) > len(page) and page:
            last = page[-2]["seq"] if "page-repeats" in BREAKS_ON and len(page) > 1 else page[-1]["seq"]
            next_cursor = str(last)
        self.send(200, {"items": [public(item) for item in page], "next_cursor": next_cursor})

    def create_item(self):
        item = self.store.add(check_item(self.body_json()))
        headers = {"ETag": etag_of(item)}
        if "location-missing" not in BREAKS_ON:
            headers["Location"] = f"/items/{item['id']}"
        self.send(201, public(item), headers)

    def stored(self, item_id):
        if not ITEM_ID.fullmatch(item_id):
            raise Refusal(404, "not_found", "no such item")
        with self.store.lock:
            item = self.store.items.get(item_id)
        if item is None:
            raise Refusal(404, "not_found", "no such item")
        return item

    def get_item(self, item_id):
        item = self.stored(item_id)
        self.send(200, public(item), None if "etag-missing" in BREAKS_ON else {"ETag": etag_of(item)})

    def replace_item(self, item_id):
        current = self.stored(item_id)
        fields = check_item(self.body_json())
        expected = self.headers.get("If-Match")
        with self.store.lock:
            current = self.store.items.get(item_id)
            if current is None:
                raise Refusal(404, "not_found", "no such item")
            if expected is not None and expected != etag_of(current) and "if-match-ignored" not in BREAKS_ON:
                raise Refusal(412, "precondition_failed", "the item changed since that ETag")
            replaced = dict(fields, id=current["id"], created_at=current["created_at"], seq=current["seq"])
            if "update-invisible" not in BREAKS_ON:
                self.store.items[item_id] = replaced
        self.send(200, public(replaced), {"ETag": etag_of(replaced)})

    def delete_item(self, item_id):
        self.stored(item_id)
        if "delete-keeps" not in BREAKS_ON:
            with self.store.lock:
                self.store.items.pop(item_id, None)
        self.send(204)


def main():
    global BREAKS_ON
    signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM, signal.SIGINT])
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--key", default=DEFAULT_KEY, help="the API key clients send in X-Inventory-Key")
    parser.add_argument("--break", dest="breaks", action="append", default=[], choices=sorted(BREAKS),
                        help="a deliberate regression (repeatable)")
    arguments = parser.parse_args()
    BREAKS_ON = frozenset(arguments.breaks)
    Handler.store = Store()
    Handler.key = arguments.key
    server = ThreadingHTTPServer((arguments.host, arguments.port), Handler)
    server.daemon_threads = True
    print(f"listening on http://{arguments.host}:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
