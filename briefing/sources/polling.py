"""What one web source remembers between polls, and the rules for when to poll again.

Politeness lives here rather than in the HTTP client because it is about a *source*
over time: the ETag and Last-Modified of its last answer, the minimum interval its
publisher asked for (Cache-Control max-age, RSS ttl, Retry-After), the backoff after
failures (exponential with jitter, capped, never a permanent stop), the address it
moved to (301/308), and whether it is gone (410). The state store keeps a FetchState
per (schedule, source); collection gets a copy, changes it, and hands it back.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from briefing.fetch import Fetcher, FetchError, FetchOptions, Response, usable_validator
from briefing.models import Problem, Source

if TYPE_CHECKING:
    from briefing.sources import Collected

BACKOFF_BASE = timedelta(minutes=10)
BACKOFF_CAP = timedelta(hours=12)
INTERVAL_CAP = timedelta(hours=24)  # no publisher hint keeps a source quiet longer than a day
GONE_RECHECK = timedelta(hours=24)
SEEN_LIMIT = 2000


@dataclass(slots=True)
class FetchState:
    """Per-source fetch memory; `seen` maps item keys to a hash of how the item looked."""

    source: str
    location: str
    url: str
    etag: str | None = None
    last_modified: str | None = None
    next_poll: datetime | None = None
    wait_reason: str = ""
    failures: int = 0
    gone: bool = False
    first_poll: datetime | None = None
    body_hash: str = ""
    feed_url: str = ""
    seen: dict[str, str] = field(default_factory=dict)

    @classmethod
    def fresh(cls, source: Source) -> FetchState:
        return cls(source=source.name, location=source.location, url=source.location)

    def remember(self, keys: dict[str, str]) -> None:
        """Add item keys, keeping the current ones and the newest others up to SEEN_LIMIT."""
        for key in keys:
            self.seen.pop(key, None)
        self.seen.update(keys)
        while len(self.seen) > SEEN_LIMIT:
            self.seen.pop(next(iter(self.seen)))


@dataclass(slots=True)
class Context:
    """What every web collector of one run shares: the client, the clock, the parser pool."""

    fetcher: Fetcher
    now: datetime
    workspace: Path
    executor: Executor | None = None
    rng: random.Random = field(default_factory=random.Random)

    async def run(self, func: Callable[..., Any], *args: Any) -> Any:
        """Run CPU-bound parsing off the event loop, so deadlines of other sources keep ticking."""
        import asyncio

        return await asyncio.get_running_loop().run_in_executor(self.executor, func, *args)


def state_for(source: Source, stored: FetchState | None) -> FetchState:
    """The stored state, unless the source's address was changed in the schedule since."""
    if stored is None or stored.location != source.location:
        return FetchState.fresh(source)
    return stored


def backoff(failures: int, rng: random.Random) -> timedelta:
    """10 min, 20, 40 ... capped at 12 h, each times a random 0.5-1.5 so sources spread out."""
    base = min(BACKOFF_BASE * (2 ** max(failures - 1, 0)), BACKOFF_CAP)
    return base * rng.uniform(0.5, 1.5)


def not_due(source: Source, state: FetchState, now: datetime) -> Collected | None:
    """A Collected explaining why this source is not polled now, or None when it is due."""
    from briefing.sources import Collected

    if state.next_poll is None or now >= state.next_poll:
        return None
    when = state.next_poll.strftime("%Y-%m-%d %H:%M UTC")
    result = Collected(source=source, state=state, polled=False)
    if state.gone:
        result.status = "gone"
        result.message = f"{source.name}: gone (HTTP 410) at {state.url}; next check after {when}"
    elif state.failures:
        result.status = "failed"
        result.message = (f"{source.name}: {state.failures} failed poll(s) in a row; "
                          f"waiting until {when} ({state.wait_reason or 'backoff'})")
    else:
        result.message = f"not polled: next poll allowed after {when} ({state.wait_reason})"
    return result


def capped(seconds: float) -> timedelta:
    """`seconds` as a timedelta of at most INTERVAL_CAP.

    Why before the timedelta is made: a publisher's number can be anything ("max-age=999...9",
    "<ttl>1e300</ttl>", "<ttl>inf</ttl>", "Retry-After: 999...9"), and timedelta raised
    OverflowError on it: the feed, already fetched, failed as an "unexpected error", and a
    429 was not waited for at all.
    """
    return timedelta(seconds=min(seconds, INTERVAL_CAP.total_seconds()))


def wait_at_least(state: FetchState, now: datetime, seconds: float | None, reason: str) -> None:
    """Push the next poll out to honour a publisher's minimum interval (never shorten it)."""
    if not seconds or not seconds > 0:  # `not >` also turns away NaN ("<ttl>nan</ttl>")
        return
    until = now + capped(seconds)
    if state.next_poll is None or until > state.next_poll:
        state.next_poll, state.wait_reason = until, reason


async def poll(source: Source, state: FetchState, ctx: Context, url: str,
               accept: str) -> Response | Collected:
    """GET `url` conditionally; the response, or the Collected when there is nothing to parse.

    Nothing to parse: the fetch failed (recorded in the state) or the server answered
    304 Not Modified; feed and page sources treat both alike.
    """
    from briefing.sources import Collected

    options = FetchOptions.from_options(source.options, accept=accept)
    try:
        response = await ctx.fetcher.get(url, options, etag=state.etag, last_modified=state.last_modified)
    except FetchError as exc:
        return failed(Collected(source=source, state=state), state, exc, ctx)
    state.failures, state.gone, state.next_poll, state.wait_reason = 0, False, None, ""
    if response.moved_to and url == state.url:
        state.url = response.moved_to
    if not response.not_modified:
        state.etag = usable_validator(response.headers.get("etag"))
        state.last_modified = usable_validator(response.headers.get("last-modified"))
    wait_at_least(state, ctx.now, response.max_age, "Cache-Control max-age")
    if response.not_modified:
        return Collected(source=source, state=state, message="not modified since the last poll (HTTP 304)")
    return response


def failed(result: Collected, state: FetchState, exc: FetchError, ctx: Context) -> Collected:
    """Turn a FetchError into the source's status, its Problem, and its next allowed poll."""
    name = result.source.name
    state.failures += 1
    if exc.kind == "gone":
        state.gone, result.status = True, "gone"
        state.next_poll, state.wait_reason = ctx.now + GONE_RECHECK, "gone"
    elif exc.kind == "blocked":
        result.status = "blocked"
    else:
        result.status = "failed"
        delay = backoff(state.failures, ctx.rng)
        reason = "backoff"
        if exc.retry_after is not None and exc.retry_after > delay.total_seconds():
            delay, reason = capped(exc.retry_after), "Retry-After"
        state.next_poll, state.wait_reason = ctx.now + min(delay, INTERVAL_CAP), reason
    message = f"{name}: {exc.message}"
    if state.next_poll and exc.kind != "blocked":
        message += f"; next poll after {state.next_poll.strftime('%Y-%m-%d %H:%M:%S UTC')}"
    result.message = message
    result.problems.append(Problem(stage="collect", source=name, message=message))
    return result
