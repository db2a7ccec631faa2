"""Describe each story: headline, representative article, extractive summary, keywords, outlets, dates.

The representative article is the one closest to the story's centre in embedding space; its title is
the headline. The summary takes central sentences (TF-IDF cosine to the story's centroid, lead sentences
favoured) and skips near-repeats of sentences already taken (maximal marginal relevance). Keywords are
class-based TF-IDF: frequent in this story, rare in the others. Reprints count once.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from scipy import sparse
from sklearn.preprocessing import normalize

from clustering.config import SummaryConfig
from clustering.records import Article, DedupResult, Story
from clustering.stories.term_counts import TermCounts, count_terms
from clustering.stories.term_matrix import smooth_idf, sublinear_tfidf, words_of

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’)]?\s+(?=[\"“‘(]?[A-Z0-9])")
# Abbreviations after which a full stop does not end a sentence.
_ABBREVIATIONS = re.compile(
    r"\b(?:Mr|Mrs|Ms|Dr|Gen|Maj|Col|Lt|Sgt|Capt|Gov|Sen|Rep|Rev|St|Jr|Sr|Inc|Co|Corp|No|vs|U\.S|U\.K|U\.N"
    r"|[A-Z])\.$"
)


def sentences_of(text: str) -> Iterator[str]:
    """Sentences of a body, paragraph by paragraph, not split after common abbreviations; one paragraph
    is split at a time, so a reader of the first few splits no further."""
    for paragraph in text.split("\n"):
        buffer = ""
        for piece in _SENTENCE_END.split(paragraph.strip()):
            buffer = f"{buffer} {piece}".strip()
            # The abbreviation and the character before it are within the last 8 (searching the whole
            # sentence for an ending costs as much as splitting the text).
            if not (buffer.endswith(".") and _ABBREVIATIONS.search(buffer[-8:])):
                if buffer:
                    yield buffer
                buffer = ""
        if buffer:
            yield buffer


def story_id(founder_id: str) -> str:
    """A story's id, from its first article: it stays the same as later articles join the story."""
    return "st-" + hashlib.blake2b(founder_id.encode(), digest_size=6).hexdigest()


def _time_order(article: Article) -> tuple[bool, datetime | None, str]:
    return (article.date is None, article.date, article.id)


def _words(terms: np.ndarray) -> np.ndarray:
    """Positions of the single words among ``terms`` (the others are word pairs)."""
    return np.flatnonzero([" " not in term for term in terms])


@dataclass(frozen=True, slots=True)
class _Lexicon:
    """Term counts of the original articles of the stories to summarise (title and body) and, from the
    counts of every story's originals, each term's corpus frequency and each word's IDF: the source of
    both the keywords and the TF-IDF vectors that rank summary sentences."""

    counts: sparse.csr_matrix  # articles x terms
    terms: np.ndarray
    frequency: np.ndarray  # per term, occurrences over every story's originals
    average_words: float  # words (terms) per story, over every story
    word_column: dict[str, int]  # each single word's position among the words
    idf: np.ndarray  # per single word
    article_vectors: sparse.csr_matrix

    @classmethod
    def of(cls, term_counts: TermCounts, rows: np.ndarray, stories: int) -> _Lexicon | None:
        """The lexicon of rows ``rows`` of ``term_counts`` (the counts of every story's originals); None
        when those rows hold no term."""
        everything = term_counts.counts
        counts = everything[rows]
        if counts.nnz == 0:
            return None
        frequency = np.asarray(everything.sum(axis=0), dtype=np.float64).ravel()
        words = _words(term_counts.terms)
        idf = smooth_idf(everything)[words]  # over every story's originals
        word_column = {word: column for column, word in enumerate(term_counts.terms[words].tolist())}
        return cls(
            counts,
            term_counts.terms,
            frequency,
            float(frequency.sum()) / max(stories, 1),
            word_column,
            idf,
            sublinear_tfidf(counts[:, words], idf),
        )

    def sentence_vectors(self, sentences: Sequence[str]) -> sparse.csr_matrix:
        """TF-IDF rows of the lexicon's words in each sentence (a word it does not hold is left out)."""
        words = [words_of(sentence) for sentence in sentences]
        columns = np.fromiter(
            map(self.word_column.get, itertools.chain.from_iterable(words), itertools.repeat(-1)), dtype=np.int64
        )
        rows = np.repeat(np.arange(len(sentences)), [len(found) for found in words])
        known = columns >= 0
        # Repeated (row, column) entries add up: the counts of each word in each sentence.
        counts = sparse.csr_matrix(
            (np.ones(int(known.sum()), dtype=np.int32), (rows[known], columns[known])),
            shape=(len(sentences), len(self.idf)),
        )
        counts.sum_duplicates()
        return sublinear_tfidf(counts, self.idf)


def _keywords(
    story_counts: sparse.csr_matrix, terms: np.ndarray, frequency: np.ndarray, average_words: float, count: int
) -> list[list[str]]:
    """Top class-based TF-IDF terms of each story (BERTopic's c-TF-IDF weighting); ``story_counts`` holds
    each story's term counts (stories x terms), ``frequency`` each term's over all stories and
    ``average_words`` the terms per story."""
    counts = story_counts.astype(np.float64)
    weights = sparse.csr_matrix(normalize(counts, norm="l1") @ sparse.diags(np.log1p(average_words / frequency)))
    result: list[list[str]] = []
    for row in range(weights.shape[0]):
        start, end = weights.indptr[row], weights.indptr[row + 1]
        row_terms = terms[weights.indices[start:end]]
        # Heaviest first; on a tie the longer term ("albu kamal" before "albu"), then alphabetical.
        order = np.lexsort((row_terms, -np.char.str_len(row_terms.astype(str)), -np.round(weights.data[start:end], 9)))
        chosen: list[str] = []
        for index in order:
            term = terms[weights.indices[start + index]]
            if not any(term in other or other in term for other in chosen):
                chosen.append(term)
            if len(chosen) == count:
                break
        result.append(chosen)
    return result


def _candidates(members: Sequence[Article], config: SummaryConfig) -> list[tuple[str, int]]:
    """Summary candidates of a story's ``members``: each sentence of fitting length from the top of each
    article, with its position in the article."""
    per_article = max(3, min(config.max_sentences_per_article, config.max_candidates // len(members)))
    candidates: list[tuple[str, int]] = []
    for article in members:
        for position, sentence in enumerate(itertools.islice(sentences_of(article.body), per_article)):
            words = len(sentence.split())
            if config.min_sentence_words <= words <= config.max_sentence_words and not sentence.endswith("?"):
                candidates.append((sentence, position))
    return candidates


def _summary(
    candidates: Sequence[tuple[str, int]], vectors: sparse.csr_matrix, centre: np.ndarray, config: SummaryConfig
) -> str:
    """Central, non-redundant sentences among ``candidates`` (their TF-IDF ``vectors``, the story's
    normalised ``centre``)."""
    relevance = np.asarray(vectors @ centre.T).ravel()
    relevance += config.lead_bonus * np.array([position == 0 for _, position in candidates])
    similarity = (vectors @ vectors.T).toarray()
    chosen: list[int] = []
    while len(chosen) < min(config.sentences, len(candidates)):
        redundancy = similarity[:, chosen].max(axis=1) if chosen else np.zeros(len(candidates))
        score = config.relevance_weight * relevance - (1 - config.relevance_weight) * redundancy
        score[chosen] = -np.inf
        chosen.append(int(np.argmax(score)))
    # Most central first: the first sentence is the story's lead.
    return " ".join(candidates[index][0] for index in chosen)


def _summaries(
    originals_of: Sequence[Sequence[Article]],
    rows_of: Sequence[Sequence[int]],
    lexicon: _Lexicon | None,
    config: SummaryConfig,
) -> list[str]:
    """The summary of each story (its originals, lexicon rows ``rows_of[story]``); every story's sentences
    are vectorised at once, in half the time of vectorising them story by story."""
    candidates_of = [_candidates(originals, config) for originals in originals_of]
    sentences = [sentence for candidates in candidates_of for sentence, _ in candidates]
    vectors = lexicon.sentence_vectors(sentences) if lexicon is not None and sentences else None
    summaries: list[str] = []
    start = 0
    for originals, rows, candidates in zip(originals_of, rows_of, candidates_of, strict=True):
        if vectors is None or not candidates:
            summaries.append(originals[0].headline)
            continue
        centre = normalize(np.asarray(lexicon.article_vectors[rows].mean(axis=0)))
        summaries.append(_summary(candidates, vectors[start : start + len(candidates)], centre, config))
        start += len(candidates)
    return summaries


def group_stories(articles: Sequence[Article], labels: Sequence[int]) -> list[list[Article]]:
    """The articles of each label, in label order, each group in time order (its first article first)."""
    groups: dict[int, list[Article]] = {}
    for article, label in zip(articles, labels, strict=True):
        groups.setdefault(int(label), []).append(article)
    return [sorted(group, key=_time_order) for _, group in sorted(groups.items())]


def summarize_stories(
    articles: Sequence[Article],
    labels: Sequence[int],
    embeddings: np.ndarray,
    dedup: DedupResult,
    config: SummaryConfig = SummaryConfig(),
    story_ids: Sequence[str] | None = None,
    previous: Mapping[str, Story] | None = None,
    term_counts: TermCounts | None = None,
) -> tuple[list[Story], TermCounts]:
    """One ``Story`` per label, and the term counts of every story's originals; ``articles``, ``labels``
    and ``embeddings`` are aligned.

    ``story_ids`` names the stories of ``group_stories`` (by default, after their first article). A story
    in ``previous`` with the same id and the same articles is kept as it was: same headline, summary and
    keywords on every run. ``term_counts`` are the last run's: given, only the originals whose text they
    did not count are tokenised; the stories are the same as without them. Stories come largest first,
    then by their earliest article.
    """
    row_of = {article.id: row for row, article in enumerate(articles)}
    members_of = group_stories(articles, labels)
    ids = list(story_ids) if story_ids is not None else [story_id(members[0].id) for members in members_of]
    previous = previous or {}
    originals_of = [[a for a in members if a.id not in dedup.duplicate_of] or members for members in members_of]
    kept = {
        index
        for index, (identifier, members) in enumerate(zip(ids, members_of, strict=True))
        if identifier in previous and set(previous[identifier].article_ids) == {a.id for a in members}
    }
    texts = {a.id: a.titled_body for originals in originals_of for a in originals}
    term_counts = count_terms(texts, term_counts)
    summarised = [index for index in range(len(members_of)) if index not in kept]
    summarised_ids = [a.id for index in summarised for a in originals_of[index]]
    lexicon = _Lexicon.of(term_counts, term_counts.positions(summarised_ids), len(members_of))
    # Each summarised story's originals, as rows of the lexicon.
    bounds = np.cumsum([0, *(len(originals_of[index]) for index in summarised)]).tolist()
    rows_of = [list(range(start, end)) for start, end in itertools.pairwise(bounds)]
    keywords_of = _story_keywords(lexicon, rows_of, config.keywords)
    summaries = _summaries([originals_of[index] for index in summarised], rows_of, lexicon, config)
    stories = [previous[ids[index]] for index in sorted(kept)]
    for index, keywords, summary in zip(summarised, keywords_of, summaries, strict=True):
        members, originals = members_of[index], originals_of[index]
        vectors = embeddings[[row_of[a.id] for a in originals]]
        centre = vectors.mean(axis=0)
        representative = originals[int(np.argmax(vectors @ centre))]
        dates = [a.date for a in members if a.date is not None]
        stories.append(
            Story(
                story_id=ids[index],
                headline=representative.headline,
                summary=summary,
                keywords=tuple(keywords),
                article_ids=tuple(a.id for a in members),
                representative_id=representative.id,
                sources=tuple(sorted({name for a in members if (name := a.outlet)})),
                first_published=min(dates, default=None),
                last_published=max(dates, default=None),
            )
        )
    stories.sort(key=lambda story: (-len(story.article_ids), _time_order(articles[row_of[story.article_ids[0]]])))
    return stories, term_counts


def _story_keywords(lexicon: _Lexicon | None, rows_of: Sequence[Sequence[int]], count: int) -> list[list[str]]:
    """The keywords of each story whose originals are the lexicon rows ``rows_of[story]``."""
    if lexicon is None:
        return [[] for _ in rows_of]
    texts = sum(map(len, rows_of))
    membership = sparse.csr_matrix(
        (
            np.ones(texts),
            ([story for story, rows in enumerate(rows_of) for _ in rows], [r for rows in rows_of for r in rows]),
        ),
        shape=(len(rows_of), texts),
    )
    return _keywords(membership @ lexicon.counts, lexicon.terms, lexicon.frequency, lexicon.average_words, count)


def story_positions(
    stories: Sequence[Story], articles: Sequence[Article], embeddings: np.ndarray
) -> dict[str, tuple[float, float]]:
    """A 2-D map of the stories: the first two principal components of their mean embeddings."""
    if not stories:
        return {}
    row_of = {article.id: row for row, article in enumerate(articles)}
    centres = np.array([embeddings[[row_of[i] for i in story.article_ids]].mean(axis=0) for story in stories])
    centred = centres - centres.mean(axis=0)
    # SVD is deterministic up to sign; fix the sign so the map does not flip between runs.
    _, _, components = np.linalg.svd(centred, full_matrices=False)
    components = components[:2] * np.sign(components[:2].sum(axis=1, keepdims=True) + 1e-12)
    points = centred @ components.T
    if points.shape[1] < 2:
        points = np.hstack([points, np.zeros((len(points), 2 - points.shape[1]))])
    return {
        story.story_id: (round(float(x), 5), round(float(y), 5)) for story, (x, y) in zip(stories, points, strict=True)
    }
