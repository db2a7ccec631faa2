import dataclasses
import itertools
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import numpy as np
from datasketch import MinHash, MinHashLSH
from hypothesis import example, given, settings
from hypothesis import strategies as st

from clustering.config import MinHashConfig, ReuseConfig
from clustering.ingest.clean import clean_article
from clustering.records import Article
from clustering.reuse.align import align, character_spans, shingle_order, span_ends
from clustering.reuse.batch import find_reuse, update_reuse
from clustering.reuse.minhash import (
    MinHasher,
    code_points,
    fold,
    normalised_words,
    shingle_hashes,
    tokenize,
)
from clustering.reuse.pairs import agency_of, attribution
from clustering.scripts import is_unspaced

WIRE = """BEIRUT (Reuters) - Syria's army and its allies captured Islamic State's last stronghold in Syria on
Wednesday, a commander in the alliance said, bringing the self-declared caliphate close to complete downfall.

The last stronghold of the group, Albu Kamal, is free of the organization, said the commander in the military
alliance supporting the Syrian President.

Islamic State has been all but destroyed over the past two years. At the height of its power in 2015, it ruled
an expanse of Iraq and Syria, eradicating the border, printing money, imposing draconian laws and plotting
attacks across the world.

On Wednesday, after a months-long advance through central and eastern Syria, the Syrian army and allied
militias encircled and attacked Albu Kamal, a town on the bank of the Euphrates near the Iraqi border."""

BANK = """The central bank left interest rates unchanged on Thursday and said inflation would stay above its
target for most of next year, as energy prices and wages keep rising faster than expected by analysts.

Economists had expected the decision, though two members of the committee voted for an increase of a quarter
point, citing the strength of the labour market and a rebound in consumer spending over the summer months.

The governor told reporters that the bank stood ready to act if price pressures proved more persistent, and
that the next forecast round in February would be decisive for the path of borrowing costs next year."""

SAME_EVENT = """Government forces and allied fighters have retaken the border town from the jihadists, state
television announced, ending weeks of fighting near the frontier. Residents who fled the violence said they
hoped to return once engineers have cleared the streets of mines. Military analysts cautioned that the
militants retain a presence in the surrounding desert and could launch raids on the town again."""


def _article(article_id: str, text: str, day: int, title: str = "Title") -> Article:
    return clean_article(Article(id=article_id, title=title, text=text, published=datetime(2017, 11, day, tzinfo=UTC)))


def _shared_text(article: Article, spans) -> str:
    return " ".join(" ".join(article.text[start:end].split()) for start, end in spans)


def test_whole_reprint_with_furniture_and_copy_edits_is_a_duplicate():
    edited = WIRE.replace("a commander in the alliance said", "a commander in the alliance told reporters")
    reprint_text = f"Share:\n\n2 min read\n\n{edited}\n\nComments\n\nGreat news from the region, finally!"
    wire, reprint = _article("wire", WIRE, 8), _article("reprint", reprint_text, 9)
    result = find_reuse([wire, reprint])
    assert result.duplicate_of == {"reprint": "wire"}
    (pair,) = result.pairs
    assert (pair.a, pair.b, pair.original) == ("wire", "reprint", "wire")
    assert pair.original_reason == "published earlier"
    assert pair.containment_a > 0.95 and pair.containment_b > 0.95
    # Spans are offsets into each text as given, and cover the article, not the furniture or comments.
    shared = _shared_text(reprint, pair.b_spans)
    assert "BEIRUT (Reuters)" in shared and "Euphrates near the Iraqi border" in shared
    assert "Share:" not in shared and "Great news" not in shared


def test_a_run_with_a_lookback_pairs_new_articles_with_recent_stored_ones_only():
    stored = [_article("wire", WIRE, 1), _article("bank", BANK, 20), _undated("undated-wire", WIRE)]
    # A reprint on the 25th: the wire is 24 days older, the bank story 5, the undated copy unknown.
    articles = [*stored, _article("reprint", WIRE, 25)]
    known = {article.id for article in stored}

    def partners(lookback: float | None) -> set[str]:
        config = ReuseConfig(lookback_days=lookback)
        pairs = update_reuse(articles, known, [], reuse=config).pairs
        return {pair.a if pair.b == "reprint" else pair.b for pair in pairs if "reprint" in (pair.a, pair.b)}

    assert partners(None) == {"wire", "undated-wire"}
    assert partners(30) == {"wire", "undated-wire"}
    assert partners(7) == {"undated-wire"}  # the wire is past the lookback; an undated article never is


def _undated(article_id: str, text: str, source: str | None = None) -> Article:
    return clean_article(Article(id=article_id, title="Title", text=text, source=source))


def _original(first: Article, second: Article) -> tuple[str | None, str]:
    (pair,) = find_reuse([first, second]).pairs
    return pair.original, pair.original_reason


def test_the_agency_own_article_is_the_original_unless_it_came_days_after():
    uncredited = WIRE.replace("BEIRUT (Reuters) - ", "")
    wire = clean_article(
        Article(id="wire", title="T", text=WIRE, source="Reuters", published=datetime(2017, 11, 9, tzinfo=UTC))
    )
    for source in ("reuters", "www.reuters.com", "uk.reuters.com"):
        own = dataclasses.replace(wire, source=source)
        assert _original(own, _article("copy", uncredited, 8)) == ("wire", "published by Reuters")
    # Three days after the copy: the evidence conflicts, and no original is named.
    late = clean_article(
        Article(id="wire", title="T", text=WIRE, source="Reuters", published=datetime(2017, 11, 11, tzinfo=UTC))
    )
    original, reason = _original(late, _article("copy", uncredited, 8))
    assert original is None and reason.startswith("conflict: published by Reuters")


def test_a_credit_alone_does_not_make_the_original():
    # Both outlets carry Reuters copy; the one that credits it is not thereby the source of the other.
    uncredited = WIRE.replace("BEIRUT (Reuters) - ", "")
    assert _original(_article("credits", WIRE, 9), _article("copy", uncredited, 8)) == ("copy", "published earlier")


def test_without_dates_a_trim_points_to_the_longer_story_and_a_pasted_story_to_itself():
    top = WIRE.split("\n\nIslamic State has been")[0]
    assert _original(_undated("wire", WIRE), _undated("trim", top)) == ("wire", "the other is its top, trimmed")
    paragraphs = WIRE.split("\n\n")
    short = "\n\n".join(paragraphs[2:4])
    bank = BANK.split("\n\n")
    mixed = "\n\n".join([bank[0], short, bank[2]])
    assert _original(_undated("short", short), _undated("mixed", mixed)) == ("short", "pasted whole into the other")


def test_without_dates_the_copy_that_kept_the_agency_dateline_is_nearer_the_source():
    uncredited = WIRE.replace("BEIRUT (Reuters) - ", "")
    reason = "keeps the agency's dateline, which the other dropped"
    assert _original(_undated("copy", uncredited), _undated("wire", WIRE)) == ("wire", reason)
    # Both keep it: both carry the agency's copy, and neither is the other's original.
    assert _original(_undated("one", WIRE), _undated("two", WIRE)) == (
        None,
        "both carry Reuters copy: neither is the original",
    )
    original, reason = _original(_undated("one", SAME_EVENT), _undated("two", SAME_EVENT))
    assert original is None and reason.startswith("undecidable")


def test_top_of_story_trim_is_reuse_not_a_duplicate():
    top = WIRE.split("\n\nIslamic State has been")[0]
    wire, trimmed = _article("wire", WIRE, 8), _article("trim", top, 9)
    result = find_reuse([wire, trimmed])
    assert result.duplicate_of == {}
    (pair,) = result.pairs
    assert pair.containment_b > 0.95 and pair.containment_a < 0.6
    assert pair.original == "wire"


def test_agency_block_pasted_into_another_report_is_found_with_its_spans():
    paragraphs = WIRE.split("\n\n")
    pasted = f"{BANK.split(chr(10) * 2)[0]}\n\n{paragraphs[2]}\n\n{paragraphs[3]}\n\n{BANK.split(chr(10) * 2)[2]}"
    wire, mixed = _article("wire", WIRE, 8), _article("mixed", pasted, 10)
    result = find_reuse([wire, mixed])
    assert result.duplicate_of == {}
    (pair,) = result.pairs
    assert pair.shared_words >= 60
    shared = _shared_text(mixed, pair.b_spans)
    assert shared.startswith("Islamic State has been all but destroyed")
    assert shared.endswith("near the Iraqi border.")
    assert "central bank" not in shared and "governor" not in shared
    assert pair.original == "wire"


def test_no_pair_between_independent_reports_of_one_event():
    result = find_reuse([_article("wire", WIRE, 8), _article("own", SAME_EVENT, 8), _article("bank", BANK, 8)])
    assert result.pairs == [] and result.duplicate_of == {}


def test_a_short_common_phrase_is_not_reuse():
    phrase = "the Britain-based Syrian Observatory for Human Rights said on Wednesday"
    first = _article("one", f"{BANK}\n\nMeanwhile {phrase} that fighting went on.", 8)
    second = _article("two", f"{SAME_EVENT}\n\nAlso {phrase} that many had fled.", 8)
    assert find_reuse([first, second]).pairs == []


def test_tokens_keep_offsets_and_fold_case_and_accents():
    tokens = tokenize("Al-Bukamal, Café!")
    assert len(tokens) == 3
    assert (tokens.starts.tolist(), tokens.ends.tolist()) == ([0, 3, 12], [2, 10, 16])
    assert tokenize("CAFE").hashes[0] == tokenize("café").hashes[0]
    assert normalised_words("Al-Bukamal, Café!") == ["al", "bukamal", "cafe"]
    assert len(shingle_hashes(tokenize("one two").hashes, 5)) == 1
    assert len(shingle_hashes(tokenize("a b c d e f").hashes, 5)) == 2


def test_tokens_hold_memory_by_words_not_by_characters():
    """The index keeps the last candidates tokenised: their arrays must not keep the scan's buffers,
    sized by characters (24 bytes each: 98 MB of a 6,000-record dedup run, where the words need 19)."""
    import tracemalloc

    text = "Ferry " + "-" * 200_000 + " capsizes off Zanzibar"
    tokenize(text)  # compiled and warmed before measuring
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tokens = tokenize(text)
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert len(tokens) == 4
    assert held < 100_000  # the four words' arrays, not 200,000 characters' (4.8 MB)


def _reference_words(text: str) -> list[tuple[int, int]]:
    """The spans of the regex's ``\\w+`` runs, each cut before and after every character of an unspaced script."""
    spans = []
    for run in re.finditer(r"\w+", text):
        start = run.start()
        for position in range(run.start(), run.end()):
            if is_unspaced(text[position]):
                spans += [(start, position)] if start < position else []
                spans.append((position, position + 1))
                start = position + 1
        spans += [(start, run.end())] if start < run.end() else []
    return spans


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=st.characters(exclude_categories=["Cs"]) | st.sampled_from("½ﬁ가İΣ_ -\u0301\U0001d49c中文ไทยカナ"))
)
def test_tokens_are_the_regex_words_hashed_by_their_folded_form(text: str) -> None:
    words = _reference_words(text)
    tokens = tokenize(text)
    assert words == list(zip(tokens.starts.tolist(), tokens.ends.tolist(), strict=True))
    assert normalised_words(text) == [fold(text[a:b]) for a, b in words]
    hash_of = {fold(text[a:b]): token_hash for (a, b), token_hash in zip(words, tokens.hashes, strict=True)}
    assert [hash_of[fold(text[a:b])] for a, b in words] == tokens.hashes.tolist()
    assert len(set(hash_of.values())) == len(hash_of)
    # A word hashes alike on its own and inside any text, whichever of its characters were met first.
    assert all(
        tokenize(text[a:b]).hashes.tolist() == [value] for (a, b), value in zip(words, tokens.hashes, strict=True)
    )


def test_threads_meeting_new_characters_at_once_tokenize_as_one_thread_would():
    # Characters no other test uses, so that each thread folds some for the first time while others read.
    texts = [
        " ".join(chr(0x20000 + 97 * thread + at) + chr(0x1D400 + (7 * thread + at) % 52) for at in range(60))
        for thread in range(8)
    ]
    with ThreadPoolExecutor(8) as pool:
        together = list(pool.map(lambda text: tokenize(text).hashes.tolist(), texts * 4))
    assert together == [tokenize(text).hashes.tolist() for text in texts * 4]


def test_a_scan_against_a_table_older_than_its_entries_asks_to_be_scanned_again():
    """A character another thread tabled after this scan took the table's units (its units lie past them)
    is not read past their end: the scan says it is incomplete, as for a character never met."""
    from clustering.reuse import minhash

    tokenize("Zebra")  # every character tabled
    table = minhash._CHAR_TABLE
    codes = np.frombuffer("Zebra".encode("utf-32-le"), dtype=np.uint32)
    bounds = np.array([[0, len(codes)]], dtype=np.int64)
    scan = minhash._scan_words
    *_, complete = scan(codes, bounds, table.fold_start, table.fold_length, table.units, minhash._UNKNOWN_FOLD)
    assert complete
    *_, complete = scan(codes, bounds, table.fold_start, table.fold_length, table.units[:0], minhash._UNKNOWN_FOLD)
    assert not complete


CHINESE_REPORT = (
    "叙利亚政府军及其盟友周三攻占了伊斯兰国在叙利亚的最后一个据点阿布卡迈勒，联盟的一名指挥官表示，这使得该组织自封的哈里发政权接近彻底垮台。"
    "这名指挥官说，该组织的最后据点阿布卡迈勒已经摆脱了该组织的控制。过去两年来，伊斯兰国几乎已被摧毁。"
    "在二零一五年势力最盛时，它统治着伊拉克和叙利亚的大片土地，抹去了边界，印制货币，实行严苛的法律，并策划在世界各地发动袭击。"
)


def _jaccard(first: np.ndarray, second: np.ndarray) -> float:
    """The Jaccard similarity of two arrays' sets of values (0 when both are empty)."""
    union = set(first.tolist()) | set(second.tolist())
    return len(set(first.tolist()) & set(second.tolist())) / len(union) if union else 0.0


def test_a_chinese_text_is_shingled_by_characters_and_its_near_copy_found():
    tokens = tokenize("伊斯兰国 IS")
    assert len(tokens) == 5 and tokens.ends.tolist() == [1, 2, 3, 4, 7]
    copy = CHINESE_REPORT.replace("周三", "周四") + "本报记者报道。"
    other = "美国总统周二在白宫会见了来访的法国总统，双方讨论了贸易和气候变化问题，并签署了多项合作协议。" * 3
    hasher = MinHasher(MinHashConfig())
    original, near, unrelated = (shingle_hashes(tokenize(text).hashes, 5) for text in (CHINESE_REPORT, copy, other))
    assert _jaccard(original, near) > 0.8 and _jaccard(original, unrelated) < 0.05
    assert np.mean(hasher.signature(original) == hasher.signature(near)) > 0.6


def test_tokens_stay_inside_spans():
    text = "Wire copy. Share this! Comments below"
    tokens = tokenize(text, [(0, 8), (8, 10), (23, 31), (40, 99)])
    assert [text[start:end] for start, end in zip(tokens.starts, tokens.ends, strict=True)] == [
        "Wire",
        "cop",
        "y",
        "Comments",
    ]


def test_signatures_are_datasketch_signatures():
    config = MinHashConfig()
    hashes = shingle_hashes(tokenize(WIRE).hashes, config.shingle_words)
    reference = MinHash(num_perm=config.num_perm, seed=config.seed, hashfunc=lambda value: value)
    reference.update_batch([int(value) for value in hashes])
    hasher = MinHasher(config)
    assert np.array_equal(hasher.signature(hashes), reference.hashvalues)
    lsh = MinHashLSH(threshold=0.5, num_perm=config.num_perm)
    lsh.insert("wire", hasher.lean(hasher.signature(hashes)))
    assert lsh.query(reference) == ["wire"]


def test_window_signatures_equal_signatures_of_the_windows():
    hasher = MinHasher(MinHashConfig())
    hashes = shingle_hashes(tokenize(WIRE).hashes, 5)
    signatures, starts = hasher.window_signatures(hashes, window=30, stride=15)
    assert starts.tolist() == list(range(0, 15 * len(starts), 15))
    for signature, start in zip(signatures, starts, strict=True):
        assert np.array_equal(signature, hasher.signature(hashes[start : start + 30]))


@settings(max_examples=200, deadline=None)
@given(
    first=st.lists(st.integers(0, 30), max_size=40),
    second=st.lists(st.integers(0, 30), max_size=40),
)
def test_the_alignment_gives_the_jaccard_of_the_sets_of_shingles(first, second):
    """Read off the merge that finds the anchors, whatever the repeats (boilerplate shingles included)."""
    first_values, second_values = np.array(first, dtype=np.uint32), np.array(second, dtype=np.uint32)
    assert align(first_values, second_values).jaccard == _jaccard(first_values, second_values)


@settings(max_examples=200, deadline=None)
@given(values=st.lists(st.one_of(st.integers(0, 5), st.integers(0, 2**32 - 1)), max_size=60))
def test_the_shingle_order_is_a_stable_sort(values):
    shingles = np.array(values, dtype=np.uint32)
    assert shingle_order(shingles).tolist() == np.argsort(shingles, kind="stable").tolist()


_NAME_PARTS = st.sampled_from(["afp", "reuters", "ap", "com", "fr", "news", "www"])


@settings(max_examples=300, deadline=None)
@given(
    agencies=st.dictionaries(
        st.sampled_from(["AFP", "Reuters", "AP"]),
        st.lists(st.lists(_NAME_PARTS, min_size=1, max_size=3).map(".".join), min_size=1, max_size=3),
    ),
    outlet=st.lists(_NAME_PARTS, min_size=1, max_size=4).map(".".join),
    given_as=st.sampled_from(["source", "url"]),
)
def test_the_agency_of_an_outlet_is_the_first_whose_name_it_is_or_is_under(agencies, outlet, given_as):
    """As reading every name in turn finds it: the outlet is a name, or a subdomain of a name with a dot."""
    article = Article(id="a", text="t", **{given_as: outlet if given_as == "source" else f"https://{outlet}/x"})
    expected = None
    bare = (article.outlet or "").lower().removeprefix("www.")
    for agency, names in agencies.items():
        if any(bare == name or ("." in name and bare.endswith("." + name)) for name in names):
            expected = agency
            break
    assert agency_of(article, agencies) == expected


def test_minhash_estimates_jaccard():
    hasher = MinHasher(MinHashConfig(num_perm=256))
    first = shingle_hashes(tokenize(WIRE).hashes, 3)
    second = shingle_hashes(tokenize(WIRE.replace("Wednesday", "Thursday")).hashes, 3)
    estimate = hasher.lean(hasher.signature(first)).jaccard(hasher.lean(hasher.signature(second)))
    assert abs(estimate - _jaccard(first, second)) < 0.1


def test_identical_repetitive_texts_are_duplicates():
    text = "The same text under two ids. " * 20
    result = find_reuse([_article("a", text, 8), _article("b", text, 9)])
    assert result.duplicate_of == {"b": "a"}
    assert result.pairs[0].containment_a == result.pairs[0].containment_b == 1.0


def _edited(passage: list[int], edits: list[tuple[int, int]], filler: int) -> np.ndarray:
    """``passage`` with ``(position, words)`` runs of filler inserted: copy-edits of several lengths."""
    words = list(passage)
    for position, count in sorted(edits, reverse=True):
        words[position % (len(words) + 1) : position % (len(words) + 1)] = [filler + k % 3 for k in range(count)]
    return np.array(words, dtype=np.uint32)


_EDITS = st.lists(st.tuples(st.integers(0, 200), st.integers(1, 16)), max_size=6)


@settings(max_examples=300, deadline=None)
@given(
    passage=st.lists(st.integers(0, 60), max_size=150) | st.lists(st.integers(0, 10_000), min_size=20, max_size=150),
    a_edits=_EDITS,
    b_edits=_EDITS,
    shingle=st.integers(1, 5),
)
# The longest edit bridged (10 words) and one word more, on either side.
@example(passage=list(range(100)), a_edits=[], b_edits=[(50, 10)], shingle=5)
@example(passage=list(range(100)), a_edits=[(50, 11)], b_edits=[], shingle=5)
@example(passage=list(range(100)), a_edits=[(30, 10)], b_edits=[(30, 3), (70, 16)], shingle=3)
def test_compiled_alignment_equals_the_set_based_one(passage, a_edits, b_edits, shingle):
    """One passage edited on both sides by inserts of 1-16 words (around the largest gap alignment
    bridges), over a small vocabulary so that shingles also repeat and match by chance."""
    from align_reference import align as reference_align

    from clustering.config import AlignConfig
    from clustering.reuse.align import align

    config = AlignConfig()
    a = shingle_hashes(_edited(passage, a_edits, 1000), shingle)
    b = shingle_hashes(_edited(passage, b_edits, 2000), shingle)
    expected = reference_align(a, b, config)
    found = align(a, b, config)
    assert found.segments.tolist() == [[s.a_start, s.a_end, s.b_start, s.b_end] for s in expected]
    assert found.shared_a == len(set().union(*(s.a_matched for s in expected)))
    assert found.shared_b == len(set().union(*(s.b_matched for s in expected)))


def test_pairs_left_out_before_comparing_are_pairs_compare_would_not_report():
    from clustering.reuse.pairs import compare, worth_comparing
    from clustering.reuse.signing import ReuseArticle

    repetitive = " ".join(["The river rose again."] * 30)
    texts = {
        "wire": WIRE,
        "copy": f"Share:\n\n{WIRE}\n\nComments\n\nGreat.",
        "trim": WIRE[: len(WIRE) // 2],
        "same-event": SAME_EVENT,
        "bank": BANK,
        "pasted": f"{BANK}\n\n{WIRE[:700]}",
        "repetitive": repetitive,
        "repetitive-copy": repetitive,
        "short": "The river rose again.",
    }
    entries = [ReuseArticle.of(_article(key, text, 8), 5) for key, text in texts.items()]
    pairs = np.array([(i, j) for j in range(len(entries)) for i in range(j)])
    worth = worth_comparing(entries, pairs)
    reported = np.array([compare(entries[i], entries[j]) is not None for i, j in pairs.tolist()])
    assert reported.any() and not worth.all()
    assert not (reported & ~worth).any()  # nothing compare reports is left out
    assert worth[pairs.tolist().index([6, 7])]  # identical repetitive texts: same words, though alignment skips repeats


def test_attribution_counts_each_copied_word_once_and_an_agency_copies_from_nobody():
    def dated(article_id: str, source: str, day: int) -> Article:
        published = datetime(2017, 11, day, tzinfo=UTC)
        return clean_article(Article(id=article_id, title="T", text=WIRE, source=source, published=published))

    wire, first = dated("wire", "Reuters", 8), dated("first", "courier.example", 9)
    second = dated("second", "courier.example", 10)
    articles = [wire, first, second]
    result = find_reuse(articles)
    assert len(result.pairs) == 3
    words = {article.id: len(article.body.split()) for article in articles}
    rows = attribution(articles, result.pairs, words)
    # The courier's second copy shows the same words in two pairs (from the wire, and from its first copy,
    # itself Reuters copy): counted once, so the courier reused all of its words from Reuters, no more.
    assert [(row.outlet, row.source, row.pairs) for row in rows] == [("courier.example", "Reuters", 3)]
    assert 0.95 <= rows[0].share <= 1.0


def test_a_reprint_of_a_reprint_points_to_the_reprint_and_its_group_to_the_wire():
    edited = WIRE.replace("a commander in the alliance said", "a commander in the alliance told reporters")
    wire = clean_article(
        Article(id="wire", title="T", text=WIRE, source="Reuters", published=datetime(2017, 11, 8, tzinfo=UTC))
    )
    reprint, again = _article("reprint", edited, 9), _article("again", edited.replace("Reuters", "news agencies"), 10)
    pairs = {(pair.a, pair.b): pair for pair in find_reuse([wire, reprint, again]).pairs}
    assert (pairs[("reprint", "again")].original, pairs[("reprint", "again")].group_original) == ("reprint", "wire")
    assert pairs[("wire", "again")].group_original == pairs[("wire", "reprint")].group_original == "wire"
    undecided = find_reuse([_undated("one", WIRE), _undated("two", WIRE)]).pairs[0]
    assert undecided.original is None and undecided.group_original is None


def test_two_copies_of_one_agency_story_are_both_credited_to_the_agency():
    first = clean_article(Article(id="first", title="T", text=WIRE, source="x.example"))
    second = clean_article(Article(id="second", title="T", text=WIRE, source="y.example"))
    articles = [first, second]
    (pair,) = find_reuse(articles).pairs
    assert pair.original is None and pair.original_reason.startswith("both carry Reuters copy")
    rows = attribution(articles, [pair], {article.id: len(article.body.split()) for article in articles})
    assert {(row.outlet, row.source) for row in rows} == {("x.example", "Reuters"), ("y.example", "Reuters")}


def test_a_copy_edit_in_the_first_or_last_words_of_a_shared_paragraph_stays_inside_the_shared_span():
    edited = WIRE.replace("Islamic State has been all but destroyed", "IS has almost been destroyed").replace(
        "near the Iraqi border.", "close to the border with Iraq."
    )
    wire, copy = _article("wire", WIRE, 8), _article("copy", edited, 9)
    (pair,) = find_reuse([wire, copy]).pairs
    shared = _shared_text(copy, pair.b_spans)
    assert "IS has almost been destroyed" in shared and shared.endswith("close to the border with Iraq.")


@settings(max_examples=200, deadline=None)
@given(
    paragraphs=st.lists(
        st.lists(st.sampled_from(["Kabul", "said", "the", "army", "(AFP)", "fire.", "“war”", "go!’)"]), min_size=1),
        min_size=1,
    ),
    cuts=st.lists(st.tuples(st.integers(0, 200), st.integers(1, 40)), max_size=4),
)
def test_spans_are_cut_at_each_paragraph_they_cross(paragraphs, cuts):
    """A span of words is cut at every paragraph edge it crosses (furniture between paragraphs is not
    shared), and runs on over the punctuation closing its last word, whichever paragraphs it starts in."""
    text, spans, position = "", [], 0
    for words in paragraphs:
        body = " ".join(words)
        spans.append((position, position + len(body)))
        text += body + "\n\nShare this\n\n"
        position = len(text)
    tokens = tokenize(text, spans)
    count = len(tokens)
    segments = np.array(
        [[min(first, count - 1), min(first + length, count)] * 2 for first, length in cuts], dtype=np.int64
    ).reshape(-1, 4)
    expected = set()
    for first, stop, _, _ in segments.tolist():
        end = re.compile(r"[.,;:!?\"'”’)\]]*").match(text, int(tokens.ends[stop - 1])).end()
        start = int(tokens.starts[first])
        expected |= {pos for low, high in spans for pos in range(max(start, low), min(end, high))}
    paragraphs = np.array(spans, dtype=np.int64)
    ends = span_ends(code_points(text), tokens.ends)
    found = character_spans(segments, 0, tokens.starts, ends, paragraphs[:, 0], paragraphs[:, 1]).tolist()
    assert {pos for start, end in found for pos in range(start, end)} == expected
    assert all(end < start for (_, end), (start, _) in itertools.pairwise(found))  # merged, apart
