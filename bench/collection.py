"""Collection throughput: 500 feeds x 20 items on a local server answering after 200 ms.

Prints the cold run (every feed new, parsed and turned into articles), the warm run
(every feed answers 304 Not Modified) and, beside them, the sequential sum of the
server latencies measured in the same run: what polling one feed after another would
cost. The feeds are spread over 50 loopback addresses (127.0.0.1-50), ten per host, so
the per-host limit (2 in flight, 0.2 s pause) applies as it would to real publishers.
Then the adversarial cases are collected and the peak memory (ru_maxrss) printed.

Run: .venv/bin/python bench/collection.py
"""

from __future__ import annotations

import resource
import sys
import time
from datetime import UTC, datetime, timedelta
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


def main() -> None:
    hosts = tuple(f"127.0.0.{i}" for i in range(1, HOSTS + 1))
    server = WebServer(hosts=hosts).start()
    served: list[float] = []

    def handler(body: bytes):  # type: ignore[no-untyped-def]
        def answer(request: Request) -> Reply:
            served.append(LATENCY)
            if request.headers.get("if-none-match") == '"v1"':
                return Reply(304, headers={"ETag": '"v1"'}, delay=LATENCY)
            return Reply(body=body, headers={"ETag": '"v1"'}, delay=LATENCY)
        return answer

    sources = []
    for n in range(FEEDS):
        server.routes[f"/feed{n}.xml"] = handler(feed_body(n))
        host = hosts[n % HOSTS]
        sources.append(Source(name=f"Feed {n}", kind="feed", location=server.url(f"/feed{n}.xml", host),
                              options={"allow_private": True}))
    policy = Policy()
    start = time.monotonic()
    cold = collect_all(sources, ROOT, NOW, None, policy)
    cold_wall = time.monotonic() - start
    cold_articles = sum(len(c.articles) for c in cold)
    cold_failed = [c.message for c in cold if c.status != "ok"]
    cold_sum = sum(served)
    served.clear()
    states = {c.source.name: c.state for c in cold if c.state is not None}
    start = time.monotonic()
    warm = collect_all(sources, ROOT, NOW + timedelta(hours=1), states, policy)
    warm_wall = time.monotonic() - start
    not_modified = sum("304" in c.message for c in warm)
    print(f"cold: {cold_wall:6.2f} s wall for {FEEDS} feeds, {cold_articles} articles "
          f"(sequential sum of latencies {cold_sum:.1f} s; failed {len(cold_failed)})")
    print(f"warm: {warm_wall:6.2f} s wall, {not_modified} answered 304 "
          f"(sequential sum of latencies {sum(served):.1f} s)")
    if cold_failed:
        print("  first failure:", cold_failed[0])
    server.stop()
    adversarial()


def adversarial() -> None:
    from test_fetch import BILLION_LAUGHS, _bomb

    server = WebServer().start()
    server.routes.update({
        "/bomb.xml": Reply(body=_bomb(1024 * 1024 * 1024), headers={"Content-Encoding": "gzip"}),
        "/laughs.xml": Reply(body=BILLION_LAUGHS),
        "/trickle.xml": Reply(body=b"<rss>" + b" " * 1000, trickle=0.1),
        "/big.xml": Reply(body=b"<rss>" + b"x" * (50 * 1024 * 1024)),
    })
    options = {"allow_private": True, "deadline": 3}
    sources = [Source(name=p, kind="feed", location=server.url(p), options=options) for p in server.routes]
    start = time.monotonic()
    found = collect_all(sources, ROOT, NOW, None, Policy(host_delay=0.0))
    for c in found:
        print(f"  {c.source.name}: {c.status}: {c.message[:110]}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"adversarial: {time.monotonic() - start:.1f} s, peak memory (ru_maxrss) {peak:.0f} MB")
    server.stop()


if __name__ == "__main__":
    main()
