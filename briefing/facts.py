"""Fact keys: what a sentence asserts, reduced to keys that paraphrases share.

Why: outlets report the same fact in different words ("A farmer died" / "a breached
dike has cost a farmer his life"; "about 260 people were evacuated" / "around 260
residents were moved to a school gym"). Word overlap misses these pairs, yet an
editor sees at once that the second sentence repeats the first. Two signals survive
paraphrase in news copy:

- **Key figures.** A specific number (260, 2,400, 5.9, 7:50) is the fact's
  fingerprint: outlets round the words around it, not the number. Small counts
  (one to ten) are too common to identify a fact alone, so they are keyed with the
  noun they count ("seven miners"), and only weigh as evidence together with other
  shared words (the caller decides). Years, days of the month and identifiers
  ("No. 3", "Line 3") date or name things; they assert nothing and are skipped.
- **Event cores.** A news event word, folded to its class (die / kill / death /
  dead / "cost ... his life" are all *death*; evacuate / flee / move are all
  *evacuation*), together with a participant word next to it (farmer, residents,
  passengers). Sharing an (event, participant) pair means saying the same thing
  happened to the same party.

`fact_keys` returns both kinds as strings: "n:260", "c:7|miner", "e:death|farmer".
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence

from briefing.text import word_set

__all__ = ["fact_keys", "referents", "shares_fact"]


_WINDOW = 3  # participant words within this many content words of the event word
# Words that start a new clause: a participant is never looked for across them
# ("A farmer died | and about 260 people were evacuated | after the river flooded").
_CLAUSE = word_set("and after following when while but as before because since which who where then or")

_COUNTS = "zero one two three four five six seven eight nine ten"
_EVENT_WORDS = {
    "death": "die died dies dying dead death deaths kill killed killing kills fatal fatally"
    " fatalities fatality drown drowned drowning perish perished",
    "injury": "injure injured injuring injuries injury hurt wounded wounding wounds",
    "evacuation": "evacuate evacuated evacuating evacuation evacuations evacuees flee fled"
    " fleeing displaced relocated rehoused moved",
    "arrest": "arrest arrested arresting arrests detain detained detaining detention custody",
    "rescue": "rescue rescued rescuing rescues freed",
    "missing": "missing trapped",
    "flood": "flood flooded flooding floods floodwater floodwaters inundated swamped submerged",
    "resignation": "resign resigned resigning resignation",
    "condemnation": "condemn condemned condemning condemns condemnation denounce denounced denounces",
}
_EVENT_OF = {word: event for event, words in _EVENT_WORDS.items() for word in words.split()}
# "cost a farmer his life", "claimed three lives": death without a death word.
_LIFE_VERBS = word_set("cost costing claimed claim claims took take lost lose losing")
_LIFE = frozenset({"life", "lives"})

_NUMBER_WORDS = {w: i for i, w in enumerate(_COUNTS.split())}
_FIGURE = re.compile(r"^\d+(?:[.,:]\d+)*$")
_COMPOUND = re.compile(r"^(\d+(?:[.,]\d+)*)-[a-z-]+$")  # "48-hour", "64-year-old"
_ID_BEFORE = word_set("no no. number line route terminal platform gate pier berth room")
_MONTHS = word_set(
    "jan jan. january feb feb. february mar mar. march apr apr. april may jun june jul july"
    " aug aug. august sep sep. sept sept. september oct oct. october nov nov. november"
    " dec dec. december"
)
_CALENDAR = _MONTHS | word_set(
    "monday tuesday wednesday thursday friday saturday sunday today yesterday tomorrow"
    " morning afternoon evening night week weekend day days"
)
_YEAR = re.compile(r"^(?:19|20)\d\d$")
_COUNT_SKIP = word_set("about around nearly almost some roughly more than over all the")


def _figure_keys(tokens: Sequence[str], content: Callable[[str], str | None]) -> set[str]:
    """Keys of the figures a sentence states (see the module docstring)."""
    keys: set[str] = set()
    for i, token in enumerate(tokens):
        before = tokens[i - 1] if i else ""
        after = tokens[i + 1] if i + 1 < len(tokens) else ""
        if before in _ID_BEFORE or (before in _MONTHS or after in _MONTHS):
            continue
        compound = _COMPOUND.match(token)
        if _FIGURE.match(token) or compound:
            value = (compound.group(1) if compound else token).replace(",", "")
            if _YEAR.match(value):
                continue
            small = value.isdigit() and int(value) <= 10
        elif token in _NUMBER_WORDS and token != "one":
            value, small = str(_NUMBER_WORDS[token]), True
        else:
            continue
        if not small:
            keys.add(f"n:{value}")
            continue
        noun = _counted_noun(tokens[i + 1 : i + 4], content)
        if noun:
            keys.add(f"c:{value}|{noun}")
    return keys


def _counted_noun(following: Sequence[str], content: Callable[[str], str | None]) -> str | None:
    """The noun a small count counts: the first content word after it."""
    for token in following:
        if token in _COUNT_SKIP or token == "-":
            continue
        return content(token)
    return None


def _event_keys(tokens: Sequence[str], content: Callable[[str], str | None]) -> set[str]:
    """(event class, participant) keys: event words with the content words near them."""
    words: list[tuple[str, str | None]] = []  # (stem or class marker, event class)
    clauses: list[int] = []  # the clause each entry of `words` belongs to
    clause = 0
    for i, token in enumerate(tokens):
        clause += token in _CLAUSE
        event = _EVENT_OF.get(token)
        if token in _LIFE and any(t in _LIFE_VERBS for t in tokens[max(0, i - 4) : i]):
            event = "death"
        stem = content(token)
        if event or stem:
            words.append((stem or token, event))
            clauses.append(clause)
    keys: set[str] = set()
    for i, (_, event) in enumerate(words):
        if not event:
            continue
        for j in range(max(0, i - _WINDOW), min(len(words), i + _WINDOW + 1)):
            stem, other = words[j]
            if other is None and clauses[j] == clauses[i]:
                keys.add(f"e:{event}|{stem}")
    return keys


def fact_keys(
    tokens: Sequence[str], stem: Callable[[str], str], stop_words: frozenset[str]
) -> frozenset[str]:
    """The fact keys of one sentence, from its word tokens.

    `stem` and `stop_words` are the summarizer's own (`salience.stemmer` and
    `salience.stop_words` for the incident's language), so participants match whenever
    the sentences' stems do ("residents" and "resident").
    """
    low = [t.lower() for t in tokens]

    def content(token: str) -> str | None:
        if not token[:1].isalpha() or token in stop_words or token in _CALENDAR or token in _LIFE_VERBS:
            return None
        return stem(token)

    return frozenset(_figure_keys(low, content) | _event_keys(low, content))


def referents(keys: Sequence[frozenset[str]], owners: Sequence[str]) -> frozenset[str]:
    """Keys that name an incident's subject rather than one fact.

    Why: "the 212 passengers" or "the 15 sailors detained by Iran" recur in sentences
    about the grounding, the rescue and the inquiry: there the figure or event says
    *who* the story is about. An article states a fact once but names its subject
    again and again, so a key that one article (`owners[i]` wrote sentence i) uses in
    two or more sentences is a referent. Outlets repeating a fact do not make it one.
    """
    counts = Counter((owner, key) for owner, sentence in zip(owners, keys, strict=True) for key in sentence)
    return frozenset(key for (_, key), n in counts.items() if n > 1)


def shares_fact(
    a: frozenset[str], b: frozenset[str], similar: bool, common: frozenset[str] = frozenset()
) -> bool:
    """Whether two sentences' keys say they report the same fact.

    A shared specific figure or (event, participant) pair is enough; a shared small
    count ("seven miners") or a `common` key (see `referents`) names who the story
    is about more often than what happened, so it counts only when the sentences are
    also `similar` in words.
    """
    return any(similar or not (key.startswith("c:") or key in common) for key in a & b)
