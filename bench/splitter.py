"""Measure the speed of briefing.text's splitters on a large, realistic news text.

Why: split_sentences runs over every article of every edition, and the design target is
at least 500,000 words per second on a small server. Run it by hand:

    .venv/bin/python bench/splitter.py [--words 1000000] [--repeat 3]

It prints words per second for split_sentences and split_words, and, for scale, the rate
of a naive ``re.split(r'(?<=[.!?])\\s+', text)`` in the same run. It is not a unit test:
timings depend on the machine.
"""

from __future__ import annotations

import argparse
import re
import time
from collections.abc import Callable

from briefing.text import split_sentences, split_words

PARAGRAPHS = [
    "SEOUL, Jan. 5 (Yonhap) -- North Korea fired two short-range ballistic missiles into "
    "the East Sea on Tuesday, the South's Joint Chiefs of Staff (JCS) said. The launch came "
    "at 7:45 a.m. from an area near Pyongyang. It was the third such test this month.",
    'U.S. Secretary of State Antony J. Blinken said Washington was "deeply concerned." '
    "He spoke after talks with Japan's foreign minister in Tokyo. \"We will not accept "
    'this," he said. Officials in the U.S. declined to comment further.',
    "Samsung Electronics Co. said operating profit rose 3.5 percent to 9.2 trillion won "
    "($7.1 billion) in the fourth quarter. Analysts had expected 8.7 trillion won. Shares "
    "rose 1.2% by 10 a.m. on Wednesday... and then fell back.",
    "Lt. Col. Kim Min-jun, a spokesman, told reporters at 3 p.m. The next briefing is "
    "scheduled for Friday. Details are posted at www.mnd.go.kr/news. Mr. Kim did not take "
    "questions. Why? Nobody would say!",
    "The No. 2 official at the U.N. Security Council, Dr. Maria Lopez, called for calm. "
    '"Dialogue is the only way," she said. The council will meet again on Feb. 12, '
    "according to a statement (see p. 4 of the annex).",
]


def build_text(target_words: int) -> tuple[str, int]:
    """Repeat the sample paragraphs until the text holds about ``target_words`` words."""
    block = "\n\n".join(PARAGRAPHS)
    block_words = len(block.split())
    copies = max(1, target_words // block_words)
    text = "\n\n".join([block] * copies)
    return text, len(text.split())


def best_seconds(func: Callable[[str], object], text: str, repeat: int) -> tuple[float, float]:
    """Return the fastest wall-clock and CPU seconds of ``repeat`` runs.

    Why both: on a shared machine the wall clock includes waiting for a core; the
    process CPU time shows what the splitter itself costs.
    """
    best_wall = best_cpu = float("inf")
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        func(text)
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    return best_wall, best_cpu


_NAIVE = re.compile(r"(?<=[.!?])\s+")


def naive_split(text: str) -> list[str]:
    """The baseline: split after every . ! ? that precedes whitespace."""
    return _NAIVE.split(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    text, words = build_text(args.words)
    print(f"text: {words:,} words, {len(text):,} characters, best of {args.repeat}")
    rates: dict[str, float] = {}
    print(f"{'':16} {'wall s':>8} {'wall words/s':>14} {'cpu s':>8} {'cpu words/s':>14}")
    for name, func in [
        ("split_sentences", split_sentences),
        ("split_words", split_words),
        ("naive re.split", naive_split),
    ]:
        wall, cpu = best_seconds(func, text, args.repeat)
        rates[name] = words / wall
        print(f"{name:16} {wall:8.3f} {words / wall:14,.0f} {cpu:8.3f} {words / max(cpu, 1e-9):14,.0f}")
    ratio = rates["split_sentences"] / rates["naive re.split"]
    print(f"split_sentences / naive (wall): {ratio:.2f}x")
    print(f"sentences found: {len(split_sentences(text)):,} (naive: {len(naive_split(text)):,})")


if __name__ == "__main__":
    main()
