"""Collection throughput: 500 feeds x 20 items on a local server answering after 200 ms.

Prints the cold run (every feed new, parsed and turned into articles), the warm run
(every feed answers 304 Not Modified) and, beside each, the sequential sum of the
server latencies measured by the server in the same run: what polling one feed after
another would cost. The feeds are spread over 50 loopback addresses (127.0.0.1-50), ten
per host, so the per-host limit (2 in flight, then a pause) applies as it would to real
publishers. The pause is the default `Policy().host_delay` unless `--host-delay S` is
given, the way a user would configure it; the output says which was used.

The server runs in its own process, so its work does not share the collector's
interpreter (and GIL): the wall times are the collector's alone. The machine's load
average is printed too: on a busy machine the cold run, which is CPU work, is slower.
Then the adversarial cases are collected by a fresh process, whose peak memory
(ru_maxrss) is printed.

Run: .venv/bin/python bench/collection.py [--host-delay 0.2]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import resource
import sys
import time
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from webserver import Reply, Request, WebServer  # noqa: E402

from briefing.models import Source  # noqa: E402
from briefing.sources import Policy, collect_all  # noqa: E402

FEEDS, ITEMS, HOSTS, LATENCY = 500, 20, 50, 0.2
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
PARAGRAPH = ("The regional council met on Tuesday to discuss the budget for roads, schools and "
             "public transport, and agreed to publish a full plan before the summer recess. ") * 9


def feed_body(n: int) -> bytes:
    items = "".join(
        f"<item><title>Feed {n} story {i}: council agrees plan</title>"
        f"<link>https://site{n}.example/news/{i}-story</link><guid>f{n}-{i}</guid>"
        f"<pubDate>Tue, 10 Mar 2026 {i % 12:02d}:00:00 GMT</pubDate>"
        f"<description><![CDATA[<p>{PARAGRAPH}</p><p>Item {i}.</p>]]></description></item>"
        for i in range(ITEMS))
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Feed {n}</title>'
            f"{items}</channel></rss>").encode()


def serve(conn: Connection, hosts: tuple[str, ...]) -> None:
    """The server process: 500 feeds answering after LATENCY; measures each answer's latency."""
    server = WebServer(hosts=hosts)
    measured: list[float] = []

    def handler(body: bytes):  # type: ignore[no-untyped-def]
        async def answer(request: Request) -> Reply:
            start = time.monotonic()
            await asyncio.sleep(LATENCY)
            measured.append(time.monotonic() - start)
            if request.headers.get("if-none-match") == '"v1"':
                return Reply(304, headers={"ETag": '"v1"'})
            return Reply(body=body, headers={"ETag": '"v1"', "Content-Type": "application/rss+xml"})
        return answer

    for n in range(FEEDS):
        server.routes[f"/feed{n}.xml"] = handler(feed_body(n))
    server.start()
    conn.send(server.ports)
    while (command := conn.recv()) != "stop":
        if command == "measured":
            conn.send((len(measured), sum(measured)))
            measured.clear()
    server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host-delay", type=float, default=None,
                        help="seconds to pause after each request to a host (default: the Policy default)")
    args = parser.parse_args()
    policy = Policy() if args.host_delay is None else Policy(host_delay=args.host_delay)
    hosts = tuple(f"127.0.0.{i}" for i in range(1, HOSTS + 1))
    ours, theirs = multiprocessing.get_context("spawn").Pipe()
    process = multiprocessing.get_context("spawn").Process(target=serve, args=(theirs, hosts), daemon=True)
    process.start()
    ports: dict[str, int] = ours.recv()
    sources = [Source(name=f"Feed {n}", kind="feed", options={"allow_private": True},
                      location=f"http://{hosts[n % HOSTS]}:{ports[hosts[n % HOSTS]]}/feed{n}.xml")
               for n in range(FEEDS)]
    print(f"{FEEDS} feeds x {ITEMS} items on {HOSTS} hosts, {LATENCY * 1000:.0f} ms per answer; politeness: "
          f"{policy.per_host} in flight per host, {policy.host_delay:g} s pause after each request"
          f"{' (default)' if args.host_delay is None else ' (--host-delay)'}")
    load, cpu_start = os.getloadavg()[0], time.process_time()
    start = time.monotonic()
    cold = collect_all(sources, ROOT, NOW, None, policy)
    cold_wall = time.monotonic() - start
    ours.send("measured")
    cold_requests, cold_sum = ours.recv()
    cold_failed = [c.message for c in cold if c.status != "ok"]
    states = {c.source.name: c.state for c in cold if c.state is not None}
    start = time.monotonic()
    warm = collect_all(sources, ROOT, NOW + timedelta(hours=1), states, policy)
    warm_wall = time.monotonic() - start
    cpu = time.process_time() - cpu_start
    ours.send("measured")
    warm_requests, warm_sum = ours.recv()
    not_modified = sum("304" in c.message for c in warm)
    print(f"cold: {cold_wall:6.2f} s wall, {cold_requests} requests, "
          f"{sum(len(c.articles) for c in cold)} articles, {len(cold_failed)} failed "
          f"(sequential sum of latencies {cold_sum:.1f} s)")
    print(f"warm: {warm_wall:6.2f} s wall, {warm_requests} requests, {not_modified} answered 304 "
          f"(sequential sum of latencies {warm_sum:.1f} s)")
    if cold_failed:
        print("  first failure:", cold_failed[0])
    print(f"collector: {cpu:.1f} s CPU in this process (parsing runs in a pool), peak memory "
          f"(ru_maxrss) {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB; "
          f"load average before the run {load:.1f} on {os.cpu_count()} CPUs (other work slows this bench)")
    ours.send("stop")
    process.join(10)
    adversarial()


def adversarial_server(conn: Connection) -> None:
    """The hostile answers, served from their own process so their bodies are not counted."""
    from test_fetch import BILLION_LAUGHS, _bomb

    server = WebServer()
    server.routes.update({
        "/bomb.xml": Reply(body=_bomb(1024 * 1024 * 1024), headers={"Content-Encoding": "gzip"}),
        "/laughs.xml": Reply(body=BILLION_LAUGHS),
        "/trickle.xml": Reply(body=b"<rss>" + b" " * 1000, trickle=0.1),
        "/big.xml": Reply(body=b"<rss>" + b"x" * (50 * 1024 * 1024)),
    })
    server.start()
    conn.send([server.url(path) for path in server.routes])
    conn.recv()
    server.stop()


def adversarial_collector(urls: list[str], conn: Connection) -> None:
    """Collect the hostile cases in a fresh process, so its peak memory is theirs alone."""
    options = {"allow_private": True, "deadline": 3}
    sources = [Source(name=url.rsplit("/", 1)[-1], kind="feed", location=url, options=options)
               for url in urls]
    found = collect_all(sources, ROOT, NOW, None, Policy(host_delay=0.0))
    conn.send(([(c.source.name, c.status, c.message) for c in found],
               resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))


def adversarial() -> None:
    spawn = multiprocessing.get_context("spawn")
    ours, theirs = spawn.Pipe()
    server = spawn.Process(target=adversarial_server, args=(theirs,), daemon=True)
    server.start()
    urls = ours.recv()
    mine, child = spawn.Pipe()
    start = time.monotonic()
    collector = spawn.Process(target=adversarial_collector, args=(urls, child))
    collector.start()
    found, peak = mine.recv()
    collector.join(10)
    for name, status, message in found:
        print(f"  {name}: {status}: {message[:110]}")
    print(f"adversarial: {time.monotonic() - start:.1f} s, peak memory of a collector doing only these "
          f"(ru_maxrss) {peak:.0f} MB")
    ours.send("stop")
    server.join(10)


if __name__ == "__main__":
    main()
