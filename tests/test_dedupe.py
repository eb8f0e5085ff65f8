"""Syndicated copy collapses into one article that lists every outlet."""

from __future__ import annotations

from datetime import UTC, datetime

from briefing.dedupe import dedupe, is_duplicate, shingles
from briefing.models import Article

WIRE = (
    "Dockworkers at the port of Valmora walked off the job at dawn on Tuesday, halting "
    "container traffic at the country's second-largest harbour. The union said 2,400 "
    "members joined the 48-hour stoppage over plans to install automated cranes at the "
    "north terminal. Port authority chief Elena Marsh said talks would resume on Thursday "
    "and that perishable cargo had been diverted to Porto Lindo. Shipping lines warned of "
    "delays of up to a week for vessels already at anchor outside the breakwater."
)
OTHER = (
    "The city council approved a 9.2-kilometre extension of tram line 3 on Wednesday after "
    "a four-hour debate. Construction of the six new stops is due to start next spring and "
    "the line should carry its first passengers in 2029, the transport department said."
)


def _art(aid: str, source: str, text: str, hour: int, title: str = "Valmora port strike") -> Article:
    when = datetime(2026, 11, 19, hour, tzinfo=UTC)
    return Article(id=aid, url=f"https://{source}.example/{aid}", source=source, title=title,
                   text=text, published=when)


def test_identical_copies_merge_and_list_both_outlets() -> None:
    arts = [_art("b", "Valley Courier", WIRE, 9), _art("a", "Meridian Wire", WIRE, 7)]
    out = dedupe(arts)
    assert len(out) == 1
    assert out[0].id == "a"  # the earliest copy represents the group
    assert out[0].outlets == ("Meridian Wire", "Valley Courier")
    assert out[0].duplicates == ("b",)


def test_lightly_edited_copy_merges() -> None:
    edited = WIRE.replace("on Tuesday", "on Tuesday morning").replace(
        "Shipping lines warned", "Several shipping lines have warned"
    ) + " Meridian Wire contributed to this report."
    out = dedupe([_art("a", "Meridian Wire", WIRE, 7), _art("c", "Northgate Times", edited, 8,
                                                                  title="Dockers strike in Valmora")])
    assert len(out) == 1
    assert set(out[0].outlets) == {"Meridian Wire", "Northgate Times"}


def test_different_texts_stay_apart_and_get_their_outlet() -> None:
    out = dedupe([_art("a", "Meridian Wire", WIRE, 7), _art("t", "Northgate Times", OTHER, 8)])
    assert [a.id for a in out] == ["a", "t"]
    assert out[1].outlets == ("Northgate Times",)
    assert out[1].duplicates == ()


def test_trimmed_copy_counts_as_duplicate() -> None:
    short = WIRE.rsplit(". ", 1)[0] + "."
    assert is_duplicate(shingles(_art("a", "x", WIRE, 7)), shingles(_art("b", "y", short, 7)))


def test_same_input_same_result() -> None:
    arts = [_art("a", "Meridian Wire", WIRE, 7), _art("b", "Valley Courier", WIRE, 9),
            _art("t", "Northgate Times", OTHER, 8)]
    assert dedupe(arts) == dedupe(list(arts))


def test_lightly_edited_chinese_copy_merges_and_independent_reports_do_not() -> None:
    """A Chinese text has no spaces, so its "words" were whole clauses: one changed word
    broke every 5-clause shingle it touched, and a lightly edited copy stayed a separate
    report. Character pairs are its words now."""
    from dataclasses import replace

    from test_language import RAIN_ZH, _unspaced

    original, other_outlet = _unspaced(RAIN_ZH)[:2]
    copy = replace(original, id="copy", source="copy",
                   text=original.text.replace("周二", "星期二").replace("暂停运营", "暂停"))
    assert is_duplicate(shingles(original), shingles(copy))
    assert not is_duplicate(shingles(original), shingles(other_outlet))  # the same storm, other words
    assert len(dedupe([original, copy, other_outlet])) == 2
