"""Email delivery against a real SMTP server (aiosmtpd on 127.0.0.1).

Each test publishes an edition by hand (store commit + briefing.json + a small PDF in
the archive), runs the ledger, and parses what the server received.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from smtp_server import Authority, Mailbox, free_port, smtp_server

from briefing import ledger, mail, render
from briefing.config import Schedule, load_schedule
from briefing.errors import ConfigError
from briefing.models import Article, Edition, Incident, SummarySentence
from briefing.store import Store

NOW = datetime(2026, 11, 22, 7, 0, tzinfo=UTC)
EVIL = "Dam =?utf-8?q?=0D=0ABcc:_x@evil.example?= breach\r\nBcc: y@evil.example"
PDF = b"%PDF-1.4\n" + b"briefing test pdf " * 400 + b"\n%%EOF\n"
REPO = Path(__file__).resolve().parents[1]


def edition(title: str = "Tagus floods Santarem") -> Edition:
    art = Article(id="a1", url="https://news.example/tagus", source="Meridian Wire", title=title,
                  text="The Tagus rose.", published=NOW - timedelta(hours=3))
    inc = Incident(id="tagus-flood", title=title, articles=(art,), summary=(
        SummarySentence(text="The Tagus burst its banks near Santarem on Saturday.", article_id="a1"),))
    return Edition(schedule="news", title="Morning Brief", date=date(2026, 11, 22), timezone="UTC",
                   window_start=None, window_end=NOW, incidents=(inc,), slug="22")


def workspace(root: Path, *, to: tuple[str, ...] = ("ana@example.org", "ben@example.org"),
              extra: str = "") -> Path:
    (root / "schedules").mkdir(parents=True, exist_ok=True)
    recipients = ", ".join(f'"{a}"' for a in to)
    (root / "schedules" / "news.toml").write_text(
        f'title = "Morning Brief"\n[[sources]]\nfolder = "inbox"\n'
        f"[email]\nto = [{recipients}]\n{extra}", encoding="utf-8")
    return root


def publish(ws: Path, ed: Edition | None = None, pdf: bytes = PDF) -> int:
    """What the pipeline leaves behind: archive files first, then the committed edition."""
    ed = ed or edition()
    folder = ws / "output" / "news" / "2026" / "11" / "22"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "briefing.json").write_text(render.render_json(ed), encoding="utf-8")
    (folder / "briefing.pdf").write_bytes(pdf)
    store = Store.open(ws)
    try:
        return store.commit_edition(ed, "news/2026/11/22", NOW)
    finally:
        store.close()


def rows(ws: Path) -> list[dict[str, object]]:
    store = Store.open(ws)
    try:
        return store.deliveries("news")
    finally:
        store.close()


def deliver(ws: Path, edition_id: int, now: datetime = NOW) -> list[ledger.Outcome]:
    store = Store.open(ws)
    try:
        return ledger.deliver_edition(load_schedule(ws / "schedules" / "news.toml"), ws, store,
                                      edition_id, now)
    finally:
        store.close()


def schedule(ws: Path) -> Schedule:
    return load_schedule(ws / "schedules" / "news.toml")


@pytest.fixture(autouse=True)
def mail_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BRIEFING_STATE_URL", raising=False)
    monkeypatch.delenv("BRIEFING_SMTP_CAFILE", raising=False)
    monkeypatch.setenv("BRIEFING_MAIL_FROM", "Desk <briefing@desk.example>")


@pytest.fixture
def plain(monkeypatch: pytest.MonkeyPatch) -> Iterator[Mailbox]:
    box = Mailbox()
    with smtp_server(box) as port:
        monkeypatch.setenv("BRIEFING_SMTP_URL", f"smtp://127.0.0.1:{port}?starttls=never&timeout=5")
        yield box


@pytest.fixture(scope="module")
def ca() -> Authority:
    return Authority()


# --- the message ---------------------------------------------------------------------


def test_each_recipient_gets_one_message_with_both_parts_and_the_pdf(tmp_path: Path, plain: Mailbox) -> None:
    ws = workspace(tmp_path)
    outcomes = deliver(ws, publish(ws))
    assert [o.status for o in outcomes] == ["sent", "sent"]
    for address in ("ana@example.org", "ben@example.org"):
        [got] = plain.to(address)
        assert got.rcpt_tos == [address] and got.mail_from == "briefing@desk.example"
        msg = got.message
        assert msg["To"] == address and msg["From"] == "Desk <briefing@desk.example>"
        assert msg["Subject"] == "Morning Brief — 22 November 2026"
        assert msg["List-Id"] == "Morning Brief <news.briefing.desk.example>"
        assert msg["Date"] and msg["Message-ID"].endswith("@desk.example>")
        assert msg.get_content_type() == "multipart/mixed"
        alternative, attachment = msg.iter_parts()
        text, html = alternative.iter_parts()
        assert text.get_content_type() == "text/plain" and html.get_content_type() == "text/html"
        assert "Tagus burst its banks" in text.get_content() and "attached as a PDF" in text.get_content()
        assert 'style="' in html.get_content() and "<link" not in html.get_content()
        assert attachment.get_filename() == "news-2026-11-22.pdf"
        assert attachment.get_content() == PDF
    recorded = {r["recipient"]: r for r in rows(ws)}
    assert all(r["status"] == "sent" and r["attempts"] == 1 for r in recorded.values())
    assert recorded["ana@example.org"]["message_id"] == plain.to("ana@example.org")[0].message["Message-ID"]


def test_a_second_build_send_or_tick_sends_nothing_more(tmp_path: Path, plain: Mailbox) -> None:
    ws = workspace(tmp_path)
    edition_id = publish(ws)
    deliver(ws, edition_id)
    assert deliver(ws, edition_id) == []
    again = ledger.send_edition(schedule(ws), ws, NOW + timedelta(hours=1))
    assert {o.status for o in again} == {"skipped"} and "already sent" in again[0].detail
    assert ledger.retry_pending(ws, NOW + timedelta(days=2), [schedule(ws)]) == []
    assert len(plain.received) == 2


def test_force_resends_on_purpose_and_records_it(tmp_path: Path, plain: Mailbox) -> None:
    ws = workspace(tmp_path)
    deliver(ws, publish(ws))
    [outcome] = ledger.send_edition(schedule(ws), ws, NOW, to=["ana@example.org"], force=True)
    assert outcome.status == "sent" and outcome.forced
    first, forced = plain.to("ana@example.org")
    assert first.message["Message-ID"] != forced.message["Message-ID"]
    assert [r["forced"] for r in rows(ws) if r["recipient"] == "ana@example.org"] == [False, True]


def test_send_to_a_new_address_sends_only_to_it(tmp_path: Path, plain: Mailbox) -> None:
    ws = workspace(tmp_path)
    deliver(ws, publish(ws))
    [outcome] = ledger.send_edition(schedule(ws), ws, NOW, day=date(2026, 11, 22), to=["cy@example.org"])
    assert outcome.status == "sent" and [r.rcpt_tos for r in plain.received][-1] == ["cy@example.org"]
    with pytest.raises(ConfigError):
        ledger.send_edition(schedule(ws), ws, NOW, to=["x@evil.example\r\nRCPT TO:<y@evil.example>"])


def test_feed_text_cannot_add_headers_or_recipients(tmp_path: Path, plain: Mailbox) -> None:
    ws = workspace(tmp_path, to=("ana@example.org",))
    (ws / "templates").mkdir()
    (ws / "templates" / "mail_subject.txt").write_text(
        "{{ title }}: {{ incidents[0].incident.title }}", encoding="utf-8")
    deliver(ws, publish(ws, edition(EVIL)))
    [got] = plain.received
    assert got.rcpt_tos == ["ana@example.org"]
    head = got.raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
    names = [line.split(":", 1)[0] for line in head.split("\r\n") if not line[:1].isspace()]
    assert names == ["Subject", "From", "To", "Date", "Message-ID", "List-Id", "Auto-Submitted",
                     "MIME-Version", "Content-Type"]
    msg = got.message
    assert msg["Bcc"] is None and msg.get_all("To") == ["ana@example.org"]
    subject = msg["Subject"]
    assert "\r" not in subject and "\n" not in subject and "=?" not in subject and "?=" not in subject
    assert subject.strip().startswith("Morning Brief: Dam ")


@given(st.text())
def test_header_text_is_one_line_without_encoded_words(text: str) -> None:
    clean = mail.header_text(text)
    assert not any(ch in clean for ch in "\r\n\x00\x85\u2028\u2029")
    assert "=?" not in clean and "?=" not in clean


def test_pdf_over_budget_is_linked_not_attached(tmp_path: Path, plain: Mailbox) -> None:
    ws = workspace(tmp_path, extra='max_mail_mb = 0.05\narchive_url = "https://news.example/briefings/"\n')
    deliver(ws, publish(ws, pdf=os.urandom(60_000)))
    msg = plain.received[0].message
    assert msg.get_content_type() == "multipart/alternative"
    text, html = msg.iter_parts()
    link = "https://news.example/briefings/news/2026/11/22/briefing.pdf"
    assert "too large to attach" in text.get_content() and link in text.get_content()
    assert f'href="{link}"' in html.get_content()
    assert len(plain.received[0].raw) < 0.05 * 1024 * 1024


# --- transports ------------------------------------------------------------------------


def test_starttls_with_auth_and_a_private_ca(tmp_path: Path, ca: Authority,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    ws = workspace(tmp_path, to=("ana@example.org",))
    monkeypatch.setenv("BRIEFING_SMTP_CAFILE", ca.write_ca(tmp_path / "ca.pem"))
    box = Mailbox()
    with smtp_server(box, starttls=ca.server_context(), auth=("desk", "p@ss word")) as port:
        monkeypatch.setenv("BRIEFING_SMTP_URL", f"smtp://desk:p%40ss%20word@127.0.0.1:{port}")
        assert [o.status for o in deliver(ws, publish(ws))] == ["sent"]
    assert box.received[0].rcpt_tos == ["ana@example.org"]


def test_wrong_password_fails_and_is_retried(tmp_path: Path, ca: Authority,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    ws = workspace(tmp_path, to=("ana@example.org",))
    monkeypatch.setenv("BRIEFING_SMTP_CAFILE", ca.write_ca(tmp_path / "ca.pem"))
    box = Mailbox()
    with smtp_server(box, starttls=ca.server_context(), auth=("desk", "secret")) as port:
        monkeypatch.setenv("BRIEFING_SMTP_URL", f"smtp://desk:wrong@127.0.0.1:{port}")
        [outcome] = deliver(ws, publish(ws))
    assert outcome.status == "failed" and "535" in outcome.detail and not box.received
    assert rows(ws)[0]["next_attempt"] == NOW + timedelta(minutes=5)


def test_implicit_tls(tmp_path: Path, ca: Authority, monkeypatch: pytest.MonkeyPatch) -> None:
    ws = workspace(tmp_path, to=("ana@example.org",))
    monkeypatch.setenv("BRIEFING_SMTP_CAFILE", ca.write_ca(tmp_path / "ca.pem"))
    box = Mailbox()
    with smtp_server(box, implicit_tls=ca.server_context()) as port:
        monkeypatch.setenv("BRIEFING_SMTP_URL", f"smtps://127.0.0.1:{port}")
        assert [o.status for o in deliver(ws, publish(ws))] == ["sent"]
    assert len(box.received) == 1


def test_an_untrusted_certificate_is_refused(tmp_path: Path, ca: Authority,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    ws = workspace(tmp_path, to=("ana@example.org",))
    box = Mailbox()
    with smtp_server(box, implicit_tls=ca.server_context()) as port:
        monkeypatch.setenv("BRIEFING_SMTP_URL", f"smtps://127.0.0.1:{port}?timeout=5")
        [outcome] = deliver(ws, publish(ws))
    assert outcome.status == "failed" and "certificate" in outcome.detail and not box.received


def test_starttls_is_required_unless_turned_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ws = workspace(tmp_path, to=("ana@example.org",))
    box = Mailbox()
    with smtp_server(box) as port:
        monkeypatch.setenv("BRIEFING_SMTP_URL", f"smtp://127.0.0.1:{port}")
        [outcome] = deliver(ws, publish(ws))
    assert outcome.status == "failed" and "STARTTLS" in outcome.detail and not box.received


def test_smtp_url_forms() -> None:
    expected = mail.SMTPSettings("tls", "mail.example", 465, "u", "p")
    assert mail.parse_smtp_url("smtps://u:p@mail.example") == expected
    assert mail.parse_smtp_url("smtp://mail.example").port == 587  # type: ignore[union-attr]
    assert mail.parse_smtp_url("smtp://relay:25?starttls=never").security == "none"  # type: ignore[union-attr]
    assert mail.parse_smtp_url("file:///tmp/mail") == Path("/tmp/mail")
    for bad in ("smtp://u:p@relay:25?starttls=never", "http://x", "smtp://h?starttls=maybe"):
        with pytest.raises(ConfigError):
            mail.parse_smtp_url(bad)


def test_file_transport_writes_eml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ws = workspace(tmp_path)
    monkeypatch.setenv("BRIEFING_SMTP_URL", f"file://{tmp_path / 'outbox'}")
    deliver(ws, publish(ws))
    files = sorted(p.name for p in (tmp_path / "outbox").iterdir())
    assert files == ["ana@example.org-1.eml", "ben@example.org-1.eml"]


def test_settings_come_from_dotenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BRIEFING_SMTP_URL", raising=False)
    monkeypatch.delenv("BRIEFING_MAIL_FROM")
    with pytest.raises(ConfigError, match="BRIEFING_SMTP_URL and BRIEFING_MAIL_FROM"):
        ledger.mail_settings(tmp_path)
    (tmp_path / ".env").write_text('# mail\nBRIEFING_SMTP_URL="smtps://u:p@mail.example"\n'
                                   "export BRIEFING_MAIL_FROM=desk@example.org\n", encoding="utf-8")
    settings = ledger.mail_settings(tmp_path)
    assert (settings.smtp_url, settings.sender) == ("smtps://u:p@mail.example", "desk@example.org")


# --- the ledger ---------------------------------------------------------------------------


def test_a_rejected_recipient_fails_alone_with_the_reply(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    ws = workspace(tmp_path)
    box = Mailbox(reject={"ben@example.org"})
    with smtp_server(box) as port:
        monkeypatch.setenv("BRIEFING_SMTP_URL", f"smtp://127.0.0.1:{port}?starttls=never")
        deliver(ws, publish(ws))
    assert [r.rcpt_tos for r in box.received] == [["ana@example.org"]]
    ben = next(r for r in rows(ws) if r["recipient"] == "ben@example.org")
    assert ben["status"] == "failed" and str(ben["last_error"]).startswith("550 5.1.1")
    assert ben["next_attempt"] is None  # permanent: only `briefing send` tries again


def test_server_down_then_up_delivers_exactly_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ws = workspace(tmp_path)
    port = free_port()
    monkeypatch.setenv("BRIEFING_SMTP_URL", f"smtp://127.0.0.1:{port}?starttls=never&timeout=5")
    outcomes = deliver(ws, publish(ws))
    assert [o.status for o in outcomes] == ["failed", "failed"]
    assert all(r["next_attempt"] == NOW + timedelta(minutes=5) for r in rows(ws))
    box = Mailbox()
    with smtp_server(box, port=port):
        assert ledger.retry_pending(ws, NOW + timedelta(minutes=1), [schedule(ws)]) == []  # backing off
        later = NOW + timedelta(minutes=6)
        assert [o.status for o in ledger.retry_pending(ws, later, [schedule(ws)])] == ["sent", "sent"]
        assert ledger.retry_pending(ws, later + timedelta(days=1), [schedule(ws)]) == []
        ledger.send_edition(schedule(ws), ws, later)
    assert sorted(a for r in box.received for a in r.rcpt_tos) == ["ana@example.org", "ben@example.org"]
    assert [r["attempts"] for r in rows(ws)] == [2, 2]


def test_a_send_killed_midway_then_retried_sends_each_one_copy(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    publish(ws)
    stall = tmp_path / "stall"
    box = Mailbox(stall={"ben@example.org": 30.0}, stalled=stall)  # the client is killed while it waits
    with smtp_server(box) as port:
        env = {**os.environ, "BRIEFING_SMTP_URL": f"smtp://127.0.0.1:{port}?starttls=never",
               "PYTHONPATH": str(REPO)}
        command = [sys.executable, "-m", "briefing", "send", "news", "--workspace", str(ws)]
        child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        while not stall.exists():
            assert child.poll() is None, child.communicate()
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
        child.wait()
        state = {r["recipient"]: (r["status"], r["attempts"]) for r in rows(ws)}
        assert state == {"ana@example.org": ("sent", 1), "ben@example.org": ("queued", 1)}
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert sorted(a for r in box.received for a in r.rcpt_tos) == ["ana@example.org", "ben@example.org"]


# --- through the pipeline and the command line ---------------------------------------------

ARTICLES = {
    "storm.txt": "Storm closes harbour\n\nA winter storm closed the harbour at Valmora on Sunday. "
                 "Port officials said ferries would stay in port until the wind drops. "
                 "Fishermen moved their boats to the inner basin overnight.",
    "tram.txt": "Council approves tram line\n\nThe city council approved tram line 3 on Sunday. "
                "Construction is due to start next spring and take two years. "
                "The line links the station with the university.",
}


def test_build_mails_once_and_a_second_build_and_send_mail_nothing(tmp_path: Path, plain: Mailbox) -> None:
    from click.testing import CliRunner
    from conftest import DEMO_NOW, make_workspace

    from briefing.cli import main
    from briefing.pipeline import build

    ws = make_workspace(tmp_path, ARTICLES, schedule="news",
                        extra='\n[email]\nto = ["ana@example.org", "ben@example.org"]\n')
    result = build(schedule(ws), ws, DEMO_NOW)
    assert result.status == "published" and [o.status for o in result.deliveries] == ["sent", "sent"]
    msg = plain.to("ben@example.org")[0].message
    assert msg.get_content_type() == "multipart/mixed"
    [pdf] = [p for p in msg.iter_attachments() if p.get_content_type() == "application/pdf"]
    assert pdf.get_content() == (result.path / "briefing.pdf").read_bytes()  # type: ignore[operator]
    assert "Storm closes harbour" in msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]

    runner = CliRunner()
    again = runner.invoke(main, ["build", "news", "--workspace", str(ws)])
    assert again.exit_code == 0, again.output
    sent = runner.invoke(main, ["send", "news", "--workspace", str(ws)])
    assert sent.exit_code == 0 and "already sent" in sent.output, sent.output
    assert len(plain.received) == 2


def test_no_email_build_then_send_and_status(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner
    from conftest import make_workspace

    from briefing.cli import main

    ws = make_workspace(tmp_path, ARTICLES, schedule="news",
                        extra='\n[email]\nto = ["ana@example.org", "ben@example.org"]\n')
    runner = CliRunner()
    box = Mailbox(reject={"ben@example.org"})
    with smtp_server(box) as port:
        monkeypatch.setenv("BRIEFING_SMTP_URL", f"smtp://127.0.0.1:{port}?starttls=never")
        built = runner.invoke(main, ["build", "news", "--no-email", "--workspace", str(ws)])
        assert built.exit_code == 0 and not box.received, built.output
        sent = runner.invoke(main, ["send", "news", "--workspace", str(ws)])
    assert sent.exit_code == 1 and "550 5.1.1" in sent.output
    assert [r.rcpt_tos for r in box.received] == [["ana@example.org"]]
    status = runner.invoke(main, ["status", "--workspace", str(ws)])
    assert "mail" in status.output and "ben@example.org: failed" in status.output, status.output
    assert "550 5.1.1" in status.output and "not retried automatically" in status.output


def test_deliveries_are_queued_with_the_edition_and_sent_once_mail_is_configured(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from conftest import DEMO_NOW, make_workspace

    from briefing.pipeline import build

    monkeypatch.delenv("BRIEFING_SMTP_URL", raising=False)
    ws = make_workspace(tmp_path, ARTICLES, schedule="news", extra='\n[email]\nto = ["ana@example.org"]\n')
    result = build(schedule(ws), ws, DEMO_NOW)
    assert result.status == "published" and result.deliveries == []
    assert any(p.stage == "mail" and "BRIEFING_SMTP_URL" in p.message for p in result.problems)
    assert [(r["recipient"], r["status"]) for r in rows(ws)] == [("ana@example.org", "queued")]
    assert ledger.retry_pending(ws, DEMO_NOW, [schedule(ws)]) == []  # still not configured: waits
    box = Mailbox()
    with smtp_server(box) as port:
        monkeypatch.setenv("BRIEFING_SMTP_URL", f"smtp://127.0.0.1:{port}?starttls=never")
        assert [o.status for o in ledger.retry_pending(ws, DEMO_NOW, [schedule(ws)])] == ["sent"]
        assert ledger.retry_pending(ws, DEMO_NOW + timedelta(hours=1), [schedule(ws)]) == []
    assert [r.rcpt_tos for r in box.received] == [["ana@example.org"]]


def test_a_silent_server_times_out_and_is_retried(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    ws = workspace(tmp_path, to=("ana@example.org",))
    with socket.socket() as silent:  # accepts the connection (backlog) but never greets
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        port = silent.getsockname()[1]
        monkeypatch.setenv("BRIEFING_SMTP_URL", f"smtp://127.0.0.1:{port}?starttls=never&timeout=0.5")
        started = time.monotonic()
        [outcome] = deliver(ws, publish(ws))
    assert time.monotonic() - started < 10
    assert outcome.status == "failed" and "timed out" in outcome.detail
    assert rows(ws)[0]["next_attempt"] == NOW + timedelta(minutes=5)


def test_email_flag_overrides_a_disabled_schedule(tmp_path: Path, plain: Mailbox) -> None:
    from click.testing import CliRunner
    from conftest import make_workspace

    from briefing.cli import main

    ws = make_workspace(tmp_path, ARTICLES, schedule="news",
                        extra='\n[email]\nto = ["ana@example.org"]\nenabled = false\n')
    built = CliRunner().invoke(main, ["build", "news", "--email", "--json", "--workspace", str(ws)])
    assert built.exit_code == 0, built.output
    assert '"status": "sent"' in built.output
    assert [r.rcpt_tos for r in plain.received] == [["ana@example.org"]]


def test_the_daemon_tick_retries_mail_that_could_not_go_out(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A delivery queued while the server was unreachable goes out on the daemon's next tick."""
    from conftest import DEMO_NOW, make_workspace

    from briefing.daemon import Daemon
    from briefing.pipeline import build

    monkeypatch.delenv("BRIEFING_SMTP_URL", raising=False)
    ws = make_workspace(tmp_path, ARTICLES, schedule="news", extra='\n[email]\nto = ["ana@example.org"]\n')
    assert build(schedule(ws), ws, DEMO_NOW).status == "published"
    daemon = Daemon(ws, clock=lambda: DEMO_NOW + timedelta(minutes=1))
    daemon.load(jobs=False)
    box = Mailbox()
    with smtp_server(box) as port:
        monkeypatch.setenv("BRIEFING_SMTP_URL", f"smtp://127.0.0.1:{port}?starttls=never")
        daemon.retry_mail("news")
        daemon.retry_mail("news")
    assert [r.rcpt_tos for r in box.received] == [["ana@example.org"]]
    assert [r["status"] for r in rows(ws)] == ["sent"]
