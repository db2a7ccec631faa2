import re
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
import wordfreq

from clustering.records import Article, DedupResult
from clustering.stories import clusterer as cluster
from clustering.stories import names, neighbours
from clustering.stories.assign import assign_articles, cluster_articles
from clustering.stories.clusterer import StoryClusterer
from clustering.stories.names import name_keys, skeleton
from clustering.stories.neighbours import neighbour_pairs
from clustering.stories.similarity import day_gaps, time_gap_penalty, time_proximity, timestamps
from clustering.stories.term_counts import count_terms


def _blobs(centres: int, per_centre: int, spread: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    directions = rng.normal(size=(centres, 32))
    points = np.repeat(directions, per_centre, axis=0) + spread * rng.normal(size=(centres * per_centre, 32))
    return points / np.linalg.norm(points, axis=1, keepdims=True), np.repeat(np.arange(centres), per_centre)


def test_separated_groups_become_stories():
    embeddings, truth = _blobs(centres=4, per_centre=6, spread=0.05)
    labels = StoryClusterer().fit_predict(embeddings)
    assert len(set(labels)) == 4
    for story in range(4):
        assert len(set(labels[truth == story])) == 1


def test_noise_becomes_single_article_stories_and_labels_are_deterministic():
    # Two related stories (centres at cosine 0.5) and three articles unlike anything else.
    rng = np.random.default_rng(7)
    basis = np.eye(32)
    centres = [basis[0] + basis[1], basis[0] + basis[2]]
    stories = [centre + 0.05 * rng.normal(size=32) for centre in centres for _ in range(5)]
    data = np.vstack([*stories, basis[10], basis[11], basis[12]])
    data /= np.linalg.norm(data, axis=1, keepdims=True)
    clusterer = StoryClusterer().fit(data)
    assert clusterer.n_stories_ == 5
    assert len(set(clusterer.labels_[-3:])) == 3
    assert np.array_equal(clusterer.labels_, StoryClusterer().fit_predict(data))
    assert list(clusterer.labels_[:5]) == [0] * 5  # numbered in order of first appearance


def test_one_story_among_strays_is_found():
    # HDBSCAN alone never returns its root cluster: three close articles and two strays are all noise.
    embeddings, _ = _blobs(centres=1, per_centre=3, spread=0.05)
    rng = np.random.default_rng(3)
    strays = rng.normal(size=(2, 32))
    data = np.vstack([embeddings, strays / np.linalg.norm(strays, axis=1, keepdims=True)])
    assert list(StoryClusterer().fit_predict(data)) == [0, 0, 0, 1, 2]


def test_tiny_inputs():
    assert list(StoryClusterer().fit_predict(np.zeros((0, 4)))) == []
    assert list(StoryClusterer().fit_predict(np.ones((1, 4)) / 2)) == [0]


def test_time_penalty_and_proximity():
    day = datetime(2020, 1, 1, tzinfo=UTC)
    dates = [day, day + timedelta(days=10), day + timedelta(days=60), None]
    gaps = day_gaps(timestamps(dates), np.zeros(4, dtype=int), np.arange(4))
    penalty = time_gap_penalty(gaps, window_days=14)
    assert penalty[1] == 0.0 and penalty[2] == 1.0 and penalty[3] == 0.0
    proximity = time_proximity(gaps, scale_days=7)
    assert proximity[0] == 1.0 and 0 < proximity[1] < 0.5 and proximity[3] == 0.0


def test_articles_weeks_apart_split_despite_identical_text():
    embeddings, _ = _blobs(centres=1, per_centre=6, spread=0.02)
    start = datetime(2020, 1, 1, tzinfo=UTC)
    dates = [start] * 3 + [start + timedelta(days=90)] * 3
    labels = StoryClusterer().fit_predict(embeddings, dates=dates)
    assert labels[0] == labels[2] and labels[3] == labels[5] and labels[0] != labels[3]


def test_spelling_variants_of_names_share_keys():
    assert skeleton("Soleimani") == skeleton("Sulimani")
    assert "~" + skeleton("Albukamal") in name_keys("The army took Albu Kamal on Sunday.")
    assert "~" + skeleton("Albukamal") in name_keys("Fighters left Al-Bukamal.")
    assert "the" not in name_keys("The army moved.")


def test_names_in_other_scripts_meet_their_latin_spelling_and_not_each_other():
    """A Cyrillic name's skeleton is read in Latin letters: "Путин" meets "Putin"; two Russian reports
    naming different people share no key (every Cyrillic name had the empty skeleton before)."""
    assert skeleton("Путин") == skeleton("Putin") and skeleton("Меркель") == skeleton("Merkel")
    first = name_keys("Премьер Шольц приехал в Париж.")
    second = name_keys("Футболист Месси забил гол.")
    assert not set(first) & set(second)
    assert all(key != "~" for key in first + second)


@pytest.mark.parametrize(
    "word",
    ["the", "syria", "albukamal", "Mosul", "hezbollah", "qwzxv", "o'brien", "al-bukamal", "zürich", "l'aquila", "a"],
)
def test_name_rarity_reads_wordfreq_as_its_own_lookup_does(word):
    assert names.zipf(word) == wordfreq.zipf_frequency(word, "en")


def test_name_keys_close_runs_where_word_by_word_tokens_would():
    word_or_end = re.compile(r"[^\W\d_][\w'’-]*|(?<=[.!?])\s|\n")  # one word, sentence end or line break

    def word_by_word(text):
        keys, run = [], []
        for token in [*word_or_end.findall(text), "."]:
            if token[0].isupper() and token.lower() not in names._FUNCTION_WORDS:
                run.append(token)
            elif run:
                keys, run = keys + names._keys_of_run(tuple(run)), []
        return keys

    text = (
        "Forces of the Syrian Army, backed by Hezbollah, took Albu Kamal. The U.S.-led coalition said 370th "
        "Brigade and Abu Bakr al-Baghdadi's men left; über-Élite units_of Deir ez-Zor Province stayed.\n"
        "New York Times reported: é Ahmed Abdullah ça Va, and Qassem Soleimani arrived... In Mosul"
    )
    assert name_keys(text) == word_by_word(text)
    assert name_keys("they took Albu Kamal")[:2] == ["albu", "kamal"]


def test_reprints_follow_their_original():
    embeddings, _ = _blobs(centres=2, per_centre=3, spread=0.05)
    articles = [Article(id=str(i), text="x", body=f"body {i}") for i in range(6)]
    # Article 5 is a reprint of article 0, however far its own embedding lies.
    embeddings[5] = -embeddings[0]
    dedup = DedupResult(pairs=[], duplicate_of={"5": "0"})
    labels = cluster_articles(articles, embeddings, dedup, StoryClusterer())
    assert labels[5] == labels[0]


def test_short_texts_lean_on_embeddings_long_texts_on_names():
    embeddings = np.eye(2, dtype=np.float32)  # unrelated by meaning
    short = ["Zelenskyy Kyiv", "Zelenskyy Kyiv"]
    long = [" ".join(["Zelenskyy Kyiv Odesa Mykolaiv"] * 40)] * 2
    clusterer = StoryClusterer(full_length_words=100)
    short_distance = clusterer.distance_graph(embeddings, short)[0, 1]
    long_distance = clusterer.distance_graph(embeddings, long)[0, 1]
    assert short_distance > 0.9  # two words of evidence: the embeddings decide
    assert long_distance < 0.5  # a page of the same rare names: the names count in full


def test_min_cluster_size_scales_with_the_corpus():
    assert StoryClusterer().min_cluster_size_for(5) == 3
    assert StoryClusterer().min_cluster_size_for(3000) == 11
    assert StoryClusterer(min_cluster_size=4).min_cluster_size_for(3000) == 4


def test_noise_close_to_a_story_joins_it():
    rng = np.random.default_rng(5)
    basis = np.eye(32)
    story = [basis[0] + 0.03 * rng.normal(size=32) for _ in range(6)]
    near = basis[0] + 0.6 * basis[1]  # cosine distance about 0.14 from the story
    data = np.vstack([*story, near, basis[20]])
    data /= np.linalg.norm(data, axis=1, keepdims=True)
    labels = StoryClusterer(noise_join_distance=0.5).fit_predict(data)
    assert labels[6] == labels[0] and labels[7] != labels[0]
    strict = StoryClusterer(noise_join_distance=0.0).fit_predict(data)
    assert strict[7] != strict[0]


def test_three_unrelated_articles_stay_three_stories():
    data = np.eye(32)[:3]
    assert sorted(StoryClusterer().fit_predict(data).tolist()) == [0, 1, 2]


def test_candidate_pairs_hold_each_articles_nearest_neighbours():
    embeddings, _ = _blobs(centres=3, per_centre=10, spread=0.3, seed=2)
    rows, cols = neighbour_pairs(embeddings, n_neighbors=4)
    assert (rows < cols).all() and len(set(zip(rows.tolist(), cols.tolist(), strict=True))) == len(rows)
    pairs = set(zip(rows.tolist(), cols.tolist(), strict=True))
    similarity = embeddings @ embeddings.T
    np.fill_diagonal(similarity, -np.inf)
    for article in range(len(embeddings)):
        for neighbour in np.argsort(-similarity[article])[:4]:
            assert (min(article, neighbour), max(article, neighbour)) in pairs
    small_rows, _ = neighbour_pairs(embeddings[:5], n_neighbors=4)
    assert len(small_rows) == 10  # a corpus no larger than the neighbourhood is compared in full


def test_numpy_and_torch_neighbour_searches_agree(monkeypatch):
    vectors = np.random.default_rng(5).normal(size=(300, 16)).astype(np.float32)
    sources = [0, 7, 150, 299]
    found = {}
    for limit in (10**9, 0):  # numpy below the limit, torch above it
        monkeypatch.setattr(neighbours, "_NUMPY_SEARCH_LIMIT", limit)
        found[limit] = [set(row) for row in neighbours.nearest_neighbours(vectors, sources, 12).tolist()]
    similarity = vectors @ vectors.T
    np.fill_diagonal(similarity, -np.inf)
    assert found[0] == found[10**9] == [set(np.argsort(-similarity[row])[:12].tolist()) for row in sources]


def test_neighbour_graph_finds_the_same_stories_as_all_pairs():
    embeddings, truth = _blobs(centres=8, per_centre=12, spread=0.2, seed=4)
    full = StoryClusterer(n_neighbors=len(embeddings)).fit_predict(embeddings)
    sparse_graph = StoryClusterer(n_neighbors=15).fit_predict(embeddings)
    assert full.tolist() == sparse_graph.tolist()
    assert len(set(full)) == 8 and all(len(set(full[truth == story])) == 1 for story in range(8))


def _incremental_corpus() -> tuple[list[Article], np.ndarray, dict[str, int]]:
    """Two stored stories of six, two lone stored articles, and six new articles."""
    rng = np.random.default_rng(11)
    basis = np.eye(32)

    def near(*axes: int) -> np.ndarray:
        return sum(basis[axis] for axis in axes) + 0.03 * rng.normal(size=32)

    rows = [near(0) for _ in range(6)] + [near(1) for _ in range(6)] + [near(2), near(3)]
    story_of = {str(index): 0 if index < 6 else 1 for index in range(12)} | {"12": 2, "13": 3}
    # New: one close to story 0; two close to the lone article 12; three close together, like nothing stored.
    rows += [near(0), near(2), near(2), near(4), near(4), near(4)]
    embeddings = np.vstack(rows)
    embeddings /= np.linalg.norm(embeddings, axis=1, keepdims=True)
    articles = [Article(id=str(index), text="x", body=f"body {index}") for index in range(len(rows))]
    return articles, embeddings, story_of


def test_new_articles_join_their_stories_and_the_rest_form_new_ones():
    articles, embeddings, story_of = _incremental_corpus()
    labels = assign_articles(articles, embeddings, DedupResult(pairs=[], duplicate_of={}), StoryClusterer(), story_of)
    assert labels[:12].tolist() == [0] * 6 + [1] * 6 and labels[13] == 3  # stories keep their articles
    assert labels[14] == 0  # joined the story it belongs to
    assert labels[12] == labels[15] == labels[16] and labels[12] not in (0, 1, 2, 3)  # the lone one grew
    assert len({labels[17], labels[18], labels[19]}) == 1 and labels[17] not in set(labels[:17].tolist())


def test_a_new_article_joins_from_as_far_as_a_storys_members_link_when_that_story_is_its_nearest():
    # A stored story of six along axis 0; a new article at cosine distance about 0.68 from it (farther than
    # noise joins, closer than members link). Alone, it joins; beside a closer lone stored article, it
    # does not (its nearest of all is not in the story).
    articles, embeddings, story_of = _incremental_corpus()
    basis = np.eye(32)
    far = basis[0] + 3.0 * basis[5]
    far /= np.linalg.norm(far)
    distance = 1 - float(embeddings[:6].mean(axis=0) @ far / np.linalg.norm(embeddings[:6].mean(axis=0)))
    assert 0.6 < distance < 0.75
    no_dedup = DedupResult(pairs=[], duplicate_of={})
    alone = np.vstack([embeddings[:14], far])
    labels = assign_articles(
        [*articles[:14], Article(id="new", text="x", body="b")], alone, no_dedup, StoryClusterer(), story_of
    )
    assert labels[14] == labels[0]
    lone = basis[5] + 0.05 * basis[0]
    beside = np.vstack([embeddings[:14], lone / np.linalg.norm(lone), far])
    stored = {**story_of, "lone": 4}
    extended = [*articles[:14], Article(id="lone", text="x", body="c"), Article(id="new", text="x", body="b")]
    labels = assign_articles(extended, beside, no_dedup, StoryClusterer(), stored)
    assert labels[15] != labels[0]


def _with_new(vectors: list[np.ndarray], stored: dict[str, int] | None = None):
    """The stored corpus of ``_incremental_corpus`` (less its new articles) and new articles at ``vectors``."""
    articles, embeddings, story_of = _incremental_corpus()
    rows = [vector / np.linalg.norm(vector) for vector in vectors]
    new = [Article(id=f"new{index}", text="x", body=f"new {index}") for index in range(len(rows))]
    labels = assign_articles(
        [*articles[:14], *new],
        np.vstack([embeddings[:14], *rows]),
        DedupResult(pairs=[], duplicate_of={}),
        StoryClusterer(),
        stored or story_of,
    )
    return labels[:14], labels[14:]


def test_a_new_article_follows_a_new_one_that_joined_a_story_as_a_story_grows_by_its_chains():
    basis = np.eye(32)
    # The first joins story 0 (cosine distance 0.29); the second is 0.81 from the story, out of reach, but
    # 0.73 from the first: it joins once the first has.
    stored, new = _with_new([basis[0] + basis[8], basis[0] + basis[8] + 5 * basis[9]])
    assert new.tolist() == [stored[0], stored[0]]
    alone, (second,) = _with_new([basis[0] + basis[8] + 5 * basis[9]])
    assert second != alone[0]  # without the first, nothing links it to the story


def test_two_new_reports_nearest_each_other_join_the_story_nearest_them_both():
    basis = np.eye(32)
    rng = np.random.default_rng(3)
    pair = [basis[0] + 3 * basis[7] + 0.05 * rng.normal(size=32) for _ in range(2)]  # 0.68 from story 0
    stored, new = _with_new(pair)
    assert new.tolist() == [stored[0], stored[0]]
    # Beside a stored lone article nearer to them than the story, they do not join the story.
    articles, embeddings, story_of = _incremental_corpus()
    lone = basis[7] + 0.05 * basis[0]
    extended = [*articles[:14], Article(id="lone", text="x", body="c")]
    extra = [Article(id=f"new{index}", text="x", body=f"new {index}") for index in range(2)]
    labels = assign_articles(
        [*extended, *extra],
        np.vstack([embeddings[:14], lone / np.linalg.norm(lone), *(p / np.linalg.norm(p) for p in pair)]),
        DedupResult(pairs=[], duplicate_of={}),
        StoryClusterer(),
        {**story_of, "lone": 4},
    )
    assert labels[15] == labels[16] != labels[0]


def _clustered_with_stored(vectors: list[np.ndarray]) -> np.ndarray:
    """Labels of clustering ``_incremental_corpus``'s stored articles and new ones at ``vectors`` at once."""
    articles, embeddings, _ = _incremental_corpus()
    rows = [vector / np.linalg.norm(vector) for vector in vectors]
    new = [Article(id=f"new{index}", text="x", body=f"new {index}") for index in range(len(rows))]
    return cluster_articles(
        [*articles[:14], *new],
        np.vstack([embeddings[:14], *rows]),
        DedupResult(pairs=[], duplicate_of={}),
        StoryClusterer(),
    )


def test_a_burst_of_new_reports_on_a_new_event_is_a_story_of_its_own_not_the_older_one_near_it():
    basis = np.eye(32)
    rng = np.random.default_rng(4)
    # Eight reports, each 0.56 from stored story 0 (close enough to join it one by one), 0.02 from each other.
    burst = [basis[0] + 2.0 * basis[10] + 0.05 * rng.normal(size=32) for _ in range(8)]
    stored, new = _with_new(burst)
    assert len(set(new.tolist())) == 1 and new[0] not in set(stored.tolist())
    assert stored[:6].tolist() == [stored[0]] * 6  # the story keeps its articles
    whole = _clustered_with_stored(burst)
    assert whole[14] != whole[0]  # as clustering everything parts them
    # Eight new reports like the story's own (as near its articles as they are to each other) go on it.
    going_on = [basis[0] + 0.03 * rng.normal(size=32) for _ in range(8)]
    stored, new = _with_new(going_on)
    assert new.tolist() == [stored[0]] * 8


@pytest.mark.parametrize("offset", [0.3, 1.1])
def test_new_reports_nearer_each_other_than_to_their_story_but_near_it_go_on_it(offset: float):
    """Live updates of a story, nearly one text (0.01 apart) and 0.05 or 0.33 from the story's articles:
    clustering everything keeps them in it, and so does assignment. Clustered with the story alone, the
    story and the updates are HDBSCAN's root, which it never returns: the two came out as its parts."""
    rng = np.random.default_rng(4)
    basis = np.eye(32)
    updates = [basis[0] + offset * basis[10] + 0.01 * rng.normal(size=32) for _ in range(8)]
    whole = _clustered_with_stored(updates)
    assert whole[14:].tolist() == [whole[0]] * 8
    stored, new = _with_new(updates)
    assert new.tolist() == [stored[0]] * 8


def test_new_reports_like_nothing_stored_form_one_story_as_clustering_everything_would():
    """A story that broke late: twelve new reports far from every stored story, in two angles 0.18 apart.
    Clustered alone, they were HDBSCAN's root, which it never returns: they came out as two stories."""
    rng = np.random.default_rng(5)
    basis = np.eye(32)
    angle = [basis[20] + 0.01 * rng.normal(size=32) for _ in range(6)]
    other_angle = [basis[20] + 0.7 * basis[21] + 0.01 * rng.normal(size=32) for _ in range(6)]
    whole = _clustered_with_stored(angle + other_angle)
    assert whole[14:].tolist() == [whole[14]] * 12
    stored, new = _with_new(angle + other_angle)
    assert new.tolist() == [new[0]] * 12 and new[0] not in set(stored.tolist())
    # Two events far apart stay two stories.
    elsewhere = [basis[25] + 0.01 * rng.normal(size=32) for _ in range(6)]
    stored, new = _with_new(angle + elsewhere)
    assert len(set(new[:6].tolist())) == len(set(new[6:].tolist())) == 1 and new[0] != new[6]


def test_new_reprints_follow_their_original_and_a_new_original_takes_its_reprints_story():
    articles, embeddings, story_of = _incremental_corpus()
    embeddings[14] = -embeddings[14]  # far from everything by meaning, but a reprint of article 6
    embeddings[17] = -embeddings[17]
    story_of["17"] = 1  # a stored article that turns out to reprint the new article 18
    dedup = DedupResult(pairs=[], duplicate_of={"14": "6", "17": "18"})
    labels = assign_articles(articles, embeddings, dedup, StoryClusterer(), story_of)
    assert labels[14] == 1 and labels[18] == labels[17] == 1


def test_stored_term_counts_cluster_as_the_texts_do():
    rng = np.random.default_rng(5)
    pools = [[f"quake{n} island{n}" for n in range(40)], [f"heist{n} jewel{n}" for n in range(40)]]
    articles = [
        Article(id=f"{pool}-{n}", text="x", body=" ".join(rng.choice(pools[pool], 40)))
        for pool in (0, 1)
        for n in range(8)
    ]
    embeddings = np.tile(np.eye(8)[0], (len(articles), 1))  # meaning says nothing: the words decide
    dedup = DedupResult(pairs=[], duplicate_of={"1-7": "1-6"})
    texts = {a.id: a.titled_body for a in reversed(articles) if a.id not in dedup.duplicate_of}
    term_counts = count_terms({"other": "unrelated words here", **texts})  # other rows, in another order
    labels = cluster_articles(articles, embeddings, dedup, StoryClusterer(), term_counts)
    assert labels.tolist() == cluster_articles(articles, embeddings, dedup, StoryClusterer()).tolist()
    assert labels.tolist() == [0] * 8 + [1] * 8
    story_of = {a.id: int(label) for a, label in zip(articles[:-3], labels, strict=False)}
    assigned = assign_articles(articles, embeddings, dedup, StoryClusterer(), story_of, term_counts)
    assert assigned.tolist() == assign_articles(articles, embeddings, dedup, StoryClusterer(), story_of).tolist()
    assert assigned.tolist() == labels.tolist()


def test_assigning_nothing_new_changes_nothing():
    articles, embeddings, story_of = _incremental_corpus()
    known = articles[:14]
    labels = assign_articles(known, embeddings[:14], DedupResult(pairs=[], duplicate_of={}), StoryClusterer(), story_of)
    assert labels.tolist() == [story_of[article.id] for article in known]


def test_pair_cosines_of_sparse_rows_equal_the_dense_products(monkeypatch):
    from scipy import sparse

    from clustering.stories import similarity
    from clustering.stories.similarity import pair_cosines

    rng = np.random.default_rng(0)
    dense = rng.random((40, 60)) * (rng.random((40, 60)) < 0.2)  # rows share some columns, some none
    dense /= np.maximum(np.linalg.norm(dense, axis=1, keepdims=True), 1e-12)
    matrix = sparse.csr_matrix(dense[:, ::-1])[:, ::-1]  # column indices out of order, as slicing leaves them
    rows, cols = rng.integers(0, 40, 500), rng.integers(0, 40, 500)
    expected = np.einsum("ij,ij->i", dense[rows], dense[cols])
    np.testing.assert_allclose(pair_cosines(matrix, rows, cols), expected, atol=1e-6)
    np.testing.assert_allclose(pair_cosines(dense, rows, cols), expected, atol=1e-6)
    monkeypatch.setattr(similarity, "_PAIR_CHUNK", 64)  # dense pairs are taken in chunks, the last one short
    np.testing.assert_allclose(pair_cosines(dense, rows, cols), expected, atol=1e-6)


def test_tfidf_vectors_are_scikit_learns():
    from sklearn.feature_extraction.text import TfidfVectorizer

    from clustering.stories.term_matrix import _TOKEN_PATTERN

    texts = [
        "The Syrian army took Albu Kamal; the army said so twice, in 2017.",
        "Zürich's café-owners said it's over — 3rd time, and the Syrian army was not amused!",
        "Iraqi forces entered Mosul as the offensive began; Albu Kamal fell in 2017",
        "Iraqi forces and the Syrian army: Zürich's view",
        "the and of",
    ]
    expected = TfidfVectorizer(
        sublinear_tf=True,
        stop_words="english",
        ngram_range=(1, 2),
        min_df=2,
        token_pattern=_TOKEN_PATTERN,
        dtype=np.float32,
    ).fit_transform(texts)
    vectors = cluster.tfidf_vectors(texts)
    assert np.array_equal(vectors.toarray(), expected.toarray())
    assert vectors[0].nnz < len(set(texts[0].lower().split()))  # terms of one text left out
    assert cluster.tfidf_vectors(["the and of", "a"]).nnz == 0
    assert cluster.tfidf_vectors(["Mosul offensive", "Albu Kamal"]).nnz == 0  # no term in two texts


def test_the_clusterer_is_a_scikit_learn_estimator():
    from sklearn.base import clone

    clusterer = StoryClusterer(min_cluster_size=4, lexical_weight=0.3)
    copy = clone(clusterer)
    assert copy is not clusterer and copy.get_params() == clusterer.get_params()
    assert copy.set_params(name_weight=0.1) is copy and copy.name_weight == 0.1 and clusterer.name_weight == 0.5
    assert "lexical_weight=0.3" in repr(clusterer)
    embeddings = np.eye(6, dtype=np.float32)[[0, 0, 0, 1, 1, 1]] + 0.01 * np.arange(6)[:, None]
    fitted = StoryClusterer(min_cluster_size=3).fit(embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True))
    assert fitted.n_stories_ == 2 and fitted.min_cluster_size_ == 3 and len(fitted.labels_) == 6
    assert not hasattr(clone(fitted), "labels_")


def _glued_corpus(gap: float, new_axis: int) -> tuple[list[Article], np.ndarray, dict[str, int]]:
    """Two events of one subject, of seven and six articles at a ``gap`` along axis 5, that the run before
    joined as one stored story; two unrelated stored stories; two new reports near axis ``new_axis``."""
    rng = np.random.default_rng(12)
    basis = np.eye(32)

    def near(axis: int, shift: float = 0.0) -> np.ndarray:
        return basis[axis] + shift * basis[5] + 0.03 * rng.normal(size=32)

    rows = [near(0) for _ in range(7)] + [near(0, gap) for _ in range(6)]
    rows += [near(axis) for axis in (2, 3) for _ in range(6)] + [near(new_axis) for _ in range(2)]
    embeddings = np.vstack(rows)
    embeddings /= np.linalg.norm(embeddings, axis=1, keepdims=True)
    articles = [Article(id=str(index), text="x", body=f"body {index}") for index in range(len(rows))]
    return articles, embeddings, {str(index): 0 if index < 13 else 1 if index < 19 else 2 for index in range(25)}


@pytest.mark.parametrize("gap", [1.0, 1.5, 3.0])
def test_a_stored_story_that_joined_two_events_is_parted_once_new_reports_touch_it_as_clustering_all_would(
    gap: float,
):
    """Seen on ECB+ draws: the run over the older 95 % joined two events of one topic, which the run over
    everything parts; one new report on either is enough for assignment to part them as that run does."""
    no_dedup = DedupResult(pairs=[], duplicate_of={})
    articles, embeddings, story_of = _glued_corpus(gap, new_axis=0)
    whole = cluster_articles(articles, embeddings, no_dedup, StoryClusterer())
    labels = assign_articles(articles, embeddings, no_dedup, StoryClusterer(), story_of)
    assert (whole[0] == whole[7]) == (labels[0] == labels[7]) == (gap < 1.5)  # 1.0: one event, either way
    assert labels[:7].tolist() == [0] * 7 and labels[25:].tolist() == [0, 0]  # the larger keeps the story
    assert len(set(labels[7:13].tolist())) == 1 and labels[13:25].tolist() == [1] * 6 + [2] * 6
    # New reports that touch another story leave the joined one as it was: stories keep their articles.
    articles, embeddings, story_of = _glued_corpus(gap, new_axis=2)
    labels = assign_articles(articles, embeddings, no_dedup, StoryClusterer(), story_of)
    assert labels[:13].tolist() == [0] * 13 and labels[25:].tolist() == [1, 1]


def _gap_filled_corpus(gap: float, dated: bool) -> tuple[list[Article], np.ndarray, dict[str, int]]:
    """Two stored stories of one subject at a ``gap`` along axis 5, reported over the same three days (or
    undated) and parted by the run over them, two unrelated stored stories, and three new reports between
    the two."""
    rng = np.random.default_rng(13)
    basis = np.eye(32)

    def near(axis: int, shift: float = 0.0) -> np.ndarray:
        return basis[axis] + shift * basis[5] + 0.15 * rng.normal(size=32)

    rows = [near(0) for _ in range(6)] + [near(0, gap) for _ in range(6)]
    rows += [near(axis) for axis in (2, 3) for _ in range(6)] + [near(0, gap / 2) for _ in range(3)]
    embeddings = np.vstack(rows)
    embeddings /= np.linalg.norm(embeddings, axis=1, keepdims=True)
    day = datetime(2024, 3, 1, tzinfo=UTC)
    articles = [
        Article(
            id=str(index), text="x", body=f"body {index}", published=day + timedelta(days=index % 3) if dated else None
        )
        for index in range(len(rows))
    ]
    before = cluster_articles(articles[:24], embeddings[:24], DedupResult(pairs=[], duplicate_of={}), StoryClusterer())
    return articles, embeddings, {str(index): int(label) for index, label in enumerate(before)}


@pytest.mark.parametrize("gap", [3.1, 3.5])
def test_new_reports_between_two_stories_of_the_same_days_merge_them_as_a_run_over_all_merges_them(gap: float):
    """The run merges stories whose articles are near on average (``story_merge_distance``); new reports
    between two stored stories bring their average under the limit, and assignment merges them too."""
    no_dedup = DedupResult(pairs=[], duplicate_of={})
    for dated in (True, False):
        articles, embeddings, story_of = _gap_filled_corpus(gap, dated)
        assert story_of["0"] != story_of["6"]  # the run over the stored articles parted the two
        whole = cluster_articles(articles, embeddings, no_dedup, StoryClusterer())
        labels = assign_articles(articles, embeddings, no_dedup, StoryClusterer(), story_of)
        assert (whole[0] == whole[6]) == (labels[0] == labels[6]) == dated  # undated, nothing says one story
        assert labels[12:24].tolist() == [story_of[str(index)] for index in range(12, 24)]  # the others stay


def _bridged_corpus(gap: float) -> tuple[list[Article], np.ndarray, dict[str, int]]:
    """Two stored stories of one subject at a ``gap`` along axis 6 (the run over them alone parts them),
    three unrelated stored stories, and eight new reports that fill the gap between the two."""
    rng = np.random.default_rng(7)
    basis = np.eye(32)

    def at(t: float, axis: int = 0, side: int = 6) -> np.ndarray:
        vector = basis[axis] + t * basis[side] + 0.02 * rng.normal(size=32)
        return vector / np.linalg.norm(vector)

    stored = [at(rng.uniform(0, 0.1)) for _ in range(6)] + [at(gap + rng.uniform(0, 0.1)) for _ in range(6)]
    stored += [at(rng.uniform(0, 0.1), axis, axis + 1) for axis in (10, 14, 18) for _ in range(6)]
    rows = np.vstack([*stored, *(at(t) for t in np.linspace(0.2, gap - 0.1, 8))])
    articles = [Article(id=str(index), text="x", body=f"body {index}") for index in range(len(rows))]
    no_dedup = DedupResult(pairs=[], duplicate_of={})
    before = cluster_articles(articles[: len(stored)], rows[: len(stored)], no_dedup, StoryClusterer())
    return articles, rows, {str(index): int(label) for index, label in enumerate(before)}


def test_new_reports_that_bridge_two_stored_parts_of_a_story_make_them_one_as_clustering_all_would():
    """Seen on UCI draws: a story that broke late was cut into parts by the run before the newest 5 %;
    each new report joined the part nearest it, where clustering everything at once kept it whole."""
    no_dedup = DedupResult(pairs=[], duplicate_of={})
    for gap in (1.5, 1.8):
        articles, rows, story_of = _bridged_corpus(gap)
        assert story_of["0"] != story_of["6"]  # the run over the stored articles parted the two
        whole = cluster_articles(articles, rows, no_dedup, StoryClusterer())
        assert len(set(whole[:12].tolist()) | set(whole[30:].tolist())) == 1
        labels = assign_articles(articles, rows, no_dedup, StoryClusterer(), story_of)
        assert len(set(labels[:12].tolist()) | set(labels[30:].tolist())) == 1
        assert labels[12:30].tolist() == [story_of[str(index)] for index in range(12, 30)]  # the others stay
        assert labels[0] == story_of["0"]  # the merged story keeps the label of the larger (the first)
    # New reports near each part but none between them bridge nothing: the parts stay apart.
    articles, rows, story_of = _bridged_corpus(1.8)
    rows[30:] = rows[[0, 1, 2, 3, 6, 7, 8, 9]]
    labels = assign_articles(articles, rows, no_dedup, StoryClusterer(), story_of)
    assert labels[0] != labels[6]
