"""Opens N concurrent streamed chat completions against one OpenAI-compatible URL and reports, as one JSON line,
what they saw and what the process serving them spent (scripts/bench-gateway.sh's client; bounded by --timeout).

Each stream is a raw HTTP/1.1 connection (`Connection: close`) posting a streamed chat; a stream counts as done when
its `data: [DONE]` arrives after a 200. Reported: streams done and failed, tokens (events) received, time to first
token (from opening the connection), gaps between the reads that brought tokens (tokens that arrive in one read have
no gap of their own), and the CPU seconds and peak RSS of --pid and its descendants (before and during the run).

Usage: stream_load.py URL BEARER MODEL WORDS --streams N --pid PID [--timeout SECONDS]
"""
import argparse
import asyncio
import json
import os
import time

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def tree(pid):
    """pid and every descendant of it, from /proc."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            children.setdefault(parent, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def cpu_seconds(pids):
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except OSError:
            pass
    return total / CLOCK_TICKS


def rss_bytes(pids):
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/statm") as statm:
                total += int(statm.read().split()[1]) * PAGE
        except OSError:
            pass
    return total


class Stream(asyncio.Protocol):
    """One streamed answer: the request goes out on connect; every read is timed and its tokens counted."""

    def __init__(self, request, finished):
        self.request, self.finished = request, finished
        self.opened = self.first = self.last = None
        self.status, self.tokens, self.done, self.tail = None, 0, False, b""
        self.gaps = []

    def connection_made(self, transport):
        self.opened = time.monotonic()
        transport.write(self.request)

    def data_received(self, data):
        now = time.monotonic()
        if self.status is None:
            self.status = data[9:12]
        # Count in the last bytes of the previous read and this one, so that a marker split between reads counts once.
        text = self.tail + data
        self.tail = data[-6:]
        done = text.count(b"data: [DONE]")
        tokens = text.count(b"data: ") - done
        if tokens:
            if self.first is None:
                self.first = now
            else:
                self.gaps.append(now - self.last)
            self.last = now
            self.tokens += tokens
        if done and self.status == b"200":
            self.done = True

    def connection_lost(self, exc):
        if not self.finished.done():
            self.finished.set_result(None)


def percentile(values, fraction):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("bearer")
    parser.add_argument("model")
    parser.add_argument("words", type=int)
    parser.add_argument("--streams", type=int, required=True)
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--timeout", type=float, default=120)
    arguments = parser.parse_args()
    host, port_path = arguments.url.removeprefix("http://").split(":", 1)
    port, path = port_path.split("/", 1)
    body = json.dumps({"model": arguments.model, "stream": True,
                       "messages": [{"role": "user", "content": " ".join(["word"] * arguments.words)}]})
    request = (f"POST /{path} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {arguments.bearer}\r\n"
               f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n{body}").encode()
    loop = asyncio.get_running_loop()
    pids = tree(arguments.pid)
    cpu_before, rss_before = cpu_seconds(pids), rss_bytes(pids)
    peak = rss_before
    streams, waits = [], []
    began = time.monotonic()

    async def sample():
        nonlocal peak
        while True:
            peak = max(peak, rss_bytes(pids))
            await asyncio.sleep(0.05)

    async def open_one():
        finished = loop.create_future()
        stream = Stream(request, finished)
        streams.append(stream)
        try:
            await loop.create_connection(lambda: stream, host, int(port))
            await finished
        except OSError:
            pass

    sampler = asyncio.create_task(sample())
    # Opened at up to 2,000 a second, so that the listen queue is not what fails.
    for index in range(arguments.streams):
        waits.append(asyncio.create_task(open_one()))
        if index % 100 == 99:
            await asyncio.sleep(0.05)
    _, pending = await asyncio.wait(waits, timeout=max(1, arguments.timeout - (time.monotonic() - began)))
    for task in pending:
        task.cancel()
    sampler.cancel()
    elapsed = time.monotonic() - began
    pids = tree(arguments.pid)
    cpu = cpu_seconds(pids) - cpu_before
    done = [stream for stream in streams if stream.done]
    tokens = sum(stream.tokens for stream in streams)
    first = [stream.first - stream.opened for stream in done if stream.first]
    gaps = [gap for stream in done for gap in stream.gaps]
    print(json.dumps({
        "streams": arguments.streams, "done": len(done), "failed": arguments.streams - len(done),
        "statuses": sorted({(stream.status or b"none").decode() for stream in streams}),
        "tokens": tokens, "seconds": round(elapsed, 2), "cpu_seconds": round(cpu, 2),
        "cpu_us_per_token": round(cpu / tokens * 1e6, 1) if tokens else None,
        "ttft_p50_ms": round(percentile(first, 0.5) * 1000, 1) if first else None,
        "ttft_p99_ms": round(percentile(first, 0.99) * 1000, 1) if first else None,
        "gap_p50_ms": round(percentile(gaps, 0.5) * 1000, 1) if gaps else None,
        "gap_p99_ms": round(percentile(gaps, 0.99) * 1000, 1) if gaps else None,
        "rss_before_mib": round(rss_before / 2**20, 1), "rss_peak_mib": round(peak / 2**20, 1),
        "kib_per_stream": round((peak - rss_before) / 1024 / arguments.streams, 1),
    }))


asyncio.run(main())
