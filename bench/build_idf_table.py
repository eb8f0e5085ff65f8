"""Build the background word weights for grouping in `briefing/data/`.

    pip download wordfreq msgpack --no-deps -d /tmp/wf   # then unzip both wheels
    PYTHONPATH=/tmp/wf python bench/build_idf_table.py /tmp/wf/wordfreq/data

Run once, offline, by a maintainer; the results ship with the package so grouping needs
no download and no corpus of its own. The source is the word-frequency lists of the
`wordfreq` package (Robyn Speer et al.; data CC BY-SA 4.0, built from Wikipedia,
subtitles, news, books, web text, Reddit and Twitter), which are far larger and more
general than any batch of news one edition sees. wordfreq itself is ~57 MB and is NOT a
dependency: only its lists are read here.

What it writes:
- `english_idf.tsv.gz` from the large English list, down to 1e-7 per word;
- `idf/<lang>.tsv.gz` for the other languages written with spaces between words, from
  their small lists (down to 1e-6 per word, or 3e-6 where there is no stemmer and every
  inflected form is its own key; 6k-32k keys each): without them a German
  or Russian article's every function word ("und", "что") is unknown, so it counts as a
  rare name, and all articles in that language fall into one incident;
- `idf/zh.tsv.gz`, `idf/ja.tsv.gz` and `idf/ko.tsv.gz`, from the Chinese, Japanese and
  Korean lists (whose words and word pieces wordfreq segmented): frequencies of
  character pairs inside words, and of words ending and starting with each character
  (`write_pair_table`), down to 1e-6;
- `idf/zh_simplified.json`: wordfreq's Traditional -> Simplified character map;
- `idf/common_words.json`: each language's most frequent words, by which
  `briefing.language` tells an article's language and summaries know its function words.

Words are folded to Snowball stems where NLTK has a stemmer for the language (the same
stemmer briefing.similarity uses), otherwise lower-cased; frequencies of words sharing a
key are summed. Each line is `key<TAB>centibels`, where centibels =
round(-100 * log10(frequency per word of running text)). Keys rarer than the cut are left
out: briefing treats every unlisted key as rare.
"""

from __future__ import annotations

import gzip
import json
import math
import sys
from collections import defaultdict
from pathlib import Path

import msgpack  # type: ignore[import-not-found]
import regex
from nltk.stem.snowball import SnowballStemmer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from briefing.language import LANGUAGES, PAIRED_LANGUAGES  # noqa: E402  (languages, stemmers)
from briefing.text import PAIRED_RUN  # noqa: E402  (Chinese characters, kana and Hangul, read in pairs)

DATA = ROOT / "briefing" / "data"
COMMON = 150  # words per language used to tell the language of an article
ENGLISH = regex.compile(r"^[a-z]+$")
# Letters with their combining marks, as briefing.similarity reads words (Hindi vowel signs)
LETTERS = regex.compile(r"^\p{L}[\p{L}\p{M}]*(?:['’]\p{L}[\p{L}\p{M}]*)*$")


def _lists(path: Path) -> list[list[str]]:
    with gzip.open(path) as fh:
        return list(msgpack.load(fh, raw=False))


def write_table(out: Path, table: list[list[str]], stemmer_name: str | None, words: regex.Pattern[str],
                cut: float) -> int:
    """Stem-keyed frequencies (centibels) of one wordfreq list, rarest cut off."""
    stemmer = SnowballStemmer(stemmer_name) if stemmer_name else None
    freq: dict[str, float] = defaultdict(float)
    for f, word in _entries(table):
        if words.match(word):
            freq[stemmer.stem(word) if stemmer else word] += f
    return _write(out, freq, cut)


def write_pair_table(out: Path, table: list[list[str]], cut: float) -> int:
    """Character-pair frequencies for Chinese, Japanese and Korean, which
    briefing.similarity reads as overlapping pairs of characters, not words.

    A pair inside a word counts that word's frequency ("北京" in "北京市"). A pair across
    two words is not listed: it is estimated at run time as the chance that a word ends
    with its first character and the next begins with its second, from the keys "<c"
    (words ending in c) and ">c" (words starting with c) written here.
    """
    freq: dict[str, float] = defaultdict(float)
    for f, word in _entries(table):
        if PAIRED_RUN.fullmatch(word):
            freq["<" + word[-1]] += f
            freq[">" + word[0]] += f
            for a, b in zip(word, word[1:], strict=False):
                freq[a + b] += f
    return _write(out, freq, cut)


def _entries(table: list[list[str]]) -> list[tuple[float, str]]:
    """(frequency per word, word) of a wordfreq list, whose buckets are centibels."""
    return [(10 ** (-cb / 100), word) for cb, bucket in enumerate(table[1:], start=1) for word in bucket]


def _write(out: Path, freq: dict[str, float], cut: float) -> int:
    rows = sorted((s, round(-100 * math.log10(f))) for s, f in freq.items() if f >= cut)
    out.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"{key}\t{cb}\n" for key, cb in rows]
    header = "# stem\tcentibels; derived from wordfreq (CC BY-SA 4.0), see bench/build_idf_table.py\n"
    with open(out, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0) as fh:
        fh.write("".join([header, *lines]).encode("utf-8"))  # mtime 0: the same input, the same bytes
    return len(rows)


def write_simplified(src: Path, out: Path) -> int:
    """wordfreq's Traditional -> Simplified Chinese character map, as JSON: its Chinese
    list is in Simplified characters, so Traditional text is mapped before lookup."""
    with gzip.open(src) as fh:
        table = msgpack.load(fh, raw=False, strict_map_key=False)
    pairs = {chr(k): v for k, v in sorted(table.items()) if chr(k) != v}
    out.write_text(json.dumps(pairs, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    return len(pairs)


def common_words(table: list[list[str]]) -> list[str]:
    """The language's COMMON most frequent words of two or more letters, most frequent
    first, with the one-letter words ("и", "в", "a") that rank among them. Telling the
    language reads only the longer ones; summaries use all as stop words."""
    out: list[str] = []
    longer = 0
    for bucket in table[1:]:  # table[0] is wordfreq's header
        for word in bucket:
            if LETTERS.match(word) and longer < COMMON:
                out.append(word)
                longer += len(word) > 1
    return out


def main(source: str) -> None:
    src = Path(source)
    english = _lists(src / "large_en.msgpack.gz")
    n = write_table(DATA / "english_idf.tsv.gz", english, "english", ENGLISH, 1e-7)
    print(f"en: {n} stems")
    common = {"en": common_words(english)}
    for lang, stemmer in LANGUAGES.items():
        if lang == "en":
            continue
        if lang in PAIRED_LANGUAGES:
            size = "small" if lang == "ko" else "large"  # wordfreq has no large Korean list
            pairs = _lists(src / f"{size}_{lang}.msgpack.gz")
            n = write_pair_table(DATA / "idf" / f"{lang}.tsv.gz", pairs, 1e-6)
            print(f"{lang}: {n} keys (character pairs)")
            continue
        table = _lists(src / f"small_{lang}.msgpack.gz")
        cut = 1e-6 if stemmer else 3e-6  # unstemmed lists hold every inflected form
        n = write_table(DATA / "idf" / f"{lang}.tsv.gz", table, stemmer, LETTERS, cut)
        common[lang] = common_words(table)
        print(f"{lang}: {n} keys")
    rows = (f"{json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in sorted(common.items()))
    n = write_simplified(src / "_chinese_mapping.msgpack.gz", DATA / "idf" / "zh_simplified.json")
    print(f"zh: {n} Traditional characters mapped to Simplified")
    (DATA / "idf" / "common_words.json").write_text("{\n" + ",\n".join(rows) + "\n}\n", encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1])
