import dataclasses
from datetime import UTC, datetime

from datasketch import MinHashLSH

from clustering.clean import clean_article
from clustering.minhash import MinHashConfig, jaccard, normalised_words, shingles, signatures
from clustering.records import Article
from clustering.reuse import ReuseConfig, find_reuse

ORIGINAL = """Syria's army and its allies captured Islamic State's last stronghold in Syria on Wednesday, a commander in
the alliance said, bringing the self-declared caliphate close to complete downfall. The last stronghold of the
group, Albu Kamal, is free of the organization, said the commander in the military alliance supporting the
Syrian President. Islamic State has been all but destroyed over the past two years. At the height of its power
in 2015, it ruled an expanse of Iraq and Syria, eradicating the border, printing money, imposing draconian laws
and plotting attacks across the world. On Wednesday, after a months-long advance through central and eastern
Syria, the Syrian army and allied militias encircled and attacked Albu Kamal."""

UNRELATED = """The central bank left interest rates unchanged on Thursday and said inflation would stay above its
target for most of next year, as energy prices and wages keep rising faster than expected. Economists had
expected the decision, though two members of the committee voted for an increase of a quarter point."""


def _reprint(text: str) -> str:
    """An outlet's reprint: its own furniture around the copy, a light copy-edit, and reader comments."""
    edited = text.replace("a commander in\nthe alliance said", "a commander in\nthe alliance told reporters")
    return f"Share:\n\n2 min read\n\n{edited}\n\nComments\n\nGreat, finally some good news from the region!"


def _articles() -> list[Article]:
    rows = [
        Article(
            id="wire", title="Army takes last IS stronghold", text=ORIGINAL, published=datetime(2017, 11, 8, tzinfo=UTC)
        ),
        Article(id="bank", title="Rates on hold", text=UNRELATED, published=datetime(2017, 11, 9, tzinfo=UTC)),
        Article(
            id="reprint",
            title="Army takes last IS stronghold",
            text=_reprint(ORIGINAL),
            published=datetime(2017, 11, 9, tzinfo=UTC),
        ),
    ]
    return [clean_article(article) for article in rows]


def _dedup(articles, config=ReuseConfig()):
    minhash_config = MinHashConfig()
    shingle_sets = [shingles(a.body, minhash_config.shingle_words) for a in articles]
    return find_reuse(articles, shingle_sets, signatures(shingle_sets, minhash_config), config, minhash_config)


def test_reprint_with_furniture_and_edits_is_a_duplicate_of_the_earlier_original():
    result = _dedup(_articles())
    assert result.duplicate_of == {"reprint": "wire"}
    assert [(pair.a, pair.b) for pair in result.pairs] == [("wire", "reprint")]
    assert result.pairs[0].jaccard > 0.8
    assert result.canonical("reprint") == "wire"
    assert result.canonical("bank") == "bank"


def test_canonical_is_the_earliest_even_when_read_later():
    wire, bank, reprint = _articles()
    earlier_reprint = dataclasses.replace(reprint, published=datetime(2017, 11, 7, tzinfo=UTC))
    assert _dedup([wire, bank, earlier_reprint]).duplicate_of == {"wire": "reprint"}


def test_partial_reuse_is_a_pair_but_not_a_duplicate():
    wire, bank, _ = _articles()
    half = " ".join(ORIGINAL.split()[:60])
    mixed = clean_article(Article(id="mixed", text=f"{half}\n\n{UNRELATED}\n\n{UNRELATED.upper()}"))
    result = _dedup([wire, bank, mixed])
    assert result.duplicate_of == {}
    assert {(pair.a, pair.b) for pair in result.pairs} >= {("wire", "mixed")}


def test_shingles_fold_case_punctuation_and_accents():
    assert normalised_words("Al-Bukamal, Café!") == ["al", "bukamal", "cafe"]
    assert shingles("one two", 5) == {b"one two"}
    assert shingles("", 5) == set()
    assert len(shingles("a b c d e f", 5)) == 2


def test_signatures_estimate_jaccard_and_fit_datasketch_lsh():
    config = MinHashConfig(num_perm=256)
    first, second = shingles(ORIGINAL, 3), shingles(ORIGINAL.replace("Wednesday", "Thursday"), 3)
    one, two = signatures([first, second], config)
    assert abs(one.jaccard(two) - jaccard(first, second)) < 0.1
    lsh = MinHashLSH(threshold=0.5, num_perm=256)
    lsh.insert("one", one)
    assert lsh.query(two) == ["one"]
