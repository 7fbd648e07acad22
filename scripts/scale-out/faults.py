"""Fault checks of two instances on one PostgreSQL database (run by scripts/check-scale-out.sh).

1. PostgreSQL is stopped for four seconds, twice DATABASE_TIMEOUT, while both instances serve registrations and
   chats through the balancer: every answer is 200 or 503, some are 503 (the requests that waited past the
   timeout), every 503 carries Retry-After, the pools reconnect by themselves (requests succeed again within
   seconds, and /ready is ready on both instances), and every registration that was acknowledged can log in.
2. Instance A is SIGKILLed during a burst of registrations and key creations sent to it directly: every user and
   key it acknowledged is there afterwards, read through instance B.

Bounded: each phase runs a few seconds; every request has a 10 s timeout; loopback only.
"""
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid

BASE = os.environ["BASE"]
A = f"http://127.0.0.1:{os.environ['A_PORT']}"
B = f"http://127.0.0.1:{os.environ['B_PORT']}"
WORK = os.environ["WORK"]
CHAT = {"messages": [{"role": "user", "content": "Hello there"}]}
failures = []


def request(base, method, path, body=None, headers=None):
    """(status, headers, parsed JSON or None); status 0 when the connection failed."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method, headers=dict(headers or {}))
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=10) as response:
            raw = response.read()
            return response.status, dict(response.headers), json.loads(raw) if raw.startswith(b"{") or raw.startswith(b"[") else None
    except urllib.error.HTTPError as error:
        raw = error.read()
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = None
        return error.code, dict(error.headers), parsed
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return 0, {}, None


def register(base):
    email = f"fault-{uuid.uuid4().hex[:12]}@example.com"
    status, headers, body = request(base, "POST", "/register", {"email": email, "password": "correct horse"})
    return status, headers, email, (body or {}).get("token")


def check(condition, message):
    print(("ok   " if condition else "FAIL ") + message)
    if not condition:
        failures.append(message)


def postgres_restart():
    status, _, email, token = register(BASE)
    check(status == 200, "a user registers before the restart")
    status, _, key = request(BASE, "POST", "/api-keys/create", {"name": "fault"}, {"Authorization": f"Bearer {token}"})
    key = (key or {}).get("key")
    results = []
    lock = threading.Lock()
    # The workers go on until five seconds after PostgreSQL is back (at most a minute in all).
    stop = [time.monotonic() + 60]

    def worker(index):
        while time.monotonic() < stop[0]:
            if index % 2 == 0:
                status, headers, email, _ = register(BASE)
                kind = "register"
            else:
                status, headers, _ = request(BASE, "POST", "/chat/completions", CHAT, {"X-API-Key": key})
                email, kind = None, "chat"
            with lock:
                results.append((time.monotonic(), kind, status, headers.get("Retry-After"), email))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(1.5)
    restarted_at = time.monotonic()
    subprocess.run(["bash", os.environ["POSTGRES_SCRIPT"], "restart", "4"], check=True)
    back_at = time.monotonic()
    stop[0] = back_at + 5
    print(f"PostgreSQL was down for {back_at - restarted_at:.2f} s")
    for thread in threads:
        thread.join()

    statuses = sorted({status for _, _, status, _, _ in results})
    unavailable = [r for r in results if r[2] == 503]
    print(f"{len(results)} requests during the restart phase; statuses {statuses}; {len(unavailable)} answered 503")
    check(set(statuses) <= {200, 503}, f"every answer is 200 or 503 (saw {statuses})")
    check(unavailable, "requests that waited past DATABASE_TIMEOUT got 503")
    check(all(r[3] for r in unavailable), "every 503 has Retry-After")
    late = [r for r in results if r[0] > back_at + 3]
    check(late and all(r[2] == 200 for r in late), "three seconds after PostgreSQL is back, every request succeeds (the pools reconnected)")
    for port in (A, B):
        ready = False
        for _ in range(50):
            status, _, body = request(port, "GET", "/ready")
            if status == 200 and (body or {}).get("checks", {}).get("notifications") == "ok":
                ready = True
                break
            time.sleep(0.2)
        check(ready, f"{port} is ready again, listening for revocations")
    acknowledged = [r[4] for r in results if r[1] == "register" and r[2] == 200]
    lost = [email for email in acknowledged
            if request(BASE, "POST", "/login", {"email": email, "password": "correct horse"})[0] != 200]
    check(not lost, f"all {len(acknowledged)} registrations acknowledged around the restart can log in ({len(lost)} cannot)")


def sigkill_during_writes():
    acknowledged_users = []
    acknowledged_keys = []
    lock = threading.Lock()
    killed = threading.Event()

    def worker():
        while not killed.is_set():
            status, _, email, token = register(A)
            if status != 200:
                continue
            with lock:
                acknowledged_users.append(email)
            status, _, body = request(A, "POST", "/api-keys/create", {"name": "burst"}, {"Authorization": f"Bearer {token}"})
            if status == 200:
                with lock:
                    acknowledged_keys.append(body["key"])

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(2.5)
    pid = int(open(os.path.join(WORK, "a.pid")).read())
    os.kill(pid, signal.SIGKILL)
    killed.set()
    for thread in threads:
        thread.join()
    print(f"instance A killed after acknowledging {len(acknowledged_users)} users and {len(acknowledged_keys)} keys")
    check(len(acknowledged_users) > 5, "the burst wrote something before the kill")
    missing_users = [e for e in acknowledged_users
                     if request(B, "POST", "/login", {"email": e, "password": "correct horse"})[0] != 200]
    check(not missing_users, f"every acknowledged user logs in on instance B ({len(missing_users)} missing)")
    missing_keys = [k for k in acknowledged_keys if request(B, "POST", "/chat/completions", CHAT, {"X-API-Key": k})[0] != 200]
    check(not missing_keys, f"every acknowledged key works on instance B ({len(missing_keys)} missing)")


print("== faults: PostgreSQL down for four seconds while two instances serve ==")
postgres_restart()
print("== faults: instance A SIGKILLed during a write burst ==")
sigkill_during_writes()
sys.exit(1 if failures else 0)
