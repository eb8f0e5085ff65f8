"""The state store: articles and editions, source health, the email ledger, edition slots.

SQLite under output/.state/ by default, through SQLAlchemy Core so a PostgreSQL URL
(`BRIEFING_STATE_URL`) works as well. One `Store` per workspace serves every job; each
job's queries live in a module of their own and join here as a mixin, so callers keep
one object and one import (`from briefing.store import Store`):

- schema.py      the tables, and creating them
- core.py        the engine, SQLite settings and transactions (`StoreBase`)
- articles.py    articles, editions, incidents; `commit_edition`, the consuming commit
- health.py      source health and fetch state, saved with each collection
- deliveries.py  the email ledger's rows (briefing/ledger.py decides what to send)
- slots.py       edition slots and the daemon's heartbeat
- failures.py    a database that cannot be used (read-only, locked, ...), in words
"""

from __future__ import annotations

from briefing.store.articles import ArticlesMixin, OpenIncident
from briefing.store.core import state_url
from briefing.store.deliveries import DeliveriesMixin
from briefing.store.health import HealthMixin
from briefing.store.schema import SLOT_DONE
from briefing.store.slots import SlotsMixin

__all__ = ["SLOT_DONE", "OpenIncident", "Store", "state_url"]


class Store(ArticlesMixin, HealthMixin, DeliveriesMixin, SlotsMixin):
    """All reads and writes of the state; one instance per workspace."""
