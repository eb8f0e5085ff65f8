"""The public API (`briefing.group`, `briefing.summarize`) on what outside callers pass.

Why: evaluators call these functions directly on their own collections, with dates
written every way, odd titles and odd sizes; each test here is a case that once
crashed, hung or gave an order-dependent or empty answer.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

import briefing
from briefing import Article

BODY = (
    "The flood in Passau rose to 9.2 metres on Tuesday, officials said. "
    "About 260 people were evacuated from the old town. "
    "Mayor Ana Reis said the water would peak overnight. "
    "Rescue teams from Bavaria helped residents leave their homes."
)


def _article(id: str, title: str = "Flood in Passau", text: str = BODY, **kw: object) -> Article:
    return Article(id=id, url=f"https://example.org/{id}", source="Outlet", title=title, text=text, **kw)  # type: ignore[arg-type]


def test_summarize_mixes_naive_and_aware_dates() -> None:
    arts = [
        _article("a", published=datetime(2024, 6, 1, 8)),
        _article("b", title="Passau flood peaks", text=BODY.replace("9.2", "9.3"),
                 published=datetime(2024, 6, 1, 9, tzinfo=UTC)),
        _article("c", title="Danube at Passau", text=BODY + " The Danube crested at noon."),
    ]
    assert str(briefing.summarize(arts, words=40))
    for incident in briefing.group(arts):
        assert str(briefing.summarize(incident, words=40))
    from briefing.summarize import headline

    assert headline(arts)


def test_thousands_of_copies_are_merged_without_comparing_every_pair(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """5,000 copies of one wire story took six minutes: every pair of a bucket was listed
    in each of the 32 bands. The work is counted, never timed: union-find look-ups grew
    with the pairs (about n * n), now with the copies (a few per copy and band)."""
    from briefing import dedupe as module

    calls = 0
    find = module._find

    def counting(parent: list[int], i: int) -> int:
        nonlocal calls
        calls += 1
        return find(parent, i)

    monkeypatch.setattr(module, "_find", counting)
    n = 600
    arts = [_article(str(i), text=BODY + f" Reported by desk {i}.") for i in range(n)]
    incidents = briefing.group(arts)
    assert len(incidents) == 1 and len(incidents[0].articles) == 1
    assert len(incidents[0].articles[0].duplicates) == n - 1
    assert calls < 8 * n * module.BANDS


def test_summary_does_not_depend_on_the_order_of_undated_articles() -> None:
    """Undated articles were ranked in the order given, so a shuffled list read in
    another order; the id breaks ties now."""
    import itertools

    texts = {
        "a": "Floodwater swept through Passau on Tuesday after the Danube burst its banks. "
        "About 260 people were evacuated from the old town overnight. "
        "The mayor said the water would peak on Wednesday.",
        "b": "About 260 residents of Passau were moved to a school gym as the Danube rose on "
        "Tuesday. Rescue teams from Bavaria helped older residents leave their homes. "
        "The water reached 9.2 metres by the evening.",
        "c": "The Danube rose to 9.2 metres in Passau on Tuesday, the highest level in a decade. "
        "Officials said about 260 people had been evacuated. "
        "Schools in the old town will stay closed on Wednesday.",
    }
    arts = [_article(k, title=f"Passau flood {k}", text=v) for k, v in texts.items()]
    summaries = {briefing.summarize(list(order), words=40) for order in itertools.permutations(arts)}
    assert len(summaries) == 1


def test_an_untitled_article_does_not_blank_the_incident_headline() -> None:
    """The member closest to the centroid gave the headline even when its title was
    empty; so did an untitled copy chosen to represent its duplicates."""
    closest = _article("a", title="", text=BODY + " Flood Passau Passau Danube.")
    titled = _article("b", text="Flood in Passau: officials say the Danube at Passau rose.")
    assert [i.title for i in briefing.group([closest, titled])] == ["Flood in Passau"]
    copy = _article("c", title="", text=BODY + " More to follow.")
    original = _article("d", title="Passau evacuates old town", text=BODY)
    assert [i.title for i in briefing.group([copy, original])] == ["Passau evacuates old town"]
    assert [i.title for i in briefing.group([_article("e", title=" ", text=BODY)])] == [" "]


def test_an_id_with_a_lone_surrogate_gets_an_incident_id() -> None:
    """json.loads('"a\\ud800"') is a valid str; hashing it as strict UTF-8 raised."""
    incidents = briefing.group([_article("a\ud800")])
    assert incidents[0].id.startswith("inc-")
    plain = hashlib.sha1(b"plain").hexdigest()[:12]
    assert briefing.group([_article("plain")])[0].id == "inc-" + plain  # unchanged


def test_two_articles_with_one_id_give_the_same_incident_in_any_order() -> None:
    """The first one given was kept, so swapping them changed the incident."""
    flood = _article("x")
    vote = _article("x", title="Election in Peru", text="Voters in Lima went to the polls on Sunday "
                    "to choose a new president. The count began at dusk.")
    one, other = briefing.group([flood, vote]), briefing.group([vote, flood])
    assert one == other and len(one) == 1


def test_a_quiet_period_beyond_the_calendar_keeps_history_open() -> None:
    """quiet_days=inf (never close an incident), or a `now` in year 1, overflowed."""
    old = _article("a", published=datetime(2024, 6, 1, tzinfo=UTC))
    history = [briefing.Incident(id="inc-old", title="Flood", articles=(old,), updated=old.published)]
    new = _article("b", text=BODY + " The Danube crested.", published=datetime(2024, 6, 2, tzinfo=UTC))
    for now, days in ((datetime(2030, 1, 1, tzinfo=UTC), float("inf")), (datetime(1, 1, 2), 7.0)):
        incidents = briefing.group([new], history=history, now=now, quiet_days=days)
        assert [(i.id, i.status) for i in incidents] == [("inc-old", "updated")]


def test_the_signature_of_an_enormous_text_takes_little_memory() -> None:
    """All shingles were hashed in one 128 x n product: half a gigabyte for a 1 MB
    text. Measured with tracemalloc (numpy reports its buffers to it), never timed."""
    import tracemalloc

    import numpy as np

    from briefing.dedupe import _A, _B, _PRIME, signature

    small = frozenset({5, 17, 2**30})
    expected = ((np.outer(_A, sorted(small)) + _B[:, None]) % _PRIME).min(axis=1)
    assert (signature(small) == expected).all()
    items = frozenset(range(1, 200_001))
    tracemalloc.start()
    try:
        sig = signature(items)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 * 2**20  # one product: 128 x 200,000 x 8 bytes = 205 MB, twice
    assert sig.min() >= 0 and sig.max() < _PRIME


def test_two_articles_with_one_id_give_the_same_summary_in_any_order() -> None:
    """Of two articles given one id and one time, the first given was read first."""
    first = _article("x", title="Passau", text="Floodwater swept through Passau on Tuesday after "
                     "the Danube burst its banks. About 260 people were evacuated from the old town.")
    second = _article("x", title="Passau", text="The Danube rose to 9.2 metres in Passau on Tuesday, "
                      "the highest level in a decade. Schools in the old town will stay closed.")
    assert briefing.summarize([first, second], words=100) == briefing.summarize([second, first], words=100)


def test_a_two_sentence_summary_raises_no_numpy_warning() -> None:
    """LexRank over sentences that share no weighted word divided 0 by 0, and numpy's
    RuntimeWarning reached the caller (an error under `-W error`)."""
    import warnings

    arts = [_article("a", title="北京暴雨", language="zh",
                     text="北京市周二遭遇暴雨，多条道路积水严重。市政府表示，约两千名居民已被疏散。气象台发布红色预警。")]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        summary = briefing.summarize(arts, words=30)
    assert summary.sentences[0].text == "北京市周二遭遇暴雨，多条道路积水严重。"


def test_articles_of_a_closed_incident_passed_again_are_not_a_new_incident() -> None:
    """Passed again with a `now` after the quiet period, the articles of a closed history
    incident came back as a "new" incident under the closed incident's own id."""
    day = datetime(2024, 6, 1, tzinfo=UTC)
    arts = [_article("a", published=day),
            _article("b", text=BODY.replace("9.2", "9.4") + " The Danube crested.", published=day)]
    history = briefing.group(arts)
    later = datetime(2024, 7, 1, tzinfo=UTC)
    assert briefing.group(arts, history=history, now=later) == []
    vote = _article("v", title="Election in Peru", text="Voters in Lima went to the polls on Sunday "
                    "to choose a new president. The count began at dusk.", published=later)
    again = briefing.group([*arts, vote], history=history, now=later)
    assert [[a.id for a in i.articles] for i in again] == [["v"]]
    assert again[0].id != history[0].id


def test_history_of_several_editions_holds_an_ongoing_incident_once() -> None:
    """Each edition's version of an ongoing incident was a group of its own: a new report
    joined the oldest, the later versions' articles were dropped, and the same id could
    come back twice. A history incident listing an article twice listed it twice after."""
    from datetime import timedelta

    day = datetime(2024, 6, 1, tzinfo=UTC)
    first = briefing.group([_article("a1", published=day)])
    a2 = _article("a2", title="Passau flood peaks", published=day + timedelta(hours=20),
                  text=BODY.replace("9.2", "9.4") + " The Danube crested at noon.")
    second = briefing.group([a2], history=first, now=day + timedelta(days=1))
    a3 = _article("a3", title="Passau clean-up", published=day + timedelta(days=2),
                  text=BODY.replace("9.2", "9.1") + " The clean-up began on Thursday.")
    a4 = _article("a4", text=BODY + " Schools reopened.", published=day + timedelta(days=2))
    for history in ([*first, *second], [*second, *first]):
        third = briefing.group([a3, a4], history=history, now=day + timedelta(days=2))
        members = [(i.id, [a.id for a in i.articles]) for i in third]
        assert members == [(first[0].id, ["a1", "a2", "a3", "a4"])]
        assert third[0].first_seen == day and third[0].new_article_ids == ("a3", "a4")
    twice = [replace(second[0], articles=(*second[0].articles, second[0].articles[0]))]
    third = briefing.group([a3], history=twice, now=day + timedelta(days=2))
    assert [[a.id for a in i.articles] for i in third] == [["a1", "a2", "a3"]]


def test_an_article_of_stop_words_only_is_summarized() -> None:
    """With no content word at all the concept weights had no entry while the concept
    matrix kept one empty column, and `summarize` raised a dimension mismatch."""
    text = "All of them were there when we did what we could to have it done before they were here."
    assert str(briefing.summarize([_article("a", title="t", text=text)], words=50)) == text


def test_an_incident_continued_from_naive_history_has_aware_times() -> None:
    """A history incident's naive first_seen came back naive, beside the aware times of
    the other incidents (the model's times are aware UTC); sorting them raised."""
    old = _article("a", published=datetime(2024, 6, 1, 8))
    history = [briefing.Incident(id="inc-old", title="Flood", articles=(old,),
                                 first_seen=datetime(2024, 6, 1, 8), updated=datetime(2024, 6, 1, 8))]
    new = _article("b", text=BODY + " The Danube crested.", published=datetime(2024, 6, 1, 12, tzinfo=UTC))
    vote = _article("v", title="Election in Peru", text="Voters in Lima went to the polls on Sunday "
                    "to choose a new president. The count began at dusk.", published=new.published)
    incidents = briefing.group([new, vote], history=history)
    assert [i.status for i in incidents] == ["updated", "new"]
    assert incidents[0].first_seen == datetime(2024, 6, 1, 8, tzinfo=UTC)
    assert sorted(i.first_seen for i in incidents if i.first_seen)


def test_a_plain_date_is_midnight_utc_of_that_day() -> None:
    """`published=date(2024, 6, 1)` made `group` and `summarize` raise AttributeError
    ('datetime.date' object has no attribute 'tzinfo') deep inside a stage."""
    dated = _article("a", published=date(2024, 6, 1), collected=date(2024, 6, 2))
    assert dated.published == datetime(2024, 6, 1, tzinfo=UTC)
    assert dated.collected == datetime(2024, 6, 2, tzinfo=UTC)
    later = _article("b", title="Passau flood peaks", text=BODY.replace("9.2", "9.3"),
                     published=datetime(2024, 6, 1, 9, tzinfo=UTC))
    [incident] = briefing.group([later, dated])  # one wire copy: "b" is merged into "a"
    assert incident.articles[0].id == "a" and incident.first_seen == datetime(2024, 6, 1, tzinfo=UTC)
    assert str(briefing.summarize([dated, later], words=40))
    assert str(briefing.summarize(incident, words=40))
    history = [briefing.Incident(id="inc-old", title="Flood", articles=(dated,), first_seen=date(2024, 6, 1),
                                 updated=date(2024, 6, 1))]
    [updated] = briefing.group([later], history=history, now=datetime(2024, 6, 2, tzinfo=UTC))
    assert (updated.id, updated.first_seen) == ("inc-old", datetime(2024, 6, 1, tzinfo=UTC))


def test_a_time_that_is_not_a_date_is_refused_naming_the_field() -> None:
    with pytest.raises(TypeError, match=r"Article\.published must be a datetime, a date or None, not str"):
        _article("a", published="2024-06-01")
    with pytest.raises(TypeError, match=r"Incident\.updated"):
        briefing.Incident(id="i", title="t", articles=(), updated=1717200000)  # type: ignore[arg-type]
