"""Reference servers started on loopback for SpecRunner's checks: the one CI checks, and one a file of spec/settings/.

A settings file is one deployment: the server started with it as its `.env`. A file that names an upstream in a
comment line, `# upstream: upstreams/slow-mock.env`, is a gateway in front of a second reference server started
first with that file (relative to the first): an account is registered there and an API key created, and the gateway
gets the upstream's address and key as OPENAI_BASE_URL and OPENAI_API_KEY. swift test does the same in-process
(ConformanceTests.withUpstream); scripts/mutate.py and scripts/edges.py use this module.
"""

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """The server binary started on a free loopback port with `settings`, in a folder of its own."""

    def __init__(self, binary, folder, settings, env_file=None):
        self.port = free_port()
        os.makedirs(folder, exist_ok=True)
        if env_file:
            shutil.copy(env_file, os.path.join(folder, ".env"))
        environment = {key: value for key, value in os.environ.items() if not key.isupper() or key in ("PATH", "HOME", "TMPDIR")}
        environment.update(settings)
        environment["HTTP_PORT"] = str(self.port)
        self.log_path = os.path.join(folder, "server.log")
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen([binary], cwd=folder, env=environment, stdout=self.log, stderr=subprocess.STDOUT)
        self.url = f"http://127.0.0.1:{self.port}"

    def wait(self, seconds=60):
        """Whether /health answered within `seconds`."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=2):
                    return True
            except OSError:
                time.sleep(0.2)
        return False

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def settings_files():
    """The deployments of spec/settings/ (name, path), each started for the edge scenarios that assume it."""
    folder = os.path.join(ROOT, "spec/settings")
    return [(name[:-len(".env")], os.path.join(folder, name)) for name in sorted(os.listdir(folder)) if name.endswith(".env")]


def upstream_of(env_file):
    """The settings file of the upstream `env_file` names (`# upstream: FILE`), or None."""
    with open(env_file, encoding="utf-8") as handle:
        for line in handle:
            match = re.match(r"#\s*upstream:\s*(\S+)\s*$", line)
            if match:
                return os.path.join(os.path.dirname(env_file), match.group(1))
    return None


def names_in(env_file):
    """The names an `.env` file sets."""
    with open(env_file, encoding="utf-8") as handle:
        return {line.split("=", 1)[0].strip() for line in handle if "=" in line and not line.lstrip().startswith("#")}


def post(url, body, token=None):
    """POSTs `body` as JSON and returns the JSON answer."""
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers={"Content-Type": "application/json"})
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=60) as answer:
        return json.load(answer)


class SettingsDeployment:
    """A server started with a file of spec/settings/ as its `.env` (and `settings` in its environment), behind it
    the upstream the file names, if any. `ready()` says whether every server answered."""

    def __init__(self, binary, folder, env_file, settings):
        self.servers = []
        self.env_file, self.binary, self.folder = env_file, binary, folder
        # The file's own values win over the harness's (the environment would win over a .env).
        self.settings = {name: value for name, value in settings.items() if name not in names_in(env_file)}

    def ready(self):
        settings = dict(self.settings)
        upstream_file = upstream_of(self.env_file)
        if upstream_file:
            folder = os.path.join(self.folder, "upstream")
            upstream_settings = {name: value for name, value in self.settings.items() if name not in names_in(upstream_file)}
            upstream = Server(self.binary, folder, dict(upstream_settings, DATABASE_PATH=os.path.join(folder, "db.sqlite")), env_file=upstream_file)
            self.servers.append(upstream)
            if not upstream.wait():
                return False
            password = secrets.token_urlsafe(12)
            token = post(upstream.url + "/register", {"email": "gateway@example.com", "password": password})["token"]
            key = post(upstream.url + "/api-keys/create", {"name": "gateway"}, token)["key"]
            settings.update(OPENAI_BASE_URL=upstream.url + "/v1", OPENAI_API_KEY=key)
        self.server = Server(self.binary, self.folder, settings, env_file=self.env_file)
        self.servers.append(self.server)
        return self.server.wait()

    @property
    def url(self):
        return self.server.url

    @property
    def log_path(self):
        """The log of the last server started (the upstream's, when the gateway never started)."""
        return self.servers[-1].log_path

    def stop(self):
        for server in reversed(self.servers):
            server.stop()
