"""Shared fixtures: temporary workspaces made of real files."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SEEDS = SHARED / "seeds"
DEMO_NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)


@pytest.fixture
def demo_workspace(tmp_path: Path) -> Path:
    """A copy of the repository's demo workspace (schedule + sample articles)."""
    (tmp_path / "schedules").mkdir()
    shutil.copy(REPO / "schedules" / "demo.toml", tmp_path / "schedules" / "demo.toml")
    shutil.copytree(REPO / "samples" / "demo", tmp_path / "samples" / "demo")
    return tmp_path


def make_workspace(root: Path, files: dict[str, str], *, schedule: str = "test",
                   extra: str = "") -> Path:
    """A workspace whose one folder source holds the given files (name -> text)."""
    inbox = root / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (inbox / name).write_text(text, encoding="utf-8")
    (root / "schedules").mkdir(exist_ok=True)
    (root / "schedules" / f"{schedule}.toml").write_text(
        f'title = "Test Briefing"\ntimezone = "UTC"\n\n[[sources]]\nname = "Inbox"\n'
        f'folder = "inbox"\n{extra}', encoding="utf-8")
    return root
