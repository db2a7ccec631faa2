"""Describe each story: headline, representative article, extractive summary, keywords, outlets, dates.

The representative article is the one closest to the story's centre in embedding space; its title is
the headline. The summary takes central sentences (TF-IDF cosine to the story's centroid, lead sentences
favoured) and skips near-repeats of sentences already taken (maximal marginal relevance). Keywords are
class-based TF-IDF: frequent in this story, rare in the others. Reprints count once.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer
from sklearn.preprocessing import normalize

from clustering.records import Article, DedupResult, Story

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’)]?\s+(?=[\"“‘(]?[A-Z0-9])")
# Abbreviations after which a full stop does not end a sentence.
_ABBREVIATIONS = re.compile(
    r"\b(?:Mr|Mrs|Ms|Dr|Gen|Maj|Col|Lt|Sgt|Capt|Gov|Sen|Rep|Rev|St|Jr|Sr|Inc|Co|Corp|No|vs|U\.S|U\.K|U\.N"
    r"|[A-Z])\.$"
)
_TOKEN_PATTERN = r"(?u)\b[^\W\d_][\w'-]*[^\W_]\b"


@dataclass(frozen=True, slots=True)
class SummaryConfig:
    sentences: int = 3
    keywords: int = 8
    # Maximal marginal relevance: 1 picks by centrality alone, lower values avoid repeating content.
    relevance_weight: float = 0.7
    lead_bonus: float = 0.15
    min_sentence_words: int = 6
    max_sentence_words: int = 60
    # Candidates come from the top of each article (it carries the story), at most this many per story:
    # redundancy is a candidates x candidates matrix.
    max_candidates: int = 400
    max_sentences_per_article: int = 40


def split_sentences(text: str) -> list[str]:
    """Sentences of a body, paragraph by paragraph, not split after common abbreviations."""
    sentences: list[str] = []
    for paragraph in text.split("\n"):
        pieces = _SENTENCE_END.split(paragraph.strip())
        buffer = ""
        for piece in pieces:
            buffer = f"{buffer} {piece}".strip()
            if not _ABBREVIATIONS.search(buffer):
                sentences.append(buffer)
                buffer = ""
        if buffer:
            sentences.append(buffer)
    return [sentence for sentence in sentences if sentence]


def story_id(founder_id: str) -> str:
    """A story's id, from its first article: it stays the same as later articles join the story."""
    return "st-" + hashlib.blake2b(founder_id.encode(), digest_size=6).hexdigest()


def _time_order(article: Article) -> tuple[bool, datetime | None, str]:
    return (article.date is None, article.date, article.id)


@dataclass(frozen=True, slots=True)
class _Lexicon:
    """One tokenisation of every original article (title and body): term counts of words and word pairs,
    the source of both the keywords and the TF-IDF vectors that rank summary sentences."""

    counts: sparse.csr_matrix  # articles x terms
    terms: np.ndarray
    # TF-IDF over the single-word terms, for summary sentences and their article.
    sentence_counter: CountVectorizer
    weighting: TfidfTransformer
    article_vectors: sparse.csr_matrix

    @classmethod
    def of(cls, texts: Sequence[str]) -> _Lexicon | None:
        counter = CountVectorizer(stop_words="english", ngram_range=(1, 2), token_pattern=_TOKEN_PATTERN)
        try:
            counts = counter.fit_transform(texts).tocsr()
        except ValueError:  # no articles, or nothing but stop words and symbols
            return None
        terms = counter.get_feature_names_out()
        words = np.flatnonzero(np.char.find(terms.astype(str), " ") < 0)
        sentence_counter = CountVectorizer(stop_words="english", token_pattern=_TOKEN_PATTERN, vocabulary=terms[words])
        word_counts = counts[:, words]
        weighting = TfidfTransformer(sublinear_tf=True).fit(word_counts)
        return cls(counts, terms, sentence_counter, weighting, weighting.transform(word_counts).tocsr())

    def sentence_vectors(self, sentences: Sequence[str]) -> sparse.csr_matrix:
        return self.weighting.transform(self.sentence_counter.transform(sentences))


def _keywords(story_counts: sparse.csr_matrix, terms: np.ndarray, count: int) -> list[list[str]]:
    """Top class-based TF-IDF terms of each story (BERTopic's c-TF-IDF weighting); ``story_counts`` holds
    each story's term counts (stories x terms)."""
    counts = story_counts.astype(np.float64)
    frequency = np.asarray(counts.sum(axis=0)).ravel()
    average_words = counts.sum() / max(counts.shape[0], 1)
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


def _summary(members: Sequence[Article], rows: list[int], lexicon: _Lexicon | None, config: SummaryConfig) -> str:
    """Central, non-redundant sentences of ``members`` (rows ``rows`` of ``lexicon``)."""
    candidates: list[tuple[str, int]] = []  # sentence, position in its article
    for article in members:
        per_article = max(3, min(config.max_sentences_per_article, config.max_candidates // len(members)))
        sentences = split_sentences(article.body)[:per_article]
        for position, sentence in enumerate(sentences):
            words = len(sentence.split())
            if config.min_sentence_words <= words <= config.max_sentence_words and not sentence.endswith("?"):
                candidates.append((sentence, position))
    if not candidates or lexicon is None:
        return members[0].headline
    vectors = lexicon.sentence_vectors([sentence for sentence, _ in candidates])
    centre = normalize(np.asarray(lexicon.article_vectors[rows].mean(axis=0)))
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
) -> list[Story]:
    """One ``Story`` per label; ``articles``, ``labels`` and ``embeddings`` are aligned.

    ``story_ids`` names the stories of ``group_stories`` (by default, after their first article). A story
    in ``previous`` with the same id and the same articles is kept as it was: same headline, summary and
    keywords on every run. Stories come largest first, then by their earliest article.
    """
    row_of = {article.id: row for row, article in enumerate(articles)}
    members_of = group_stories(articles, labels)
    ids = list(story_ids) if story_ids is not None else [story_id(members[0].id) for members in members_of]
    previous = previous or {}
    originals_of = [[a for a in members if a.id not in dedup.duplicate_of] or members for members in members_of]
    lexicon_rows: list[list[int]] = []  # each story's originals, as rows of the lexicon
    texts: list[str] = []
    for originals in originals_of:
        lexicon_rows.append(list(range(len(texts), len(texts) + len(originals))))
        texts += [f"{a.title or ''}\n{a.body}" for a in originals]
    lexicon = _Lexicon.of(texts)
    if lexicon is None:
        keywords_of: list[list[str]] = [[] for _ in originals_of]
    else:
        membership = sparse.csr_matrix(
            (np.ones(len(texts)), ([s for s, rows in enumerate(lexicon_rows) for _ in rows], np.arange(len(texts)))),
            shape=(len(originals_of), len(texts)),
        )
        keywords_of = _keywords(membership @ lexicon.counts, lexicon.terms, config.keywords)
    stories = []
    for identifier, members, originals, rows, keywords in zip(
        ids, members_of, originals_of, lexicon_rows, keywords_of, strict=True
    ):
        earlier = previous.get(identifier)
        if earlier is not None and set(earlier.article_ids) == {a.id for a in members}:
            stories.append(earlier)
            continue
        vectors = embeddings[[row_of[a.id] for a in originals]]
        centre = vectors.mean(axis=0)
        representative = originals[int(np.argmax(vectors @ centre))]
        dates = [a.date for a in members if a.date is not None]
        stories.append(
            Story(
                story_id=identifier,
                headline=representative.headline,
                summary=_summary(originals, rows, lexicon, config),
                keywords=tuple(keywords),
                article_ids=tuple(a.id for a in members),
                representative_id=representative.id,
                sources=tuple(sorted({name for a in members if (name := a.outlet)})),
                first_published=min(dates, default=None),
                last_published=max(dates, default=None),
            )
        )
    return sorted(
        stories, key=lambda story: (-len(story.article_ids), _time_order(articles[row_of[story.article_ids[0]]]))
    )


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
