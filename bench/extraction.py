"""Main-text extraction quality on the Article Extraction Benchmark (../shared/eval/aeb).

Why: `briefing.extract` runs trafilatura and then our plain-text cleaner, `briefing.clean`,
which must remove boilerplate without deleting body text; this is where that is checked
on real pages we did not write. Plain `trafilatura.extract` (default settings) is
measured in the same run, so the two figures are always comparable.

Metric (the benchmark's own): word 4-gram shingles of the extracted text against the
gold body, tokens `\\w+` lower-cased; precision, recall and F1 per document, averaged.

Usage:  .venv/bin/python bench/extraction.py [--variant NAME ...] [--worst N]
Exits 0 with a message when ../shared/eval is absent (a user's clone has none).
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AEB = ROOT.parent / "shared" / "eval" / "aeb"
sys.path.insert(0, str(ROOT))

_TOKEN = re.compile(r"\w+")


def shingles(text: str, n: int = 4) -> set[tuple[str, ...]]:
    """Word n-gram set; texts shorter than n words give one short shingle."""
    tokens = [t.lower() for t in _TOKEN.findall(text or "")]
    if 0 < len(tokens) < n:
        return {tuple(tokens)}
    return {tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


def prf(pred: str, gold: str) -> tuple[float, float, float]:
    """Per-document precision, recall, F1 over shingles (empty vs empty counts as perfect)."""
    p_set, g_set = shingles(pred), shingles(gold)
    if not p_set and not g_set:
        return 1.0, 1.0, 1.0
    tp = len(p_set & g_set)
    precision = tp / len(p_set) if p_set else 0.0
    recall = tp / len(g_set) if g_set else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def _trafilatura(html: bytes, url: str) -> str:
    import trafilatura

    return trafilatura.extract(html, url=url) or ""


def _trafilatura_recall(html: bytes, url: str) -> str:
    import trafilatura

    return trafilatura.extract(html, url=url, favor_recall=True) or ""


def _trafilatura_precision(html: bytes, url: str) -> str:
    import trafilatura

    return trafilatura.extract(html, url=url, favor_precision=True) or ""


def _ours(html: bytes, url: str) -> str:
    from briefing.extract import extract

    article = extract(html, url)
    return article.text if article else ""


VARIANTS: dict[str, Callable[[bytes, str], str]] = {
    "trafilatura": _trafilatura,
    "ours": _ours,
    "trafilatura-recall": _trafilatura_recall,
    "trafilatura-precision": _trafilatura_precision,
}


def _score_one(job: tuple[str, str, str, str]) -> tuple[str, str, float, float, float]:
    variant, doc_id, url, gold = job
    html = gzip.decompress((AEB / "html" / f"{doc_id}.html.gz").read_bytes())
    try:
        text = VARIANTS[variant](html, url)
    except Exception:  # noqa: BLE001 - a crash on one page scores zero, like the benchmark
        text = ""
    return (variant, doc_id, *prf(text, gold))


def _load_gold() -> dict[str, dict[str, str]]:
    data: dict[str, dict[str, str]] = json.loads((AEB / "ground-truth.json").read_text("utf-8"))
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variant", action="append", choices=sorted(VARIANTS))
    parser.add_argument("--worst", type=int, default=0, help="list the N worst documents")
    args = parser.parse_args(argv)
    if not (AEB / "ground-truth.json").is_file():
        print(f"skipped: {AEB} not found (the evaluation data lives outside the project)")
        return 0
    data = _load_gold()
    variants = args.variant or ["trafilatura", "ours"]
    jobs = [
        (v, doc_id, item.get("url") or "", item.get("articleBody") or "")
        for v in variants
        for doc_id, item in data.items()
    ]
    with ProcessPoolExecutor() as pool:
        results = list(pool.map(_score_one, jobs, chunksize=4))
    print(f"AEB main-text extraction, {len(data)} documents, word 4-gram shingles")
    print(f"{'variant':<24}{'precision':>10}{'recall':>10}{'F1':>10}{'F1(P,R)':>10}")
    for variant in variants:
        rows = [r for r in results if r[0] == variant]
        n = len(rows) or 1
        p, r, f = (sum(row[i] for row in rows) / n for i in (2, 3, 4))
        f_of_means = 2 * p * r / (p + r) if p + r else 0.0
        print(f"{variant:<24}{p:>10.4f}{r:>10.4f}{f:>10.4f}{f_of_means:>10.4f}")
        if args.worst:
            for row in sorted(rows, key=lambda x: x[4])[: args.worst]:
                print(f"    {row[1][:16]}  P={row[2]:.3f} R={row[3]:.3f} F1={row[4]:.3f}")
    print("F1 = mean of per-document F1; F1(P,R) = F1 of the mean P and R (the published style)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
