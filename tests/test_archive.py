"""Archive stage: atomic writes, edition folders, and indexes rebuilt from what is on disk."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from test_render import HOSTILE, make_edition

from briefing.archive import (
    atomic_write,
    edition_dirs,
    next_edition_dir,
    rebuild_indexes,
    remove_expired,
    remove_uncommitted,
    write_edition,
)
from briefing.models import Edition
from briefing.render import make_environment, render_html, render_json

A = "{http://www.w3.org/2005/Atom}"


def _files(edition: Edition) -> dict[str, bytes]:
    env = make_environment()
    return {
        "index.html": render_html(edition, env, archive_root="../../../").encode(),
        "briefing.json": render_json(edition).encode(),
        "briefing.pdf": b"%PDF-1.7 placeholder",
    }


def _publish(output: Path, edition: Edition) -> Path:
    return write_edition(output, edition, _files(edition))


def _hidden(folder: Path) -> list[Path]:
    return [p for p in folder.rglob(".*")]


def test_atomic_write_replaces_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b.txt"
    atomic_write(target, "first")
    atomic_write(target, b"second")
    assert target.read_bytes() == b"second"
    assert os.listdir(target.parent) == ["b.txt"]


def test_atomic_write_failure_keeps_old_content(tmp_path: Path) -> None:
    target = tmp_path / "b.txt"
    atomic_write(target, "old")
    with pytest.raises(TypeError):
        atomic_write(target, 12345)  # type: ignore[arg-type]
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["b.txt"]


def test_edition_layout_and_same_date_suffix(tmp_path: Path) -> None:
    out = tmp_path / "output"
    day = date(2026, 1, 29)
    assert next_edition_dir(out, "demo", day) == out / "demo/2026/01/29"
    first = _publish(out, make_edition(day=day))
    second = _publish(out, make_edition(day=day, n=1))
    third = _publish(out, make_edition(day=day, n=2))
    assert first == out / "demo/2026/01/29"
    assert second == out / "demo/2026/01/29-2"
    assert third == out / "demo/2026/01/29-3"
    assert sorted(p.name for p in first.iterdir()) == ["briefing.json", "briefing.pdf",
                                                       "index.html"]
    # never overwritten: the first edition still has its three incidents
    assert len(json.loads((first / "briefing.json").read_text())["incidents"]) == 3
    assert _hidden(out) == []


def test_failed_write_leaves_no_edition(tmp_path: Path) -> None:
    out = tmp_path / "output"
    with pytest.raises(ValueError):
        write_edition(out, make_edition(), {"index.html": b"x", "../escape": b"y"})
    with pytest.raises(TypeError):
        write_edition(out, make_edition(), {"index.html": b"x", "b.pdf": None})  # type: ignore[dict-item]
    assert edition_dirs(out, "demo") == []
    assert _hidden(out) == []


def test_uncommitted_editions_are_moved_aside(tmp_path: Path) -> None:
    out = tmp_path / "output"
    kept = _publish(out, make_edition(day=date(2026, 1, 28)))
    crashed = _publish(out, make_edition(day=date(2026, 1, 29)))
    (kept.parent / ".29.abc.tmp").mkdir()  # an interrupted write
    moved = remove_uncommitted(out, "demo", {"demo/2026/01/28"})
    assert kept.is_dir() and not crashed.exists()
    assert len(moved) == 1 and (moved[0] / "briefing.json").is_file()
    assert not (kept.parent / ".29.abc.tmp").exists()
    assert next_edition_dir(out, "demo", date(2026, 1, 29)) == crashed


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    out = tmp_path / "output"
    base = make_edition(day=date(2026, 1, 30), hostile=True)
    _publish(out, replace(make_edition(day=date(2025, 12, 31), n=1), title="Old <Title>"))
    _publish(out, make_edition(day=date(2026, 1, 29), n=2))
    _publish(out, base)
    _publish(out, replace(base, incidents=base.incidents[1:2]))  # 30-2
    rebuild_indexes(out, "demo", make_environment(), title="Morning <Brief>")
    return out / "demo"


def test_index_lists_editions_newest_first_by_month(archive: Path) -> None:
    html = (archive / "index.html").read_text()
    order = ["2026/01/30-2/index.html", "2026/01/30/index.html", "2026/01/29/index.html",
             "2025/12/31/index.html"]
    positions = [html.find(f'href="{h}"') for h in order]
    assert all(p >= 0 for p in positions) and positions == sorted(positions), positions
    assert html.find("January 2026") < html.find("December 2025")
    assert "3 editions · 6 incidents" in html
    assert "Morning &lt;Brief&gt;" in html
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    script = html.rsplit("<script>", 1)[1].split("</script>")[0]
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"script-src &#39;sha256-{digest}&#39;" in html  # the one script, allowed by hash
    data = html.split('<script type="application/json" id="search-data">')[1].split("</script>")[0]
    entries = json.loads(data)
    assert len(entries) == 7 and "<" not in data  # tojson escapes markup


def test_index_reflects_only_what_is_on_disk(tmp_path: Path) -> None:
    out = tmp_path / "output"
    folder = _publish(out, make_edition(day=date(2026, 1, 29)))
    (folder.parent / "30").mkdir()  # not an edition: no briefing.json
    rebuild_indexes(out, "demo", make_environment(), title="T")
    assert "1 edition" in (out / "demo/index.html").read_text()
    assert len(list((out / "demo/incidents").glob("*.html"))) == 3
    remove_uncommitted(out, "demo", set())
    rebuild_indexes(out, "demo", make_environment(), title="T")
    assert "No editions yet" in (out / "demo/index.html").read_text()
    assert list((out / "demo/incidents").glob("*.html")) == []


def test_feed_is_valid_atom(archive: Path) -> None:
    root = ET.parse(archive / "feed.xml").getroot()
    assert root.tag == f"{A}feed"
    for tag in ("id", "title", "updated", "author/" + A + "name"):
        assert root.find(A + tag) is not None and root.find(A + tag).text, tag  # type: ignore[union-attr]
    assert root.find(f"{A}link[@rel='self']") is not None
    entries = root.findall(f"{A}entry")
    assert len(entries) == 4
    ids = [e.findtext(f"{A}id") for e in entries]
    assert len(set(ids)) == 4 and all(i and i.startswith("urn:uuid:") for i in ids)
    for entry in entries:
        for tag in ("id", "title", "updated"):
            assert entry.findtext(A + tag)
        link = entry.find(f"{A}link[@rel='alternate']")
        assert link is not None and (archive / link.get("href", "")).is_file()
    assert entries[0].find(f"{A}link[@rel='alternate']").get("href") == "2026/01/30-2/index.html"  # type: ignore[union-attr]
    assert "Old <Title>" in (entries[-1].findtext(f"{A}title") or "")


def test_incident_pages_gather_coverage(archive: Path) -> None:
    page = (archive / "incidents" / "inc-2.html").read_text()
    assert page.count('class="appearance incident"') == 3  # 29, 30 and 30-2
    assert "Followed in 3 editions" in page
    first, last = page.find("Thursday, 29 January 2026"), page.find("30 January 2026 (edition 2)")
    assert 0 <= first < last  # oldest first: the story unfolds forwards


def test_incident_pages_are_safe(archive: Path) -> None:
    page = (archive / "incidents" / "inc-1.html").read_text()
    assert HOSTILE not in page and "&lt;script&gt;" in page
    assert "javascript:" not in page
    assert "default-src &#39;none&#39;" in page and "<script" not in page
    assert 'href="../2026/01/30/index.html#incident-inc-1"' in page


def test_edition_links_into_archive(archive: Path) -> None:
    html = (archive / "2026/01/30/index.html").read_text()
    assert 'href="../../../incidents/inc-2.html"' in html
    assert (archive / "2026/01/30" / "../../../incidents/inc-2.html").resolve().is_file()


# --- retention -------------------------------------------------------------------------


def test_retention_removes_old_editions_but_not_pending_mail(tmp_path: Path) -> None:
    out = tmp_path / "output"
    old = _publish(out, make_edition(day=date(2025, 12, 1), n=1))
    held = _publish(out, make_edition(day=date(2025, 12, 2), n=1))
    edge = _publish(out, make_edition(day=date(2026, 1, 22), n=1))  # exactly 7 days: kept
    new = _publish(out, make_edition(day=date(2026, 1, 29), n=1))
    removed = remove_expired(out, "demo", today=date(2026, 1, 29), keep_days=7,
                             pending={"demo/2025/12/02"})
    assert removed == [old]
    assert not old.exists() and held.is_dir() and edge.is_dir() and new.is_dir()
    assert not _hidden(out / "demo")  # no temporary folder left behind
    rebuild_indexes(out, "demo", make_environment(), title="t")
    index = (out / "demo" / "index.html").read_text()
    assert "2025/12/01" not in index and "2025/12/02/index.html" in index


def test_retention_removes_empty_month_folders(tmp_path: Path) -> None:
    out = tmp_path / "output"
    _publish(out, make_edition(day=date(2025, 11, 3), n=1))
    _publish(out, make_edition(day=date(2026, 1, 29), n=1))
    remove_expired(out, "demo", today=date(2026, 1, 29), keep_days=30)
    assert not (out / "demo" / "2025").exists()
    assert [e.rel for e in edition_dirs(out, "demo")] == ["2026/01/29"]


def test_pipeline_retention_reads_pending_deliveries_from_the_store(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from briefing.config import load_schedule
    from briefing.pipeline import _expire
    from briefing.store import Store

    (tmp_path / "schedules").mkdir()
    toml = tmp_path / "schedules" / "demo.toml"
    toml.write_text('title = "T"\n[[sources]]\nfolder = "in"\n[edition]\nkeep_days = 10\n')
    schedule = load_schedule(toml)
    out = tmp_path / "output"
    mailed, unmailed = (make_edition(day=date(2025, 12, d), n=1) for d in (1, 2))
    store = Store.open(tmp_path)
    try:
        for edition, to in ((mailed, ("desk@example.org",)), (unmailed, ())):
            folder = _publish(out, edition)
            store.commit_edition(edition, folder.relative_to(out).as_posix(),
                                 datetime(2025, 12, 2, tzinfo=UTC), mail_to=to)
        _expire(schedule, out, store, datetime(2026, 1, 29, 12, tzinfo=UTC))
    finally:
        store.close()
    assert [e.rel for e in edition_dirs(out, "demo")] == ["2025/12/01"]


# --- archive serve ---------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b""


def test_archive_serve_shows_the_archive_and_nothing_else(archive: Path) -> None:
    workspace = archive.parent.parent
    (workspace / "output" / ".state").mkdir()
    (workspace / "output" / ".state" / "state.db").write_text("secret")
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "briefing", "archive", "serve", "--port", str(port),
         "--workspace", str(workspace)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                status, body = _get(f"{base}/demo/index.html")
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("archive serve did not start: " + proc.stderr.read())
        assert status == 200 and b"Morning &lt;Brief&gt;" in body
        assert _get(f"{base}/demo/2026/01/30/index.html")[0] == 200
        assert _get(f"{base}/.state/state.db")[0] == 404
        assert _get(f"{base}/%2estate/state.db")[0] == 404
        assert _get(f"{base}/demo/2026/")[0] == 404  # no listings
    finally:
        proc.send_signal(signal.SIGINT)  # what Ctrl-C sends
        assert proc.wait(timeout=10) == 0


def test_archive_pages_have_lang_landmarks_csp_and_heading_order(archive: Path) -> None:
    from test_render import _parse, heading_levels

    pages = [archive / "index.html", *sorted((archive / "incidents").glob("*.html"))]
    for page in pages:
        html = page.read_text()
        tags = _parse(html)
        assert tags[0] == ("html", {"lang": "en"}), page
        names = {t for t, _ in tags}
        assert {"header", "main", "footer"} <= names, page
        csp = [a["content"] for t, a in tags if t == "meta" and a.get("http-equiv")]
        assert csp and "default-src 'none'" in str(csp[0]), page
        levels = heading_levels(html)
        assert levels[0] == 1 and all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False))
