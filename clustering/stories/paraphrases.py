"""A summary says each thing once: the sentences a summary takes, less one that says in other words what
one taken says, by the cosine of their embeddings: the run's model for its languages, the multilingual model
for the others. Read by the main model (English only), sentences in other languages looked alike: on
SemEval's dev articles the check changed 52 % of Arabic summaries, 22 % of Russian and 18 % of Chinese,
against 4.5 % of English ones."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from clustering.config import SummaryConfig

# Sentences, each in its story's language, to L2-normalised rows (of one length within a language): the
# run's models and cache.
SentenceEmbedder = Callable[[list[str], list[str]], Sequence[np.ndarray]]


def _without_paraphrases(order: Sequence[int], vectors: np.ndarray, config: SummaryConfig) -> list[int]:
    """The first ``config.sentences`` of ``order`` whose sentence embedding (``vectors``, rows of ``order``)
    is below ``config.max_paraphrase`` cosine from every one taken before: what a sentence says in other
    words than one taken ("Astrophysicists have discovered planets outside our galaxy for the first time",
    "For the first time ever, scientists have detected planets in a galaxy far away") is left out."""
    taken: list[int] = []
    for row in range(len(order)):
        if all(float(vectors[row] @ vectors[other]) < config.max_paraphrase for other in taken):
            taken.append(row)
            if len(taken) == config.sentences:
                break
    return [order[row] for row in taken]


def paraphrase_checked(
    orders: Sequence[list[int] | None],
    texts_of: Sequence[Sequence[str]],
    languages: Sequence[str],
    config: SummaryConfig,
    embed_sentences: SentenceEmbedder | None,
) -> list[list[int] | None]:
    """Each story's summary sentences (rows of its candidate sentences ``texts_of[story]``, in
    ``languages[story]``): the first ``config.sentences`` of its order, less paraphrases
    (``_without_paraphrases``) where ``embed_sentences`` is given (not when ``max_paraphrase`` is above 1) and
    the story has two sentences or more to choose from.

    Sentences are embedded in rounds, every story's in one call a round: first as many as a summary holds,
    then, for a story whose check left some out, as many of the next as it still lacks. A summary takes what
    embedding its whole order would give it, for half of the sentences or fewer (SemEval's dev stories:
    4,993 of 9,770; ECB+'s: 213 of 536)."""
    chosen = [order[: config.sentences] if order is not None else None for order in orders]
    if embed_sentences is None or config.max_paraphrase > 1:
        return chosen
    embedded: dict[int, list[np.ndarray]] = {
        index: [] for index, order in enumerate(orders) if order is not None and len(order) > 1
    }
    wanted = dict.fromkeys(embedded, config.sentences)  # how many of its order each story needs embedded
    while wanted:
        rows = [
            (index, row)
            for index, count in wanted.items()
            for row in range(len(embedded[index]), min(count, len(orders[index])))
        ]
        vectors = embed_sentences(
            [texts_of[index][orders[index][row]] for index, row in rows], [languages[index] for index, _ in rows]
        )
        for (index, _), vector in zip(rows, vectors, strict=True):
            embedded[index].append(vector)
        lacking: dict[int, int] = {}
        for index in wanted:
            order, done = orders[index], len(embedded[index])
            chosen[index] = _without_paraphrases(order[:done], np.array(embedded[index]), config)
            if len(chosen[index]) < config.sentences and done < len(order):
                lacking[index] = done + config.sentences - len(chosen[index])
        wanted = lacking
    return chosen
