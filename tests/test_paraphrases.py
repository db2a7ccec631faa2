"""The paraphrase check embeds a summary's sentences in rounds and takes what embedding them all would give."""

from dataclasses import replace

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from clustering.config import SummaryConfig
from clustering.stories.paraphrases import _without_paraphrases, paraphrase_checked


def _unit_vectors(count: int, seed: int) -> np.ndarray:
    # Few directions, so that sentences often say "the same thing" (cosine 1) and the check drops them.
    rng = np.random.default_rng(seed)
    directions = rng.normal(size=(3, 4))
    vectors = directions[rng.integers(0, 3, size=count)] + 0.1 * rng.normal(size=(count, 4))
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


@settings(max_examples=60, deadline=None)
@given(
    lengths=st.lists(st.integers(min_value=0, max_value=9), min_size=1, max_size=6),
    sentences=st.integers(min_value=1, max_value=4),
    seed=st.integers(min_value=0, max_value=10_000),
)
def test_rounds_take_what_embedding_every_sentence_takes(lengths, sentences, seed):
    config = replace(SummaryConfig(), sentences=sentences, max_paraphrase=0.9)
    texts_of = [[f"story {story} sentence {row}" for row in range(length)] for story, length in enumerate(lengths)]
    vector_of = dict(zip([t for texts in texts_of for t in texts], _unit_vectors(sum(lengths), seed), strict=True))
    # Each story's order: its candidates, last first (any order of rows will do).
    orders = [list(range(length))[::-1] if length else None for length in lengths]
    embedded: list[str] = []

    def embed(texts: list[str], languages: list[str]) -> np.ndarray:
        assert languages == ["en"] * len(texts)
        embedded.extend(texts)
        return np.array([vector_of[text] for text in texts])

    chosen = paraphrase_checked(orders, texts_of, ["en"] * len(orders), config, embed)
    for order, texts, taken in zip(orders, texts_of, chosen, strict=True):
        if order is None:
            assert taken is None
        elif len(order) == 1:
            assert taken == order
        else:
            every = np.array([vector_of[texts[row]] for row in order])
            assert taken == _without_paraphrases(order, every, config)
    assert len(embedded) == len(set(embedded))  # no sentence embedded twice


def test_a_summary_that_loses_nothing_embeds_only_its_own_sentences():
    config = replace(SummaryConfig(), sentences=3, max_paraphrase=0.75)
    texts = [f"sentence {row}" for row in range(9)]
    embedded: list[str] = []

    def embed(batch: list[str], languages: list[str]) -> np.ndarray:
        embedded.extend(batch)
        return np.eye(9)[[texts.index(text) for text in batch]]  # nine different things

    assert paraphrase_checked([list(range(9))], [texts], ["en"], config, embed) == [[0, 1, 2]]
    assert embedded == texts[:3]
