"""Build briefing/data/english_idf.tsv.gz, the background word weights for grouping.

Run once, offline, by a maintainer; the result ships with the package so grouping needs
no download and no corpus of its own. The source is the English frequency list of the
`wordfreq` package (Robyn Speer et al.; data CC BY-SA 4.0, built from Wikipedia,
subtitles, news, books, web text, Reddit and Twitter), which is far larger and more
general than any batch of news one edition sees. wordfreq itself is ~57 MB and is NOT a
dependency: only its ~1.5 MB English list is read here.

    pip download wordfreq msgpack --no-deps -d /tmp/wf   # then unzip both wheels
    PYTHONPATH=/tmp/wf python bench/build_idf_table.py /tmp/wf/wordfreq/data/large_en.msgpack.gz

Words are folded to Snowball stems (the same stemmer briefing.similarity uses) and the
frequencies of words sharing a stem are summed. Each line is `stem<TAB>centibels`, where
centibels = round(-100 * log10(frequency per word of running text)). Stems rarer than
1e-7 are left out: briefing treats every unlisted stem as rare.
"""

from __future__ import annotations

import gzip
import math
import re
import sys
from collections import defaultdict
from pathlib import Path

import msgpack  # type: ignore[import-not-found]
from nltk.stem.snowball import SnowballStemmer

OUT = Path(__file__).resolve().parents[1] / "briefing" / "data" / "english_idf.tsv.gz"
WORD = re.compile(r"^[a-z]+$")


def main(source: str) -> None:
    with gzip.open(source) as fh:
        table = msgpack.load(fh, raw=False)
    stemmer = SnowballStemmer("english")
    freq: dict[str, float] = defaultdict(float)
    for centibels, words in enumerate(table[1:], start=1):
        f = 10 ** (-centibels / 100)
        for word in words:
            if WORD.match(word):
                freq[stemmer.stem(word)] += f
    rows = sorted((s, round(-100 * math.log10(f))) for s, f in freq.items() if f >= 1e-7)
    with gzip.open(OUT, "wt", encoding="utf-8", compresslevel=9) as out:
        out.write("# stem\tcentibels; derived from wordfreq (CC BY-SA 4.0), see bench/build_idf_table.py\n")
        for stem, cb in rows:
            out.write(f"{stem}\t{cb}\n")
    print(f"{len(rows)} stems -> {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main(sys.argv[1])
