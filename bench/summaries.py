"""Summary quality and speed on the MultiLing 2011 English set.

Run: `.venv/bin/python bench/summaries.py` from the repository. Reads
`../shared/eval/multiling2011-en` (next to the repository) and skips with a message
when it is absent: a user's clone has no shared data.

Prints ROUGE-1/ROUGE-2 recall (the `rouge-score` package) of 250-word summaries cut to
each reference's length in words, averaged over the references and the topics, scored
without stemming (as the 2011 evaluation was) and with Porter stemming, for our
`summarize` and for plain sumy LexRank and TextRank over the concatenated articles
(given our tokenizer, since NLTK data is not available). Then the speed of
`summarize` against plain sumy LexRank on synthetic incidents of about 200, 800 and
2,000 sentences made by concatenating MultiLing articles.
"""

from __future__ import annotations

import argparse
import functools
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from briefing.models import Article  # noqa: E402
from briefing.summarize import summarize  # noqa: E402
from briefing.text import SumyTokenizer, split_sentences  # noqa: E402

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval" / "multiling2011-en"
WORDS = 250


def load_topic(topic: int) -> tuple[list[Article], list[str]]:
    """The ten articles and the references of one topic."""
    articles = []
    for path in sorted((EVAL / "sources").glob(f"M00{topic}?.english")):
        first, _, body = path.read_text(encoding="utf-8").partition("\n")
        stamp, _, title = first.strip().partition(" ")
        try:
            published = datetime.strptime(stamp, "%Y/%m/%d").replace(tzinfo=UTC)
        except ValueError:
            published = None
        articles.append(
            Article(
                id=path.stem,
                url=path.as_uri(),
                source=path.stem,
                title=title,
                text=body.strip(),
                published=published,
            )
        )
    refs = [p.read_text(encoding="utf-8") for p in sorted(EVAL.glob(f"references/M00{topic}.*"))]
    return articles, refs


def plain_sumy(kind: str) -> Callable[[Sequence[Article], int], str]:
    """Plain sumy over the concatenated articles: best-rated sentences up to `words`."""
    from sumy.nlp.stemmers import Stemmer
    from sumy.parsers.plaintext import PlaintextParser
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.summarizers.text_rank import TextRankSummarizer
    from sumy.utils import get_stop_words

    def run(articles: Sequence[Article], words: int) -> str:
        text = "\n\n".join(a.text for a in articles)
        document = PlaintextParser.from_string(text, SumyTokenizer("english")).document
        cls: Any = LexRankSummarizer if kind == "lexrank" else TextRankSummarizer
        summarizer = cls(Stemmer("english"))
        summarizer.stop_words = get_stop_words("english")

        def budget(infos: list[Any]) -> list[Any]:
            kept, used = [], 0
            for info in infos:
                if used >= words:
                    break
                kept.append(info)
                used += len(str(info.sentence).split())
            return kept

        return " ".join(str(s) for s in summarizer(document, budget))

    return run


def ours(articles: Sequence[Article], words: int) -> str:
    return str(summarize(articles, words=words))


def rouge(system: str, refs: Sequence[str], stem: bool, limit: int | None = None) -> tuple[float, float]:
    """ROUGE-1/2 recall against each reference, the summary cut to its length.

    `limit` also cuts every summary at that many words: plain sumy's budget stops
    after the sentence that crosses it, and at 100 words against 250-word references
    the overshoot alone would decide the comparison.
    """
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2"], use_stemmer=stem)
    r1 = r2 = 0.0
    for ref in refs:
        cut = " ".join(system.split()[: min(len(ref.split()), limit or len(ref.split()))])
        scores = scorer.score(ref, cut)
        r1 += scores["rouge1"].recall
        r2 += scores["rouge2"].recall
    return r1 / len(refs), r2 / len(refs)


def quality(systems: dict[str, Callable[[Sequence[Article], int], str]], words: int = WORDS) -> None:
    """ROUGE recall of each system at `words` words (250 is the 2011 task's length)."""
    topics = [load_topic(t) for t in range(10)]
    print(f"MultiLing 2011 English, {len(topics)} topics, {words} words, recall")
    print(f"{'system':<16}{'R-1':>8}{'R-2':>8}{'R-1 stem':>10}{'R-2 stem':>10}")
    for name, system in systems.items():
        totals = [0.0, 0.0, 0.0, 0.0]
        for articles, refs in topics:
            summary = system(articles, words)
            limit = None if words == WORDS else words  # 250: as the 2011 evaluation cut
            plain, stemmed = rouge(summary, refs, False, limit), rouge(summary, refs, True, limit)
            for k, v in enumerate(plain + stemmed):
                totals[k] += v / len(topics)
        print(f"{name:<16}" + "".join(f"{v:>{w}.4f}" for v, w in zip(totals, (8, 8, 10, 10), strict=True)))
    print("2011 reference points (no stemming): best system 0.465 / 0.171, centroid baseline 0.381 / 0.110")


def synthetic(size: int) -> list[Article]:
    """Articles from all topics, concatenated until about `size` sentences.

    The 100 MultiLing articles hold about 1,550 sentences; beyond that the articles
    are taken again as further "outlets" (so larger incidents also contain wire-copy
    repeats, as real ones do).
    """
    pool = [a for t in range(10) for a in load_topic(t)[0]]
    out: list[Article] = []
    count, k = 0, 0
    while count < size:
        article = pool[k % len(pool)]
        sentences = split_sentences(article.text)[: size - count]
        out.append(
            Article(
                id=f"{article.id}-{k}",
                url=article.url,
                source=article.source,
                title=article.title,
                text=" ".join(sentences),
                published=article.published,
            )
        )
        count += len(sentences)
        k += 1
    return out


def _best_of(runs: int, job: Callable[[], object]) -> float:
    """The fastest of `runs` timings (the machine may be shared)."""
    best = float("inf")
    for _ in range(runs):
        t0 = time.perf_counter()
        job()
        best = min(best, time.perf_counter() - t0)
    return best


def speed(sizes: Sequence[int], baseline_limit: int) -> None:
    lexrank = plain_sumy("lexrank")
    print("\nSpeed (one incident, 120-word summary; seconds, best of 3 where the baseline allows)")
    print(f"{'sentences':>10}{'ours':>10}{'plain LexRank':>15}{'ratio':>8}")
    summarize(synthetic(50), words=120)  # warm imports and caches
    for size in sizes:
        articles = synthetic(size)
        n = sum(len(split_sentences(a.text)) for a in articles)
        ours_t = _best_of(3, functools.partial(summarize, articles, words=120))
        if n <= baseline_limit:
            base_t = _best_of(3 if n < 400 else 1, functools.partial(lexrank, articles, 120))
            print(f"{n:>10}{ours_t:>10.3f}{base_t:>15.3f}{base_t / ours_t:>7.0f}x")
        else:
            print(
                f"{n:>10}{ours_t:>10.3f}{'(not run)':>15}   (plain LexRank is quadratic; "
                f"raise --baseline-limit to time it)"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-speed", action="store_true", help="quality only")
    parser.add_argument("--no-baselines", action="store_true", help="our system only")
    parser.add_argument("--algorithm", default="lexrank", help="sumy algorithm to rate with")
    parser.add_argument(
        "--words", type=int, default=WORDS, help="summary length (100: like the held-out newswire task)"
    )
    parser.add_argument(
        "--baseline-limit", type=int, default=1000, help="largest incident to time plain LexRank on"
    )
    args = parser.parse_args()
    if not EVAL.is_dir():
        print(f"skipped: {EVAL} not found (the shared evaluation data is not in a clone)")
        return 0
    systems: dict[str, Callable[[Sequence[Article], int], str]] = {
        f"ours ({args.algorithm})": lambda a, w: str(summarize(a, words=w, algorithm=args.algorithm)),
    }
    if not args.no_baselines:
        systems["sumy LexRank"] = plain_sumy("lexrank")
        systems["sumy TextRank"] = plain_sumy("textrank")
    quality(systems, args.words)
    if not args.no_speed:
        speed((200, 800, 2000), args.baseline_limit)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
