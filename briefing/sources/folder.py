"""The folder source: saved clippings (.txt, .md, .html) on disk become Articles.

Why it exists: much of what a desk reads arrives as files (a browser's "save page", a
clipping tool, a colleague's paste). A folder is polled like a feed. An article's id
comes from the source name and the file's path inside the folder, so editing a file
keeps its id while its fingerprint changes; that is how the state store sees an update.
An article's `source` is the outlet the file names (`briefing.outlet`: og:site_name, a
masthead or credit line, a copyright line...), else the folder source's name: a folder
mixes outlets, and the edition should credit the one that wrote each sentence.
This module does not remember what was already published: the store does.

Nothing here raises for a bad file: an unreadable, undecodable or empty file becomes a
`Problem` naming the file, and the rest of the folder is still collected.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime
from pathlib import Path

from briefing.clean import parse_text_article, title_from_sentence
from briefing.extract import extract, fingerprint
from briefing.language import text_language
from briefing.models import Article, Problem, Source
from briefing.outlet import outlet_from_text

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 10 * 1024 * 1024  # like a web answer's default max_bytes; no clipping is larger
TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
_ENCODINGS = ("utf-8", "utf-8-sig", "cp1252")


class _Skip(Exception):
    """One file cannot become an article; the message says why."""


def collect_folder(source: Source, workspace: Path, now: datetime) -> tuple[list[Article], list[Problem]]:
    """Every clipping under `source.location` as an Article, plus a Problem per bad file.

    Files are read recursively in sorted order, hidden files and folders skipped, so two
    runs over the same folder give the same list in the same order.
    """
    folder = _resolve(source.location, workspace)
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        return [], [Problem(stage="collect", source=source.name, message=f"{folder}: {what}")]
    articles: list[Article] = []
    problems: list[Problem] = []
    inside = folder.resolve()
    for path in _clippings(folder):
        name = path.relative_to(folder).as_posix()
        try:
            _check_file(path, inside)
            articles.append(_read_article(path, name, source, now))
        except _Skip as why:
            problems.append(Problem(stage="collect", source=source.name, message=f"{_shown(name)}: {why}"))
    log.debug("%s: %d articles, %d problems from %s", source.name, len(articles), len(problems), folder)
    return articles, problems


def _resolve(location: str, workspace: Path) -> Path:
    path = Path(location).expanduser()
    return path if path.is_absolute() else workspace / path


def _clippings(folder: Path) -> list[Path]:
    """Readable-looking files, hidden ones (".git", ".DS_Store", "~$" lock files) left out."""
    found = []
    for path in folder.rglob("*"):
        parts = path.relative_to(folder).parts
        if any(part.startswith((".", "~$")) for part in parts) or not path.is_file():
            continue
        if path.suffix.lower() in TEXT_SUFFIXES | HTML_SUFFIXES:
            found.append(path)
    return sorted(found, key=lambda p: p.relative_to(folder).as_posix())


def _check_file(path: Path, inside: Path) -> None:
    """Refuse a link that leads out of the folder and a file too large to be a clipping.

    Why: whatever is in the folder ends up in a published edition, so a link named
    "notes.txt" pointing at a file elsewhere (a shared inbox, a careless `ln -s`) must
    not publish that file; and a 200 MB file was read whole into memory and then
    cleaned line by line, holding up the edition for minutes.
    """
    try:
        target, size = path.resolve(), path.stat().st_size
    except (OSError, RuntimeError) as error:  # RuntimeError: a symlink loop on older Pythons
        raise _Skip(f"cannot be read ({getattr(error, 'strerror', None) or error})") from error
    if not target.is_relative_to(inside):
        raise _Skip("is a link to a file outside the folder; not read")
    if size > MAX_FILE_BYTES:
        raise _Skip(f"is larger than {MAX_FILE_BYTES // 1048576} MB, too large for a clipping; not read")


def _decode(data: bytes) -> str:
    """utf-8 first (with or without BOM), then cp1252; a NUL byte means a binary file."""
    if b"\x00" in data:
        raise _Skip("looks like a binary file, not text")
    for encoding in _ENCODINGS:
        try:
            return data.decode(encoding).lstrip("\ufeff")
        except UnicodeDecodeError:
            continue
    raise _Skip("cannot be decoded as UTF-8 or Windows-1252 text")


def _read_article(path: Path, name: str, source: Source, now: datetime) -> Article:
    try:
        data = path.read_bytes()
        modified = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
    except OSError as error:
        raise _Skip(f"cannot be read ({error.strerror or error})") from error
    if not data.strip():
        raise _Skip("is empty")
    raw = _decode(data)
    if not raw.strip():
        raise _Skip("is empty")
    author, language = "", "en"
    if path.suffix.lower() in HTML_SUFFIXES:
        page = extract(raw, None)
        if page is None:
            raise _Skip("no article text found in the HTML")
        title, text, published = page.title, page.text, page.published
        author, language, outlet = page.author, page.language, page.source
    else:
        title, text, published = parse_text_article(raw)
        outlet = outlet_from_text(raw, title, text)
        language = text_language(title, text)
    if not text.strip():
        raise _Skip("no article text found")
    return Article(
        id=folder_article_id(source.name, name),
        url=path.resolve().as_uri(),
        source=outlet or source.name,
        title=title or title_from_sentence(text) or path.stem,
        text=text,
        published=published or modified,
        collected=now,
        language=language,
        fingerprint=fingerprint(text),
        author=author,
    )


def folder_article_id(source_name: str, relative_path: str) -> str:
    """Stable across edits of the file: only the source and the path go into it.

    A file name that is not valid UTF-8 reaches Python with its bad bytes as lone
    surrogates, which plain UTF-8 cannot encode; `surrogateescape` gives them back as
    the file's own bytes (valid names hash exactly as before), so such a file is an
    article like any other instead of an error that stopped the whole folder.
    """
    key = f"folder:{source_name}:{relative_path}"
    return hashlib.sha1(key.encode("utf-8", "surrogateescape")).hexdigest()[:16]


def _shown(relative_path: str) -> str:
    """The path as text a message can carry: undecodable bytes become U+FFFD."""
    return relative_path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
