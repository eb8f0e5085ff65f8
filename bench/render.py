"""PDF render time and size for editions of 10, 30 and 100 incidents; a cheap --help.

    .venv/bin/python bench/render.py [--sizes 10,30,100] [--repeat 3] [--profile N]

The editions are synthetic but made of real text: the demo edition (schedules/demo.toml,
built in memory by a dry run in a temporary workspace) has its incidents repeated with
fresh ids, titles and sources until there are N. Each size is rendered `--repeat` times
and the best time is reported (the first run of the process also pays for font loading,
which is reported separately as the warm-up). The baseline, run interleaved in the same
process, is WeasyPrint on the same words as plain HTML (`plain s`), and `ratio` is the
edition's CPU time over it. Budget (issue 6): a 30-incident PDF under
2 MB that renders in under 3 s. `--profile N` prints where the time goes for N incidents.

Measured on the 2-core machine (Nov 2026): 30 incidents, 14 pages, 0.09 MB, 2.4-3.0 s CPU
(10: 0.9-1.4 s, 100: 7.8-10.4 s); before the print changes and `gc.freeze` in
`render_pdf`, 2.9-3.7 s. The CPU times swing by a quarter with the neighbours' load, so
compare changes with instruction counts (`valgrind --tool=callgrind`) or an in-process
A/B: the at-a-glance changes cut 7% of the Python calls and 8% of the instructions; the
freeze cut the CPU time of the 30-incident render in this process from 2.9 to 2.45 s.
What is left is WeasyPrint's own work per box (70% of the instructions are the Python
interpreter; Pango and HarfBuzz under 7%, font subsetting under 0.3%), plus a WeasyPrint
quirk: target-counter() makes it lay out the pages of the at-a-glance list three times.
Python calls per part of the 30-incident edition (cProfile counts, which do not move
with the load; 3.40M in all, 0.59M for the plain baseline): the per-incident source lists
23%, the at-a-glance list 20% (its page numbers and their re-layouts 8%, the leader dots
3%), the attribution marks 9%, the sources appendix 8%, timelines 4%, hyphenation and
justification about 1% each. Printing the source lists as run-in text or the appendix
table as lines costs more calls, not fewer.

It also checks that `briefing --help` does not import WeasyPrint (a fresh interpreter
run with `-X importtime`), since every cron job and shell completion pays for it.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from briefing.models import Edition, SourceHealth  # noqa: E402

MAX_MB, MAX_SECONDS, BUDGET_SIZE = 2.0, 3.0, 30
NOW = datetime(2026, 11, 22, 6, 30, tzinfo=UTC)


def demo_edition() -> Edition:
    """The demo edition, built by a dry run (nothing written but a throwaway state file)."""
    from briefing.config import load_schedule
    from briefing.pipeline import build

    with tempfile.TemporaryDirectory() as tmp:
        workspace = Path(tmp)
        shutil.copytree(ROOT / "samples", workspace / "samples")
        (workspace / "schedules").mkdir()
        shutil.copy(ROOT / "schedules" / "demo.toml", workspace / "schedules" / "demo.toml")
        schedule = load_schedule(workspace / "schedules" / "demo.toml")
        result = build(schedule, workspace, NOW, dry_run=True)
    if result.edition is None or not result.edition.incidents:
        raise SystemExit(f"the demo edition is empty: {result.message}")
    return result.edition


def synthetic(base: Edition, n: int) -> Edition:
    """`base` with its incidents cycled to `n`, each copy with its own id, title and outlets."""
    incidents = []
    for k in range(n):
        src = base.incidents[k % len(base.incidents)]
        round_ = k // len(base.incidents)
        suffix = f" ({round_ + 1})" if round_ else ""
        articles = tuple(
            replace(a, id=f"{a.id}-{k}", source=f"{a.source}{suffix}",
                    published=(a.published or NOW) - timedelta(hours=round_))
            for a in src.articles
        )
        ids = {a.id.rsplit("-", 1)[0]: a.id for a in articles}
        summary = tuple(replace(s, article_id=ids.get(s.article_id, s.article_id),
                                also_in=tuple(ids.get(x, x) for x in s.also_in))
                        for s in src.summary)
        incidents.append(replace(src, id=f"{src.id}-{k}", title=f"{src.title}{suffix}",
                                 articles=articles, summary=summary,
                                 status="updated" if k % 4 == 3 else "new"))
    outlets = sorted({a.source for i in incidents for a in i.articles})
    sources = tuple(SourceHealth(name=o, articles=3) for o in outlets)
    sources += (SourceHealth(name="Gone Gazette", status="gone", message="HTTP 410"),)
    return replace(base, incidents=tuple(incidents), sources=sources)


def plain_html(edition: Edition) -> str:
    """The baseline: the same words as plain HTML with WeasyPrint's default style (a
    heading and paragraphs per incident, sources as paragraphs, no page furniture). What
    the edition costs over this is what its design costs; the ratio of the two, run in
    the same process, holds when the machine's load moves both."""
    from html import escape

    parts = [f"<h1>{escape(edition.title)}</h1>"]
    for inc in edition.incidents:
        parts.append(f"<h2>{escape(inc.title)}</h2>")
        parts.append("<p>" + " ".join(escape(s.text) for s in inc.summary) + "</p>")
        parts.extend(f"<p>{escape(a.source)} {escape(a.title)}</p>" for a in inc.articles)
    return "<!doctype html><html lang=en><body>" + "".join(parts) + "</body></html>"


def plain_once(edition: Edition) -> float:
    """PDF CPU seconds of the baseline document."""
    from briefing.render import render_pdf

    c1 = time.process_time()
    render_pdf(plain_html(edition), title=edition.title)
    return time.process_time() - c1


def render_once(edition: Edition) -> tuple[float, float, float, int, int]:
    """(HTML seconds, PDF wall seconds, PDF CPU seconds, PDF bytes, pages) for one edition."""
    from pypdf import PdfReader

    from briefing.render import make_environment, render_html, render_pdf

    t0 = time.perf_counter()
    html = render_html(edition, make_environment(None), archive_root="../../../")
    t1, c1 = time.perf_counter(), time.process_time()
    pdf = render_pdf(html, title=edition.title, created=edition.window_end)
    t2, c2 = time.perf_counter(), time.process_time()
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    return t1 - t0, t2 - t1, c2 - c1, len(pdf), pages


def help_imports_weasyprint() -> tuple[bool, float]:
    """Run `briefing --help` in a fresh interpreter; (imported weasyprint?, wall seconds)."""
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "briefing", "--help"],
        capture_output=True, text=True, cwd=ROOT, timeout=60, check=True)
    elapsed = time.perf_counter() - t0
    imported = any(line.rsplit("|", 1)[-1].strip().split(".")[0] == "weasyprint"
                   for line in proc.stderr.splitlines())
    return imported, elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,30,100")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    args = parser.parse_args()
    base = demo_edition()
    print(f"demo edition: {len(base.incidents)} incidents, {base.article_count} articles")
    t0 = time.perf_counter()
    render_once(synthetic(base, 1))
    print(f"warm-up (fonts, first layout): {time.perf_counter() - t0:.2f} s")
    ok = True
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (wall time counts "
          "the neighbours; the budget is checked on the PDF's CPU time)")
    print(f"{'incidents':>9} {'articles':>8} {'pages':>5} {'html s':>7} {'pdf cpu s':>9} "
          f"{'pdf wall s':>10} {'pdf MB':>7} {'plain s':>8} {'ratio':>7}")
    for n in [int(x) for x in args.sizes.split(",") if x]:
        edition = synthetic(base, n)
        runs, plain = [], []
        for _ in range(max(1, args.repeat)):  # interleaved, so both see the same load
            runs.append(render_once(edition))
            plain.append(plain_once(edition))
        html_s = min(r[0] for r in runs)
        wall = min(r[1] for r in runs)
        cpu = min(r[2] for r in runs)
        size, pages = runs[0][3], runs[0][4]
        print(f"{n:>9} {edition.article_count:>8} {pages:>5} {html_s:>7.3f} {cpu:>9.2f} "
              f"{wall:>10.2f} {size / 1e6:>7.2f} {min(plain):>8.2f} {cpu / min(plain):>6.2f}x")
        if n == BUDGET_SIZE and (size / 1e6 >= MAX_MB or cpu >= MAX_SECONDS):
            ok = False
            print(f"  over budget: {BUDGET_SIZE} incidents must stay under {MAX_MB} MB and "
                  f"{MAX_SECONDS} s")
    if args.profile:
        profile(synthetic(base, args.profile))
    imported, seconds = help_imports_weasyprint()
    print(f"`briefing --help`: {seconds:.2f} s, imports weasyprint: {'YES' if imported else 'no'}")
    ok = ok and not imported
    print("budget: ok" if ok else "budget: FAILED")
    return 0 if ok else 1


def profile(edition: Edition) -> None:
    """Where the PDF time goes (cumulative), to find the CSS that costs."""
    profiler = cProfile.Profile()
    profiler.enable()
    render_once(edition)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)


if __name__ == "__main__":
    sys.exit(main())
