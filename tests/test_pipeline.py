"""The whole build, end to end, on real files: demo edition, seeds, safety rules."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import DEMO_NOW, REPO, SEEDS, make_workspace
from pypdf import PdfReader

from briefing.cli import main
from briefing.config import load_schedule
from briefing.models import Incident
from briefing.pipeline import BuildResult, build
from briefing.store import Store

GROUND = json.loads((REPO / "tests" / "data" / "demo_incidents.json").read_text())


def _build(workspace: Path, name: str = "demo", **kwargs: object) -> BuildResult:
    schedule = load_schedule(workspace / "schedules" / f"{name}.toml")
    now = kwargs.pop("now", DEMO_NOW)
    return build(schedule, workspace, now, **kwargs)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def demo_edition(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildResult]:
    """Build the demo once for the checks that only read its output."""
    import shutil

    ws = tmp_path_factory.mktemp("demo")
    (ws / "schedules").mkdir()
    shutil.copy(REPO / "schedules" / "demo.toml", ws / "schedules" / "demo.toml")
    shutil.copytree(REPO / "samples" / "demo", ws / "samples" / "demo")
    return ws, _build(ws)


def test_demo_edition_writes_the_output_layout(demo_edition: tuple[Path, BuildResult]) -> None:
    ws, result = demo_edition
    assert result.status == "published"
    folder = ws / "output" / "demo" / "2026" / "11" / "23"
    assert result.path == folder
    for name in ("index.html", "briefing.pdf", "briefing.json"):
        assert (folder / name).stat().st_size > 0
    assert (ws / "output" / "demo" / "index.html").is_file()
    assert (ws / "output" / "demo" / "feed.xml").is_file()


def test_demo_edition_groups_the_incidents_written(demo_edition: tuple[Path, BuildResult]) -> None:
    _, result = demo_edition
    assert result.edition is not None
    got = sorted(sorted(Path(a.url).name for i_art in [i.articles] for a in i_art)
                 for i in result.edition.incidents)
    # Syndicated copies are merged into one article that lists both outlets.
    expected = []
    merged = {pair[1] for pair in GROUND["syndicated"]}
    for files in GROUND["incidents"].values():
        expected.append(sorted(f for f in files if f not in merged))
    assert got == sorted(expected)


def test_demo_json_has_the_edition_fields(demo_edition: tuple[Path, BuildResult]) -> None:
    _, result = demo_edition
    assert result.path is not None
    data = json.loads((result.path / "briefing.json").read_text())
    assert data["schedule"] == "demo" and data["date"] == "2026-11-23"
    assert {"start", "end"} <= set(data["window"])
    assert len(data["incidents"]) == len(GROUND["incidents"])
    for incident in data["incidents"]:
        assert {"id", "title", "status", "summary", "articles"} <= set(incident)
        assert incident["status"] == "new"
        ids = {a["id"] for a in incident["articles"]}
        assert incident["summary"], incident["title"]
        for sentence in incident["summary"]:
            assert set(sentence) >= {"text", "article_id"}
            assert sentence["article_id"] in ids
        for article in incident["articles"]:
            assert {"id", "url", "source", "title", "published"} <= set(article)
    assert [s["name"] for s in data["sources"]] == ["Demo clippings"]
    assert data["sources"][0]["status"] == "ok"
    assert data["problems"] == []


def test_demo_html_and_pdf_carry_no_boilerplate(demo_edition: tuple[Path, BuildResult]) -> None:
    _, result = demo_edition
    assert result.path is not None
    html = (result.path / "index.html").read_text()
    pdf_bytes = (result.path / "briefing.pdf").read_bytes()
    assert pdf_bytes.startswith(b"%PDF")
    reader = PdfReader(result.path / "briefing.pdf")
    assert len(reader.pages) >= 1
    pdf_text = " ".join(page.extract_text() or "" for page in reader.pages)
    text = re.sub(r"<[^>]+>", " ", html)
    for phrase in GROUND["boilerplate"]:
        assert phrase not in text, phrase
        assert phrase not in pdf_text, phrase


def test_summary_sentences_come_from_their_articles(demo_edition: tuple[Path, BuildResult]) -> None:
    _, result = demo_edition
    assert result.edition is not None
    for incident in result.edition.incidents:
        by_id = {a.id: a for a in incident.articles}
        for sentence in incident.summary:
            assert sentence.text in by_id[sentence.article_id].text


def test_second_build_with_nothing_new_publishes_nothing(demo_workspace: Path) -> None:
    first = _build(demo_workspace)
    assert first.status == "published"
    second = _build(demo_workspace, now=DEMO_NOW + timedelta(hours=1))
    assert second.status == "empty"
    assert "nothing new" in second.message
    editions = list((demo_workspace / "output" / "demo").glob("2026/11/*"))
    assert len(editions) == 1


def test_crash_between_render_and_commit_loses_nothing(demo_workspace: Path) -> None:
    def crash_at_commit(stage: str) -> None:
        if stage == "commit":
            raise RuntimeError("power cut")

    with pytest.raises(RuntimeError):
        _build(demo_workspace, on_stage=crash_at_commit)
    store = Store.open(demo_workspace)
    try:
        pending_before = {a.id for a in store.pending_articles("demo")}
        assert len(pending_before) == 15
        assert store.list_editions("demo") == []
    finally:
        store.close()
    again = _build(demo_workspace)
    assert again.status == "published" and again.edition is not None
    published = {a.id for i in again.edition.incidents for a in i.articles}
    published |= {d for i in again.edition.incidents for a in i.articles for d in a.duplicates}
    assert published == pending_before
    # The half-done edition of the crashed build does not linger as a second edition.
    assert [p.name for p in (demo_workspace / "output" / "demo" / "2026" / "11").iterdir()] == ["23"]


def test_dry_run_writes_and_consumes_nothing(demo_workspace: Path) -> None:
    result = _build(demo_workspace, dry_run=True)
    assert result.status == "dry-run" and result.edition is not None
    assert len(result.edition.incidents) == len(GROUND["incidents"])
    assert not (demo_workspace / "output" / "demo").exists()
    assert _build(demo_workspace).status == "published"


def test_edited_article_is_an_update_not_a_new_article(tmp_path: Path) -> None:
    text = ("Storm closes harbor in Port Avery\n\nPublished: 21 Nov. 2026, 08:00\n\n"
            "A winter storm closed the harbor of Port Avery on Saturday, the port authority said. "
            "Ferries to the islands were cancelled until Monday.\n")
    ws = make_workspace(tmp_path, {"storm.txt": text})
    first = _build(ws, "test")
    assert first.status == "published"
    assert _build(ws, "test", now=DEMO_NOW + timedelta(hours=1)).status == "empty"
    (ws / "inbox" / "storm.txt").write_text(
        text + "\nBy evening the port authority said ferries would resume on Sunday instead.\n")
    third = _build(ws, "test", now=DEMO_NOW + timedelta(hours=2))
    assert third.status == "published" and third.edition is not None
    [incident] = third.edition.incidents
    assert incident.status == "updated"
    assert first.edition is not None and incident.id == first.edition.incidents[0].id
    assert len(incident.articles) == 1


def test_hostile_title_is_escaped(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path, {"x.txt": (
        "<script>alert('x')</script> Storm hits the coast\n\n"
        "A storm hit the coast on Friday and cut power to 4,000 homes, the utility said. "
        "Crews expected to restore most lines by Sunday evening.\n")})
    result = _build(ws, "test")
    assert result.path is not None
    html = (result.path / "index.html").read_text()
    assert "<script" not in html
    assert "&lt;script&gt;" in html


def test_control_characters_never_reach_the_edition_or_the_feed(tmp_path: Path) -> None:
    """A stray control character in a clipping survives HTML escaping; in the Atom feed it
    made the XML unreadable to every feed reader."""
    import xml.etree.ElementTree as ET

    ws = make_workspace(tmp_path, {"x.txt": (
        "Storm \x01hits\x07 the coast \x1b[31m\n\n"
        "A storm hit the coast on Friday and cut power to 4,000 homes,\x0bthe utility said. "
        "Crews expected to restore most lines by Sunday\x08 evening.\n")})
    result = _build(ws, "test")
    assert result.path is not None and result.edition is not None
    assert result.edition.incidents[0].title == "Storm hits the coast [31m"
    html = (result.path / "index.html").read_text()
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f]", html)
    assert not re.search(r"\\u00(0[0-8bcef]|1[0-9a-f])", (result.path / "briefing.json").read_text())
    feed = (ws / "output" / "test" / "feed.xml").read_text()
    assert "Storm hits the coast" in feed
    ET.fromstring(feed)  # well-formed


@pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is absent (a user's clone has no shared/)")
def test_seeds_make_two_incidents_without_boilerplate(tmp_path: Path) -> None:
    files = {p.name: p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))}
    ws = make_workspace(tmp_path, files)
    result = _build(ws, "test")
    assert result.edition is not None
    groups = sorted(sorted(Path(a.url).name[:3] for a in i.articles) for i in result.edition.incidents)
    assert groups == [["000", "001"], ["002"]]
    assert result.path is not None
    html = re.sub(r"<[^>]+>", " ", (result.path / "index.html").read_text())
    for phrase in ("You are here", "Home &gt; Asia", "Leave a Reply", "Similar Articles",
                   "Related Stories", "More in North Korea", "Log in to Twitter",
                   "print dictionary print", "To write comments", "tags North Korea"):
        assert phrase not in html, phrase


def test_replaying_three_days_follows_the_ongoing_incident(demo_workspace: Path) -> None:
    ongoing = set(GROUND["incidents"][GROUND["ongoing"]])
    statuses = []
    told: set[str] = set()
    for day in ("2026-11-20", "2026-11-21", "2026-11-22"):
        result = _build(demo_workspace, day=date.fromisoformat(day), now=DEMO_NOW)
        assert result.edition is not None
        [incident] = [i for i in result.edition.incidents
                      if {Path(a.url).name for a in i.articles} & ongoing]
        statuses.append((incident.id, incident.status))
        assert result.path is not None and any(s.new for s in incident.summary)
        _check_new_sentences_marked(result.path, incident, told)
        told |= {s.text for s in incident.summary}
    assert [s for _, s in statuses] == ["new", "updated", "updated"]
    assert len({i for i, _ in statuses}) == 1


def _check_new_sentences_marked(folder: Path, incident: Incident, told: set[str]) -> None:
    """What is new since the last edition is marked: in the JSON (`new`), and on the page,
    in an updated incident only: its new sentences highlighted (`<ins class="fresh">`), or
    a note when all of them are new."""
    import html as html_lib

    data = json.loads((folder / "briefing.json").read_text())
    [item] = [i for i in data["incidents"] if i["id"] == incident.id]
    new = [s["new"] for s in item["summary"]]
    assert new == [s["text"] not in told for s in item["summary"]]
    section = (folder / "index.html").read_text().split(f'id="incident-{incident.id}', 1)[1]
    section = section.split("</article>", 1)[0]
    fresh = [html_lib.unescape(t) for t in re.findall(r'<ins class="fresh">(.*?)</ins>', section)]
    if incident.status == "new":
        assert fresh == [] and "since the last edition" not in section
    elif all(new):
        assert fresh == [] and "summary all new since the last edition" in section
    else:
        assert fresh == ["highlighted", *(s["text"] for s in item["summary"] if s["new"])]


def test_cli_build_twice_and_exit_codes(demo_workspace: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(main, ["build", "--workspace", str(demo_workspace)])
    assert first.exit_code == 0, first.output
    assert "published demo" in first.output
    second = runner.invoke(main, ["build", "--workspace", str(demo_workspace)])
    assert second.exit_code == 0, second.output
    assert "nothing new" in second.output
    missing = runner.invoke(main, ["build", "nosuch", "--workspace", str(demo_workspace)])
    assert missing.exit_code == 2


def test_config_error_names_file_and_key(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path, {}, extra='\n[edition]\nmax_incidentz = 3\n')
    result = CliRunner().invoke(main, ["build", "--workspace", str(ws)])
    assert result.exit_code == 2
    assert "test.toml" in result.output and "max_incidentz" in result.output


def test_failing_source_does_not_stop_the_edition(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path, {"a.txt": (
        "Bridge reopens after repairs\n\nThe Ribeira bridge reopened to traffic on Monday after "
        "six weeks of repairs, the city council said.\n")},
        extra='\n[[sources]]\nname = "Gone folder"\nfolder = "missing"\n')
    result = CliRunner().invoke(main, ["build", "--workspace", str(ws)])
    assert result.exit_code == 3, result.output
    assert "Gone folder" in result.output


def test_init_creates_a_workspace_that_builds(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    runner = CliRunner()
    assert runner.invoke(main, ["init", str(ws)]).exit_code == 0
    result = runner.invoke(main, ["build", "--workspace", str(ws)])
    assert result.exit_code == 0, result.output
    assert list((ws / "output" / "briefing").glob("*/*/*/briefing.pdf"))



def _open_store(url: str) -> None:
    Store(url).close()


def test_processes_opening_a_new_state_at_once_all_succeed(tmp_path: Path) -> None:
    import multiprocessing

    url = f"sqlite:///{tmp_path / 'state.db'}"
    context = multiprocessing.get_context("spawn")
    procs = [context.Process(target=_open_store, args=(url,)) for _ in range(6)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(60)
    assert [p.exitcode for p in procs] == [0] * 6


def test_explain_prints_why_articles_were_grouped(demo_workspace: Path) -> None:
    result = CliRunner().invoke(main, ["build", "--dry-run", "--explain", "--workspace", str(demo_workspace)])
    assert result.exit_code == 0, result.output
    assert "why grouped:" in result.output and "rank:" in result.output
    assert "Brannock" in result.output


_FLOOD = ("Flood in Passau, day {n}\n\nPublished: 2026-11-{d}T10:00:00Z\n\n"
          "The Danube flood in Passau rose to {level} metres on day {n}, officials said. "
          "About 260 people were evacuated from the old town of Passau. "
          "Mayor Ana Reis said the Danube water in Passau would peak overnight. "
          "Rescue teams from Bavaria helped Passau residents leave their homes. {extra}\n")
_VOTE = ("Election in Peru\n\nPublished: 2026-11-22T09:00:00Z\n\n"
         "Voters in Lima went to the polls on Sunday to choose a new president of Peru. "
         "The count began at dusk and turnout was high across the Andes, officials in Lima said.\n")


def test_days_replayed_out_of_order_cover_their_own_day_and_repeat_nothing(tmp_path: Path) -> None:
    """`--date 2026-11-22` after `--date 2026-11-23` took the window's start from the last
    edition created (the 23rd's cut-off), so the 22nd's coverage ran backwards; a late
    report of the 22nd joined the flood incident with the 23rd's article in it, published
    again in an edition about the day before it appeared."""
    ws = make_workspace(tmp_path, {
        "a21.txt": _FLOOD.format(n=1, d=21, level="9.1", extra="Schools closed."),
        "a23.txt": _FLOOD.format(n=3, d=23, level="9.4", extra="The clean-up began."),
        "v22.txt": _VOTE}, extra='[edition]\nformats = ["html", "json"]\nempty = "publish"\n')
    now = DEMO_NOW + timedelta(days=2)

    def replay(day: str) -> tuple[BuildResult, list[list[str]]]:
        result = _build(ws, "test", day=date.fromisoformat(day), now=now)
        assert result.status == "published" and result.edition is not None, result.message
        return result, [[a.title for a in i.articles] for i in result.edition.incidents]

    def end_of(day: int) -> str:
        return f"2026-11-{day + 1}T00:00:00+00:00"

    replay("2026-11-21")
    _, titles = replay("2026-11-23")  # the 22nd, not built yet, is in the 23rd's window
    assert sorted(titles) == [["Election in Peru"], ["Flood in Passau, day 1", "Flood in Passau, day 3"]]
    (ws / "inbox" / "v22.txt").write_text(_VOTE.replace("was high", "was very high"), encoding="utf-8")
    result, titles = replay("2026-11-22")
    assert titles == []  # the 23rd carried the 22nd's news (edited since or not)
    assert result.path is not None
    data = json.loads((result.path / "briefing.json").read_text())
    assert data["window"] == {"start": end_of(21), "end": end_of(22)}
    coverage = (rf'Coverage\s*<time datetime="{re.escape(end_of(21))}">[^<]*</time> to\s*'
                rf'<time datetime="{re.escape(end_of(22))}">')
    assert re.search(coverage, (result.path / "index.html").read_text())

    (ws / "inbox" / "b22.txt").write_text(_FLOOD.format(n=2, d=22, level="9.3", extra="The Danube crested."),
                                          encoding="utf-8")
    result, titles = replay("2026-11-22")  # a late report: the 22nd's second edition
    assert titles == [["Flood in Passau, day 1", "Flood in Passau, day 2"]]
    assert result.edition is not None and result.edition.incidents[0].status == "updated"
    assert (result.edition.window_start, result.edition.window_end) == (
        datetime.fromisoformat(end_of(21)), datetime.fromisoformat(end_of(22)))
    today = _build(ws, "test", now=now)  # the edit of the 22nd's article waited for the next edition
    assert today.status == "published" and today.edition is not None
    assert [(i.status, [a.title for a in i.articles]) for i in today.edition.incidents] == [
        ("updated", ["Election in Peru"])]
    assert today.edition.window_start == datetime.fromisoformat(end_of(23))
