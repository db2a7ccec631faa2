import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import CountVectorizer

from clustering.stories import term_counts as term_counts_module
from clustering.stories.lexicon import Lexicon, single_words
from clustering.stories.term_counts import TermCounts, count_terms
from clustering.stories.term_matrix import _TOKEN_PATTERN, TERM_SCHEME, sublinear_tfidf

_TEXTS = {
    "a": "Syrian army captured Albu Kamal",
    "b": "Albu Kamal fell; the army advanced",
    "c": "Mosul offensive began at dawn",
    "d": "Iraqi forces entered Mosul",
}


def _as_dict(term_counts: TermCounts) -> dict[str, dict[str, int]]:
    dense = term_counts.counts.toarray()
    return {
        article_id: {term: int(count) for term, count in zip(term_counts.terms.tolist(), row, strict=True) if count}
        for article_id, row in zip(term_counts.article_ids, dense, strict=True)
    }


def test_joined_counts_equal_counting_every_text_at_once():
    first = count_terms({key: _TEXTS[key] for key in "ab"})
    second = count_terms({key: _TEXTS[key] for key in "cd"})
    joined = first.joined(second)
    together = count_terms(_TEXTS)
    assert joined.terms.tolist() == together.terms.tolist() == sorted(together.terms.tolist())
    assert _as_dict(joined) == _as_dict(together)
    assert joined.counts.has_sorted_indices


def test_texts_counted_before_are_taken_from_the_known_counts(monkeypatch):
    known = count_terms(_TEXTS)
    counted: list[int] = []
    count = term_counts_module._count
    monkeypatch.setattr(
        term_counts_module,
        "_count",
        lambda ids, texts, languages: counted.append(len(texts)) or count(ids, texts, languages),
    )
    again = count_terms({key: _TEXTS[key] for key in "db"}, known)
    assert counted == [] and again.article_ids == ("d", "b")
    assert _as_dict(again) == {key: _as_dict(known)[key] for key in "db"}


def test_select_reorders_rows_and_drops_the_terms_left_unused():
    counts = count_terms(_TEXTS)
    selected = counts.select(["d", "a"])
    assert selected.article_ids == ("d", "a")
    assert _as_dict(selected) == {key: _as_dict(counts)[key] for key in "da"}
    assert "offensive" not in selected.terms.tolist() and "mosul" in selected.terms.tolist()
    assert selected.digests == (counts.digests[3], counts.digests[0])


def test_saved_counts_load_only_under_their_scheme_and_whole(tmp_path):
    counts = count_terms(_TEXTS)
    path = tmp_path / "terms.npz"
    counts.save(path)
    loaded = TermCounts.load(path, TERM_SCHEME)
    assert _as_dict(loaded) == _as_dict(counts) and loaded.digests == counts.digests
    assert TermCounts.load(path, "another scheme") is None
    assert TermCounts.load(tmp_path / "missing.npz", TERM_SCHEME) is None
    path.write_bytes(path.read_bytes()[:200])  # cut off, as by a full disk
    assert TermCounts.load(path, TERM_SCHEME) is None


def test_texts_without_terms_count_as_empty_rows():
    counts = count_terms({"a": "the and of", "b": "123 456"})
    assert counts.counts.shape == (2, 0) and counts.terms.tolist() == []
    joined = counts.joined(count_terms({"c": "Albu Kamal"}))
    assert joined.counts.shape == (3, 3) and np.asarray(joined.counts.sum(axis=1)).ravel().tolist() == [0, 0, 3]


def test_counts_are_what_the_term_vectorizer_counts():
    texts = [
        "The U.S.-backed Syrian Democratic Forces took al-Bukamal's outskirts in 2017; Iraq's army waited.",
        "Zürich's café-owners said it's 'over' — the 3rd time this year, and they were not amused!",
        "",
        "the and of 123",
        "Mosul Mosul mosul MOSUL offensive offensive",
    ]
    vectorizer = CountVectorizer(stop_words="english", ngram_range=(1, 2), token_pattern=_TOKEN_PATTERN)
    expected = vectorizer.fit_transform(texts).toarray()
    counted = term_counts_module._count([str(number) for number in range(len(texts))], texts, ["en"] * len(texts))
    assert counted.terms.tolist() == vectorizer.get_feature_names_out().tolist()
    assert np.array_equal(counted.counts.toarray(), expected) and counted.counts.has_sorted_indices


def test_sentence_vectors_count_the_lexicons_words_as_the_vectorizer_does():
    texts = {"a": "Syrian army captured Albu Kamal; the army advanced.", "b": "Mosul offensive began at dawn"}
    counts = count_terms(texts)
    lexicon = Lexicon.of(counts, counts.positions(["a", "b"]), stories=2)
    sentences = ["The army captured Albu Kamal, army sources said.", "Dawn broke over Mosul", "Nothing known here"]
    words = counts.terms[single_words(counts.terms)].tolist()
    vectorizer = CountVectorizer(stop_words="english", token_pattern=_TOKEN_PATTERN, vocabulary=words)
    expected = sublinear_tfidf(vectorizer.transform(sentences), lexicon.idf)
    assert np.array_equal(lexicon.sentence_vectors(sentences, ["en"] * len(sentences)).toarray(), expected.toarray())
    assert lexicon.sentence_vectors(sentences, ["en"] * len(sentences))[2].nnz == 0


def test_a_text_is_read_with_its_own_languages_stop_words():
    """German function words are not terms of a German text; English keeps scikit-learn's list."""
    from clustering.stories.term_matrix import words_of

    assert words_of("Der Präsident und die Regierung haben nicht gewartet", "de") == [
        "präsident",
        "regierung",
        "gewartet",
    ]
    assert words_of("The president and the government", "en") == ["president", "government"]
    # English's stay out of every language's text: a quote, or an English headline detected as German.
    assert words_of("The Bundestag and the Regierung", "de") == ["bundestag", "regierung"]
    # A language with no list of its own, or none known, is read with the English one.
    assert words_of("The president", "und") == words_of("The president", "xx") == ["president"]


def test_two_unrelated_german_reports_share_no_terms_through_function_words():
    from clustering.stories.clusterer import tfidf_vectors

    texts = [
        "Der Zug ist in Hamburg mit einer Verspätung von einer Stunde angekommen, und die Fahrgäste waren nicht froh.",
        "Die Regierung hat das Gesetz über die Steuer beschlossen, und der Minister war damit nicht zufrieden.",
    ]
    vectors = tfidf_vectors(texts, ["de", "de"])
    assert (vectors @ vectors.T).toarray()[0, 1] == 0.0
    # Read with English stop words, "der", "die", "und" and "nicht" made them alike.
    english = tfidf_vectors(texts)
    assert (english @ english.T).toarray()[0, 1] > 0.3


def test_chinese_is_cut_into_words_and_one_events_reports_share_them():
    from clustering.stories.clusterer import tfidf_vectors
    from clustering.stories.term_matrix import words_of

    # No clause is one word: names and words come out whole, the stop words ("的", "在") left out.
    assert words_of("特朗普在白宫会见了日本首相的代表团", "zh")[:2] == ["特朗普", "白宫"]
    assert "的" not in words_of("特朗普在白宫会见了日本首相的代表团", "zh")
    texts = [
        "叙利亚军队周三攻占了阿布卡迈勒，伊斯兰国失去最后据点。",
        "伊斯兰国在叙利亚的最后据点阿布卡迈勒被军队攻占。",
    ]
    vectors = tfidf_vectors(texts, ["zh", "zh"])
    assert (vectors @ vectors.T).toarray()[0, 1] > 0.3


_SCRIPTS = st.text(alphabet=st.sampled_from(list("特朗普在白宫会见日本首相東京都のabc-")), min_size=1, max_size=30)


@settings(deadline=None)  # the first example loads a language's word list
@given(token=_SCRIPTS, language=st.sampled_from(["zh", "ja", "th", "en"]))
def test_an_unspaced_token_is_cut_into_words_that_cover_it(token, language):
    """Words with a list cover the token once each, in order; the pairs of characters without one cover
    every character, overlapping by one."""
    from clustering.stories.term_matrix import unspaced_spans

    spans = unspaced_spans(token, language)
    assert spans and spans[0][0] == 0 and spans[-1][1] == len(token)
    assert all(start < end for start, end in spans)
    if language in ("zh", "ja"):
        assert all(end == start for (_, end), (start, _) in itertools.pairwise(spans))
    else:
        assert all(0 <= end - start <= 1 for (_, end), (start, _) in itertools.pairwise(spans))


def test_a_text_counted_in_another_language_is_counted_again():
    text = {"a": "Die Regierung und der Minister"}
    german = count_terms(text, languages={"a": "de"})
    assert "und" not in german.terms.tolist()
    assert "und" in count_terms(text, german, {"a": "en"}).terms.tolist()


def test_words_keep_their_combining_marks():
    """A Devanagari vowel sign is part of its word: re's \\w cut "बड़ी" to "बड" and "दिल्ली" to three letters."""
    from clustering.stories.term_matrix import words_of

    assert words_of("दिल्ली में एक बड़ी आग लगी", "hi") == ["दिल्ली", "बड़ी", "आग", "लगी"]
