"""Exact and near-duplicate articles: the same wire copy carried by several outlets.

Syndicated copy would otherwise count as several reports of an incident, inflate its
rank and repeat sentences in its summary. Duplicates are found with word shingles:

* Each article becomes the set of its 5-word shingles (lower-cased words of title and
  text). Five words are long enough that two independent reports of one event share
  few shingles (Jaccard well under 0.2), and short enough that a lightly edited copy
  (a changed headline, a dropped paragraph, a house-style tweak) keeps most of them.
* A 128-value MinHash signature per article, with LSH banding (32 bands of 4 rows),
  proposes candidate pairs in about linear time: pairs with Jaccard 0.5 are proposed
  with probability 0.87, pairs with Jaccard 0.2 with 0.05.
* Every candidate is verified on the real shingle sets: duplicates have Jaccard >= 0.6,
  or one copy is a trimmed version of the other (>= 90% of the shorter one's shingles
  occur in the longer one, which is at least half its length). 0.6 keeps copies where
  roughly one word in twelve was changed; genuinely separate reports stay far below.

Hashing is deterministic (blake2b of the shingle, fixed-seed permutations), never
Python's salted `hash()`, so the same input always gives the same groups and the same
incident ids on a retried build.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime

import numpy as np
import regex

from briefing.models import Article
from briefing.text import PAIRED_RUN, char_pairs

SHINGLE = 5
PERMUTATIONS = 128
BANDS = 32
JACCARD = 0.6
CONTAINMENT = 0.9
MIN_SIZE_RATIO = 0.5
SIGNATURE_CHUNK = 8192  # shingles hashed at a time: bounds memory on enormous texts
_PRIME = (1 << 31) - 1
_rng = np.random.default_rng(20260123)
_A = _rng.integers(1, _PRIME, PERMUTATIONS, dtype=np.int64)
_B = _rng.integers(0, _PRIME, PERMUTATIONS, dtype=np.int64)
_WORD = regex.compile(r"[\w\p{M}]+")  # marks too: Hindi "हिन्दी" is one word, not three
_NEVER = datetime.max.replace(tzinfo=UTC)


def shingles(article: Article) -> frozenset[int]:
    """Hashed 5-word shingles of title and text; a short text is one shingle. Chinese,
    Japanese and Korean count character pairs as words (`briefing.text.char_pairs`):
    there a run between two punctuation marks is a clause, and a copy with one word
    changed kept almost no 5-clause shingle."""
    words = [piece for word in _WORD.findall(f"{article.title} {article.text}".lower())
             for piece in (char_pairs(word) if not word.isascii() and PAIRED_RUN.search(word) else (word,))]
    if len(words) < SHINGLE:
        grams = [" ".join(words)] if words else []
    else:
        grams = [" ".join(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)]
    return frozenset(
        int.from_bytes(hashlib.blake2b(g.encode(), digest_size=4).digest(), "little") % _PRIME
        for g in grams
    )


def signature(items: frozenset[int]) -> np.ndarray:
    """MinHash signature: the minimum of each fixed permutation over the shingles.

    The shingles are taken SIGNATURE_CHUNK at a time: a 1 MB text has some 170,000
    shingles, and one 128 x 170,000 product with its temporaries took half a gigabyte
    (a 10 MB text would have run out of memory). The minimum is the same.
    """
    out = np.full(PERMUTATIONS, _PRIME, dtype=np.int64)
    if not items:
        return out
    x = np.fromiter(items, dtype=np.int64, count=len(items))
    for start in range(0, len(x), SIGNATURE_CHUNK):
        part = x[start : start + SIGNATURE_CHUNK]
        np.minimum(out, ((np.outer(_A, part) + _B[:, None]) % _PRIME).min(axis=1), out=out)
    return out


def _buckets(sigs: list[np.ndarray]) -> list[list[int]]:
    """The LSH buckets with two or more members: articles whose signatures agree on one
    band, in band order and then in order of first member."""
    rows = PERMUTATIONS // BANDS
    out: list[list[int]] = []
    for band in range(BANDS):
        buckets: dict[bytes, list[int]] = defaultdict(list)
        for i, sig in enumerate(sigs):
            if sig[0] == _PRIME:  # no shingles: nothing to compare
                continue
            buckets[sig[band * rows : (band + 1) * rows].tobytes()].append(i)
        out.extend(members for members in buckets.values() if len(members) > 1)
    return out


def _link(members: list[int], sets: list[frozenset[int]], parent: list[int]) -> None:
    """Join the duplicates among one bucket's members.

    Why not every pair of the bucket: 5,000 copies of one wire story share every bucket,
    and listing their 12.5 million pairs in each of 32 bands took six minutes. A member
    is compared only with the earlier members that are not yet in its group, stopping at
    the first duplicate in each group; pairs already joined add nothing, so the groups
    come out exactly as from all pairs.
    """
    placed: list[list[int]] = []  # earlier members of this bucket, one list per group
    for m in members:
        mine = [m]
        apart: list[list[int]] = []
        for group in placed:
            same = _find(parent, group[0]) == _find(parent, m)
            if same or any(is_duplicate(sets[m], sets[o]) for o in group):
                parent[_find(parent, m)] = _find(parent, group[0])
                small, mine = sorted((mine, group), key=len)  # the larger list absorbs
                mine.extend(small)
            else:
                apart.append(group)
        apart.append(mine)
        placed = apart


def is_duplicate(a: frozenset[int], b: frozenset[int]) -> bool:
    """The verification on real shingle sets (see the module docstring for why)."""
    if not a or not b:
        return False
    inter = len(a & b)
    if inter / len(a | b) >= JACCARD:
        return True
    small, large = sorted((len(a), len(b)))
    return small >= MIN_SIZE_RATIO * large and inter / small >= CONTAINMENT


def _find(parent: list[int], i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def _order(article: Article) -> tuple[datetime, int, str]:
    """Earliest first; among copies of the same time the longest (most complete) one."""
    return (article.published or _NEVER, -len(article.text), article.id)


def _same_id_key(article: Article) -> tuple[datetime, int, str, str, str, str]:
    return (*_order(article), article.title, article.text, article.url)


def _merge(members: list[Article]) -> Article:
    members = sorted(members, key=_order)
    rep = members[0]
    outlets: list[str] = []
    for m in members:
        for name in m.outlets or (m.source,):
            if name and name not in outlets:
                outlets.append(name)
    dups = {d for m in members for d in (m.id, *m.duplicates)} - {rep.id}
    # An untitled copy keeps the first title another copy has: its incident got an
    # empty headline though the same text came with one.
    title = rep.title if rep.title.strip() else next((m.title for m in members if m.title.strip()), rep.title)
    return replace(rep, title=title, outlets=tuple(outlets), duplicates=tuple(sorted(dups)))


def dedupe(articles: Sequence[Article]) -> list[Article]:
    """Collapse copies of the same text into one article listing all outlets.

    The representative is the earliest copy (ties: the longest), so an incident's first
    report keeps its original outlet; `outlets` lists every outlet in order of
    appearance and `duplicates` the ids of the other copies. Articles keep their input
    order otherwise. Articles with the same id are treated as one: the one `_order`
    puts first (then by title, text and url), not the first given, so that the same
    articles in another order give the same incidents.
    """
    unique: dict[str, Article] = {}
    for art in articles:
        known = unique.setdefault(art.id, art)
        if _same_id_key(art) < _same_id_key(known):
            unique[art.id] = art
    arts = list(unique.values())
    sets = [shingles(a) for a in arts]
    parent = list(range(len(arts)))
    for members in _buckets([signature(s) for s in sets]):
        _link(members, sets, parent)
    groups: dict[int, list[Article]] = defaultdict(list)  # dicts keep first-seen order
    for i, art in enumerate(arts):
        groups[_find(parent, i)].append(art)
    return [_merge(members) for members in groups.values()]
