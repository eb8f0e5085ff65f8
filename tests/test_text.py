"""Tests for briefing.text: sentence, word and paragraph splitting without NLTK data."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from briefing.text import SumyTokenizer, split_paragraphs, split_sentences, split_words

SENTENCE_CASES: list[tuple[str, list[str]]] = [
    # plain
    ("The market rose. Investors cheered.", ["The market rose.", "Investors cheered."]),
    ("Is it over? Yes! It is.", ["Is it over?", "Yes!", "It is."]),
    ("Really?! Nobody knew.", ["Really?!", "Nobody knew."]),
    # country and organisation abbreviations
    (
        "The U.S. Army said so. The U.K. agreed.",
        ["The U.S. Army said so.", "The U.K. agreed."],
    ),
    (
        "Troops left the U.S. The war was over.",
        ["Troops left the U.S.", "The war was over."],
    ),
    ("Talks at the U.N. ended. Nothing changed.", ["Talks at the U.N. ended.", "Nothing changed."]),
    (
        "The U.N. Security Council met on Friday.",
        ["The U.N. Security Council met on Friday."],
    ),
    (
        "Aid came from the U.S. and the U.K. on Monday.",
        ["Aid came from the U.S. and the U.K. on Monday."],
    ),
    ("He moved to the U.S. He never returned.", ["He moved to the U.S.", "He never returned."]),
    # dates
    ("It began on Jan. 5 in Seoul.", ["It began on Jan. 5 in Seoul."]),
    (
        "The vote is set for Feb. 12. Turnout may be low.",
        ["The vote is set for Feb. 12.", "Turnout may be low."],
    ),
    ("The attacks of Sept. 11 changed everything.", ["The attacks of Sept. 11 changed everything."]),
    # titles and ranks
    (
        "Lt. Col. Jane Park and Gen. Lee spoke. Mr. Kim did not.",
        ["Lt. Col. Jane Park and Gen. Lee spoke.", "Mr. Kim did not."],
    ),
    (
        "Mrs. Smith met Dr. Jones and Prof. Brown.",
        ["Mrs. Smith met Dr. Jones and Prof. Brown."],
    ),
    ("They prayed at St. Mary's church. It rained.", ["They prayed at St. Mary's church.", "It rained."]),
    ("He lives on Main St. The house is old.", ["He lives on Main St.", "The house is old."]),
    # reference abbreviations
    ("The No. 3 seed lost. Fans wept.", ["The No. 3 seed lost.", "Fans wept."]),
    ("See p. 12 for details.", ["See p. 12 for details."]),
    ("Ali vs. Frazier was a classic.", ["Ali vs. Frazier was a classic."]),
    # etc., e.g., i.e.
    (
        "They sold fruit, bread, etc. The shop closed at noon.",
        ["They sold fruit, bread, etc.", "The shop closed at noon."],
    ),
    ("Apples, pears, etc. were on sale.", ["Apples, pears, etc. were on sale."]),
    (
        "Use a tool, e.g. a hammer. Or i.e. The Hammer.",
        ["Use a tool, e.g. a hammer.", "Or i.e. The Hammer."],
    ),
    ("Some firms (e.g. Apple) agreed.", ["Some firms (e.g. Apple) agreed."]),
    # companies and suffixes
    (
        "Apple Inc. The company said sales rose.",
        ["Apple Inc.", "The company said sales rose."],
    ),
    ("Apple Inc. Chief Executive Tim Cook spoke.", ["Apple Inc. Chief Executive Tim Cook spoke."]),
    ("Acme Corp. and Widget Ltd. merged.", ["Acme Corp. and Widget Ltd. merged."]),
    (
        "He joined Smith & Co. in 1990. It was a small firm.",
        ["He joined Smith & Co. in 1990.", "It was a small firm."],
    ),
    (
        "Martin Luther King Jr. Day is Monday. Schools close.",
        ["Martin Luther King Jr. Day is Monday.", "Schools close."],
    ),
    (
        "The report was by Sammy Davis Jr. He wrote it fast.",
        ["The report was by Sammy Davis Jr.", "He wrote it fast."],
    ),
    # a.m. and p.m.
    (
        "The blast came at 5 p.m. The next day was calm.",
        ["The blast came at 5 p.m.", "The next day was calm."],
    ),
    ("Polls close at 5 p.m. on Tuesday.", ["Polls close at 5 p.m. on Tuesday."]),
    ("They met at 9 a.m. Officials then left.", ["They met at 9 a.m.", "Officials then left."]),
    # initials
    ("J. R. R. Tolkien wrote it.", ["J. R. R. Tolkien wrote it."]),
    ("George W. Bush spoke. He was brief.", ["George W. Bush spoke.", "He was brief."]),
    ("The author J. A. Smith agreed.", ["The author J. A. Smith agreed."]),
    ("Take vitamin D. It helps.", ["Take vitamin D.", "It helps."]),
    # numbers
    (
        "Inflation hit 3.5 percent. Prices rose $1.2 billion.",
        ["Inflation hit 3.5 percent.", "Prices rose $1.2 billion."],
    ),
    ("Version v2.0 shipped. It crashed.", ["Version v2.0 shipped.", "It crashed."]),
    ("The score was 3. Then it rained.", ["The score was 3.", "Then it rained."]),
    ("He won in 2019. 2020 was worse.", ["He won in 2019.", "2020 was worse."]),
    ("Prices fell. $5 buys little now.", ["Prices fell.", "$5 buys little now."]),
    # quotations
    ('He said "stop." Then he left.', ['He said "stop."', "Then he left."]),
    ('"Why?" she asked.', ['"Why?" she asked.']),
    ('"Stop!" he shouted. Nobody moved.', ['"Stop!" he shouted.', "Nobody moved."]),
    ("He said \u201cstop.\u201d Then he left.", ["He said \u201cstop.\u201d", "Then he left."]),
    ("\u201cWhy?\u201d she asked.", ["\u201cWhy?\u201d she asked."]),
    ("\u2018Enough.\u2019 He left.", ["\u2018Enough.\u2019", "He left."]),
    (
        'It ended. "We are done," he said.',
        ["It ended.", '"We are done," he said.'],
    ),
    (
        "The company\u2019s shares fell. Investors\u2019 mood soured.",
        ["The company\u2019s shares fell.", "Investors\u2019 mood soured."],
    ),
    # ellipses
    ("Wait... what?", ["Wait... what?"]),
    ("Wait... What happened?", ["Wait...", "What happened?"]),
    ("He paused\u2026 and then spoke.", ["He paused\u2026 and then spoke."]),
    ("The sun set\u2026 The night came.", ["The sun set\u2026", "The night came."]),
    # URLs and email addresses
    (
        "Read it at example.com. It is free.",
        ["Read it at example.com.", "It is free."],
    ),
    (
        "See www.x.org/a.b for more. Mail a.b@example.com today.",
        ["See www.x.org/a.b for more.", "Mail a.b@example.com today."],
    ),
    (
        "Visit https://news.example.org/2024/01/a.html. Then reload.",
        ["Visit https://news.example.org/2024/01/a.html.", "Then reload."],
    ),
    # brackets
    (
        "He resigned (effective today). Others stayed.",
        ["He resigned (effective today).", "Others stayed."],
    ),
    ("(He resigned.) Others stayed.", ["(He resigned.)", "Others stayed."]),
    ("It was [sic] wrong. Really.", ["It was [sic] wrong.", "Really."]),
    ("The case (see p. 5) closed.", ["The case (see p. 5) closed."]),
    # whitespace, lines and paragraphs
    ("One  sentence\nspans   lines. Another.", ["One sentence spans lines.", "Another."]),
    ("First para without stop\n\nSecond para.", ["First para without stop", "Second para."]),
    ("Heading\nBody text follows.", ["Heading Body text follows."]),
    ("A.\n  \nB.", ["A.", "B."]),
    ("Line one.\r\n\r\nLine two.", ["Line one.", "Line two."]),
    ("", []),
    ("   \n\n  ", []),
    ("No final stop", ["No final stop"]),
    (
        "He arrived in Washington, D.C. The talks began.",
        ["He arrived in Washington, D.C.", "The talks began."],
    ),
    ("Talks with the U.S. continue. China said no.", ["Talks with the U.S. continue.", "China said no."]),
    ("In the U.S., prices rose.", ["In the U.S., prices rose."]),
    ('He asked, "Is this it?" Nobody answered.', ['He asked, "Is this it?"', "Nobody answered."]),
    ('It\'s "Stop!". Then go.', ['It\'s "Stop!".', "Then go."]),
    ("Hello!!! World???", ["Hello!!!", "World???"]),
    ("Wait . . . what? Go . . . Now.", ["Wait . . . what?", "Go . . .", "Now."]),
    ("One.\u2029Two.", ["One.", "Two."]),
    # lowercase starts
    ("It fell. iPhone sales slowed.", ["It fell.", "iPhone sales slowed."]),
    ("the end. but then", ["the end. but then"]),
    # other scripts' sentence ends: the danda, the Arabic question mark, the Urdu full stop,
    # and the Chinese and Japanese stops that no space follows
    ("यमुना खतरे के निशान से ऊपर है। हजारों लोग हटाए गए।",
     ["यमुना खतरे के निशान से ऊपर है।", "हजारों लोग हटाए गए।"]),
    ("هل ستستمر الأمطار؟ قال المسؤولون لا.", ["هل ستستمر الأمطار؟", "قال المسؤولون لا."]),
    ("لاہور میں بارش ہوئی۔ لوگ منتقل ہوئے۔", ["لاہور میں بارش ہوئی۔", "لوگ منتقل ہوئے۔"]),
    ("北京今天下大雨。数百人被疏散！“我们很安全。”他说。",
     ["北京今天下大雨。", "数百人被疏散！", "“我们很安全。”", "他说。"]),
    ("東京で地震があった。けが人はいない。", ["東京で地震があった。", "けが人はいない。"]),
]


@pytest.mark.parametrize(("text", "expected"), SENTENCE_CASES)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_there_are_many_tricky_cases() -> None:
    assert len(SENTENCE_CASES) >= 40


WORD_CASES: list[tuple[str, list[str]]] = [
    ("Hello, world!", ["Hello", "world"]),
    ("don't stop", ["don't", "stop"]),
    ("O\u2019Brien\u2019s car", ["O\u2019Brien\u2019s", "car"]),
    ("a state-of-the-art plant", ["a", "state-of-the-art", "plant"]),
    ("The U.S. and e.g. a.m.", ["The", "U.S.", "and", "e.g.", "a.m."]),
    ("$1.2 billion, 3.5%", ["1.2", "billion", "3.5"]),
    ("1,000 people at 10:30", ["1,000", "people", "at", "10:30"]),
    ("v2.0 on example.com", ["v2.0", "on", "example.com"]),
    ("-- ... !!! ()", []),
    ('"Quoted" (bracketed) \u201ccurly\u201d', ["Quoted", "bracketed", "curly"]),
    ("Ph.D. holder", ["Ph.D", "holder"]),
    ("end.", ["end"]),
    ("Seoul\u2019s K-pop caf\u00e9", ["Seoul\u2019s", "K-pop", "caf\u00e9"]),
    ("snake_case", ["snake", "case"]),
    # vowel signs are combining marks; without them Hindi words fell apart into letters
    ("दिल्ली में बाढ़, 2,000 लोग", ["दिल्ली", "में", "बाढ़", "2,000", "लोग"]),
    ("ঢাকায় বৃষ্টি", ["ঢাকায়", "বৃষ্টি"]),
    ("சென்னையில் கனமழை", ["சென்னையில்", "கனமழை"]),
    ("", []),
]


@pytest.mark.parametrize(("text", "expected"), WORD_CASES)
def test_split_words(text: str, expected: list[str]) -> None:
    assert split_words(text) == expected


def test_split_paragraphs() -> None:
    text = "\n\nFirst line\nstill first.\n \t\nSecond.\n\n\n\nThird.\n"
    assert split_paragraphs(text) == ["First line\nstill first.", "Second.", "Third."]


def test_paragraph_break_always_ends_a_sentence() -> None:
    assert split_sentences("He met Mr.\n\nSmith left.") == ["He met Mr.", "Smith left."]


def _squeeze(text: str) -> str:
    return "".join(text.split())


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(list("aZ3 .!?\"'()\u201c\u201d\u2019\u2026\n\t,-$")) | st.characters())
)
def test_no_non_whitespace_character_is_lost(text: str) -> None:
    sentences = split_sentences(text)
    assert "".join(_squeeze(s) for s in sentences) == _squeeze(text)
    assert all(s and s == s.strip() for s in sentences)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([s for s, _ in SENTENCE_CASES if s.strip()]), max_size=6))
def test_known_sentences_join_into_paragraphs(texts: list[str]) -> None:
    """Cases stay split the same way when they are paragraphs of one text."""
    expected = [s for t in texts for s in split_sentences(t)]
    assert split_sentences("\n\n".join(texts)) == expected


def test_long_runs_of_punctuation() -> None:
    """Runs of dots or marks are one candidate each (and stay linear in time)."""
    assert split_sentences("." * 50_000) == ["." * 50_000]
    assert split_sentences("Hm" + "." * 50_000 + " Yes.") == ["Hm" + "." * 50_000, "Yes."]


def test_sumy_tokenizer_interface() -> None:
    tokenizer = SumyTokenizer()
    assert tokenizer.language == "english"
    assert SumyTokenizer("German").language == "german"
    assert tokenizer.to_sentences("One here. Two there.") == ("One here.", "Two there.")
    words = tokenizer.to_words("The U.S. didn\u2019t pay $3.5 billion to state-owned firms, 2024.")
    assert words == ("The", "didn't", "pay", "billion", "to", "state-owned", "firms")


ARTICLE = """Storm hits coast

A powerful storm hit the east coast on Tuesday, the U.S. Weather Service said. \
Winds reached 120 km/h at 5 p.m. and thousands lost power.

Officials in the U.S. said the damage was severe. Mr. Kim, the mayor, declared an \
emergency. "We are ready," he said. Schools will stay closed until Jan. 5.

The storm is expected to weaken by Thursday. Forecasters warned of more rain. \
Insurers estimate losses of $1.2 billion, or 3.5 percent of the region's output.
"""


def test_sumy_summarizer_runs_without_nltk_data(monkeypatch: pytest.MonkeyPatch) -> None:
    """LexRank over our tokenizer works even when NLTK cannot find any data."""
    nltk = pytest.importorskip("nltk")
    from sumy.nlp.stemmers import Stemmer
    from sumy.nlp.tokenizers import Tokenizer
    from sumy.parsers.plaintext import PlaintextParser
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.utils import get_stop_words

    monkeypatch.setattr(nltk.data, "path", ["/nonexistent-nltk-data"])
    monkeypatch.setenv("NLTK_DATA", "/nonexistent-nltk-data")
    with pytest.raises(LookupError):
        nltk.data.find("tokenizers/punkt_tab")
    with pytest.raises(LookupError):  # the reason SumyTokenizer exists
        Tokenizer("english")

    def guarded_find(*args: object, **kwargs: object) -> object:
        raise AssertionError("NLTK data was requested")

    monkeypatch.setattr(nltk.data, "find", guarded_find)
    monkeypatch.setattr(nltk.data, "load", guarded_find)

    parser = PlaintextParser.from_string(ARTICLE, SumyTokenizer("english"))
    summarizer = LexRankSummarizer(Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")
    summary = [str(sentence) for sentence in summarizer(parser.document, 3)]

    all_sentences = set(split_sentences(ARTICLE))
    assert len(summary) == 3
    assert all(sentence in all_sentences for sentence in summary)
    assert "Schools will stay closed until Jan. 5." in all_sentences


def test_chinese_and_japanese_runs_become_character_pairs_or_chunks() -> None:
    from briefing.text import char_chunks, char_pairs

    assert char_pairs("北京暴雨") == ["北京", "京暴", "暴雨"]
    assert char_pairs("iPhone发布") == ["iPhone", "发布"]
    assert char_pairs("雨") == ["雨"] and char_pairs("Seoul") == ["Seoul"]
    assert char_chunks("北京市周二") == ["北京", "市周", "二"]
    words = SumyTokenizer().to_words
    assert words("東京で大雨。") == ("东京", "京で", "で大", "大雨")  # Simplified, as below
    assert words("臺灣暴雨。") == words("台湾暴雨。")  # two outlets' sentences compare alike
