"""Describe each story: headline, representative article, summary, what happened when, keywords, outlets,
dates.

The representative article is the one closest to the story's centre in embedding space. The headline is
the title most like the story's other titles, cleaned of labels and site names (``headline``). The summary
opens with the representative's first sentence, its dateline and agency tag moved out, then adds what the
other articles say that it does not (TF-IDF centrality with maximal marginal relevance, and no sentence
close to one already taken); every sentence is whole, stands on its own and is not page furniture
(``sentences``). A story of more than one day lists its developments: the first report, then each later
day's lead that adds something new. Keywords are class-based TF-IDF terms (frequent in this story, rare in
the others), names and phrases first, in the form the articles write them, common words left out.
Reprints count once.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from scipy import sparse
from sklearn.preprocessing import normalize

from clustering.agencies import NEWS_AGENCIES
from clustering.agencies import names as agency_names
from clustering.config import SummaryConfig
from clustering.records import Article, DedupResult, Story
from clustering.stories.headline import choose_headline
from clustering.stories.names import skeleton
from clustering.stories.sentences import is_furniture, is_whole, sentences_of, stands_alone, without_dateline
from clustering.stories.term_counts import TermCounts, count_terms
from clustering.stories.term_matrix import smooth_idf, sublinear_tfidf, words_of
from clustering.words import zipf


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
    """Top class-based TF-IDF terms of each story (BERTopic's c-TF-IDF weighting), heaviest first;
    ``story_counts`` holds each story's term counts (stories x terms), ``frequency`` each term's over all
    stories and ``average_words`` the terms per story. ``count`` of them: what ``describe_keywords`` ranks."""
    counts = story_counts.astype(np.float64)
    weights = sparse.csr_matrix(normalize(counts, norm="l1") @ sparse.diags(np.log1p(average_words / frequency)))
    result: list[list[str]] = []
    for row in range(weights.shape[0]):
        start, end = weights.indptr[row], weights.indptr[row + 1]
        row_terms = terms[weights.indices[start:end]]
        # Heaviest first; on a tie the longer term ("albu kamal" before "albu"), then alphabetical.
        order = np.lexsort((row_terms, -np.char.str_len(row_terms.astype(str)), -np.round(weights.data[start:end], 9)))
        result.append([str(terms[weights.indices[start + index]]) for index in order[:count]])
    return result


_CALENDAR = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday january february march april may june july august "
    "september october november december jan feb mar apr jun jul aug sep sept oct nov dec".split()
)
# Reporting verbs and news agencies' names (not broadcasters': a story may be about CNN): in every story,
# about none.
_NOT_KEYWORDS = frozenset(
    {"said", "says", "told", "added", "according", "getty"}
    | {name for name in agency_names([NEWS_AGENCIES]) if " " not in name}
)
# A word this common in English (wordfreq's Zipf scale) says nothing of a story unless it is part of a name.
_GENERIC_ZIPF = 4.5
# A name this common ("China", "Trump" are not; "New", "State" are) is generic as well.
_GENERIC_NAME_ZIPF = 5.5


_TOKEN = re.compile(r"[^\W\d_][\w'’-]*[^\W_]|[^\W\d_]")
_POSSESSIVE = re.compile(r"['’]s$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _Prose:
    """How a story's prose writes its words and word pairs. Prose is the sentences of each original that
    read as prose (five words or more, not furniture by shape). A pair counts only where its words stand
    side by side with nothing but spaces between ("auckland new" across a sentence end is not one);
    possessives are folded ("Year's" is "Year"). ``forms`` counts every way a term is written, ``inside``
    those not opening a sentence (where a capital says nothing of a name), ``articles`` the originals it is
    in; ``in_name_runs`` how often a word stands inside a longer run of capitalised words."""

    forms: dict[str, Counter[str]]
    inside: dict[str, Counter[str]]
    articles: Counter[str]
    in_name_runs: Counter[str]

    @classmethod
    def of(cls, sentences_of_articles: Sequence[Sequence[tuple[str, bool]]], terms: Sequence[str]) -> _Prose:
        """The prose of each original's ``first_sentences``, counted for ``terms`` only."""
        wanted = set(terms)
        words = {word for term in terms for word in term.split()}
        forms: dict[str, Counter[str]] = defaultdict(Counter)
        inside: dict[str, Counter[str]] = defaultdict(Counter)
        articles: Counter[str] = Counter()
        in_name_runs: Counter[str] = Counter()
        for sentences in sentences_of_articles:
            seen: set[str] = set()
            for sentence, furniture in sentences:
                if furniture or len(sentence.split()) < 5:
                    continue
                matches = list(_TOKEN.finditer(sentence))
                tokens = [match.group(0) for match in matches]
                folded = [token.lower() for token in tokens]
                if words.isdisjoint(folded):
                    continue
                spans = [match.span() for match in matches]
                for index, key in enumerate(folded):
                    key = _POSSESSIVE.sub("", key)
                    if key not in words:
                        continue
                    surface = _POSSESSIVE.sub("", tokens[index])
                    found = [(key, surface)] if key in wanted else []
                    if index + 1 < len(tokens):
                        following = _POSSESSIVE.sub("", tokens[index + 1])
                        pair = f"{key} {following.lower()}"
                        if pair in wanted and not sentence[spans[index][1] : spans[index + 1][0]].strip(" \t"):
                            found.append((pair, f"{surface} {following}"))
                    for term, form in found:
                        forms[term][form] += 1
                        if index > 0:
                            inside[term][form] += 1
                        seen.add(term)
                    capital = surface[:1].isupper()
                    before = index > 0 and tokens[index - 1][:1].isupper()
                    after = index + 1 < len(tokens) and tokens[index + 1][:1].isupper()
                    if capital and (before or after):
                        in_name_runs[key] += 1
            articles.update(seen)
        return cls(forms, inside, articles, in_name_runs)

    def inside_longer_names(self, word: str) -> bool:
        """Whether ``word`` stands, in most of its occurrences, inside a longer run of capitalised words
        ("San" of "San Jose", "Aviation" of "Civil Aviation"): a piece of a name, not a name."""
        inside = self.in_name_runs[word]
        return inside > 0 and inside >= 4 * max(0, sum(self.forms[word].values()) - inside)


def first_sentences(body: str, count: int) -> list[tuple[str, bool]]:
    """The first ``count`` sentences of a body, each with whether it is furniture by shape: what both the
    summary and the keywords read, split once."""
    return [(sentence, is_furniture(sentence)) for sentence in itertools.islice(sentences_of(body), count)]


def describe_keywords(
    candidates: Sequence[str], sentences_of_articles: Sequence[Sequence[tuple[str, bool]]], count: int
) -> list[str]:
    """The keywords an analyst can use, from ``candidates`` (c-TF-IDF terms, heaviest first) and the
    ``first_sentences`` of each of the story's originals: names first (several words before one), then rare
    words, then phrases; common words, days, months, reporting verbs and agencies left out, pieces of names
    and fragments dropped, one spelling per name ("Al-Bukamal" and "Albukamal"), each written as the
    articles' prose writes it (widgets and captions, "Hide Caption", "Share", are not prose)."""
    prose = _Prose.of(sentences_of_articles, candidates)
    ranked: list[tuple[int, int, str, str]] = []
    seen_skeletons: set[str] = set()
    for order, term in enumerate(candidates):
        forms, inside = prose.forms.get(term), prose.inside.get(term, Counter())
        if not forms:
            continue  # a fragment, or words of the page's furniture only
        written, _ = (inside or forms).most_common(1)[0]
        capitalised = sum(n for form, n in inside.items() if all(w[:1].isupper() for w in form.split()))
        is_name = capitalised * 2 > sum(inside.values())
        words = term.split()
        commonness = max(zipf(word) for word in words)
        generic = len(words) == 1 and commonness >= (_GENERIC_NAME_ZIPF if is_name else _GENERIC_ZIPF)
        if generic or words[-1] in _CALENDAR or _NOT_KEYWORDS.intersection(words):
            continue
        if is_name and len(words) == 1 and prose.inside_longer_names(term):
            continue
        key = skeleton(term.replace(" ", ""))
        if key in seen_skeletons:
            continue
        seen_skeletons.add(key)
        group = (0 if len(words) > 1 else 1) if is_name else (2 if len(words) == 1 else 3)
        ranked.append((group, order, term, written))
    ranked.sort()
    chosen: list[tuple[str, str]] = []
    for group, _, term, written in ranked:
        words = term.split()
        if any(_within(words, other.split()) for other, _ in chosen):
            continue  # "albu" once "albu kamal" is in; "syrian" once "syria" is
        inside = [index for index, (other, _) in enumerate(chosen) if group == 0 and _within(other.split(), words)]
        if inside:  # "Islamic State" in place of "Islamic"
            chosen[inside[0]] = (term, written)
            continue
        shared = any(_same_word(mine, theirs) for other, _ in chosen for mine in words for theirs in other.split())
        if shared and (group >= 2 or len(words) > 1):
            continue  # "state group" beside "islamic state", "transport police" beside "british transport"
        if group == 3 and len(sentences_of_articles) > 1 and prose.articles[term] < 2:
            continue  # a phrase of one article's wording, not of the story
        if group == 3 and words[0].endswith(("ing", "ed")):
            continue  # "addressing iranian": a verb and its object, not a phrase
        chosen.append((term, written))
        if len(chosen) == count:
            break
    return [written for _, written in chosen]


def _same_word(first: str, second: str) -> bool:
    """One word, or a form of it: "syria" and "syrian", "iran" and "iranian", "year" and "year's"."""
    first, second = first.removesuffix("'s").removesuffix("’s"), second.removesuffix("'s").removesuffix("’s")
    shorter, longer = sorted((first, second), key=len)
    return first == second or (longer.startswith(shorter) and len(longer) - len(shorter) <= 3 and len(shorter) >= 4)


def _within(words: Sequence[str], other: Sequence[str]) -> bool:
    """Every word of ``words`` is (a form of) a word of ``other``."""
    return all(any(_same_word(word, theirs) for theirs in other) for word in words)


@dataclass(frozen=True, slots=True)
class _Candidate:
    """A sentence that may go into a summary: its text (without a dateline), the article it is from and
    where it stands there."""

    text: str
    article: int
    position: int


def _candidates(split: Sequence[Sequence[tuple[str, bool]]], config: SummaryConfig) -> list[_Candidate]:
    """Summary candidates of a story's originals (``split``: their ``first_sentences``): each sentence of
    fitting length from the top of each article that is whole, not furniture, and (but for an article's
    first) stands on its own."""
    per_article = max(3, min(config.max_sentences_per_article, config.max_candidates // len(split)))
    candidates: list[_Candidate] = []
    for index, sentences in enumerate(split):
        for position, (sentence, furniture) in enumerate(sentences[:per_article]):
            text, _ = without_dateline(sentence)
            words = len(text.split())
            fits = config.min_sentence_words <= words <= config.max_sentence_words and not text.endswith("?")
            if fits and not furniture and is_whole(text) and (position == 0 or stands_alone(text)):
                candidates.append(_Candidate(text, index, position))
    return candidates


def _summary(
    candidates: Sequence[_Candidate],
    vectors: sparse.csr_matrix,
    centre: np.ndarray,
    lead_article: int,
    config: SummaryConfig,
) -> str:
    """The lead (the first fit sentence of article ``lead_article``, else the most central one), then
    central sentences that say something the ones taken do not (``vectors``: the candidates' TF-IDF rows;
    ``centre``: the story's normalised centroid)."""
    relevance = np.asarray(vectors @ centre.T).ravel()
    relevance += config.lead_bonus * np.array([candidate.position == 0 for candidate in candidates])
    similarity = (vectors @ vectors.T).toarray()
    own = [index for index, candidate in enumerate(candidates) if candidate.article == lead_article]
    lead = min(own, key=lambda index: candidates[index].position) if own else int(np.argmax(relevance))
    chosen = [lead]
    # A later sentence stands on its own: an opening that leans on another was taken out in _candidates,
    # and a first sentence of another article is fit for the lead only.
    fit = np.array([candidate.position > 0 or stands_alone(candidate.text) for candidate in candidates])
    while len(chosen) < min(config.sentences, len(candidates)):
        redundancy = similarity[:, chosen].max(axis=1)
        score = config.relevance_weight * relevance - (1 - config.relevance_weight) * redundancy
        score[chosen] = -np.inf
        score[~fit | (redundancy >= config.max_overlap)] = -np.inf
        best = int(np.argmax(score))
        if not np.isfinite(score[best]):
            break
        chosen.append(best)
    return " ".join(candidates[index].text for index in chosen)


def _developments(
    originals: Sequence[Article],
    candidates: Sequence[_Candidate],
    vectors: sparse.csr_matrix,
    centre: np.ndarray,
    config: SummaryConfig,
) -> tuple[tuple[str, str], ...]:
    """What happened when, for a story of more than one day: day by day, the lead of that day's articles
    most central to the story (the first report first), when it says something the listed ones do not."""
    relevance = np.asarray(vectors @ centre.T).ravel()
    first_position: dict[int, int] = {}
    for candidate in candidates:  # an article's lead: its first fit sentence
        first_position.setdefault(candidate.article, candidate.position)
    lead_of_day: dict[str, int] = {}
    for index, candidate in enumerate(candidates):
        article = originals[candidate.article]
        if article.date is None or candidate.position != first_position[candidate.article]:
            continue
        day = article.date.date().isoformat()
        if day not in lead_of_day or relevance[index] > relevance[lead_of_day[day]]:
            lead_of_day[day] = index
    if len(lead_of_day) < 2:
        return ()
    listed: list[tuple[str, str]] = []
    taken: list[int] = []
    for day in sorted(lead_of_day):
        row = lead_of_day[day]
        if taken and float((vectors[row] @ vectors[taken].T).toarray().max()) >= config.max_overlap:
            continue
        listed.append((day, candidates[row].text))
        taken.append(row)
        if len(listed) == config.developments:
            break
    return tuple(listed) if len(listed) > 1 else ()


def _summaries(
    originals_of: Sequence[Sequence[Article]],
    split_of: Sequence[Sequence[Sequence[tuple[str, bool]]]],
    leads: Sequence[int],
    headlines: Sequence[str],
    rows_of: Sequence[Sequence[int]],
    lexicon: _Lexicon | None,
    config: SummaryConfig,
) -> list[tuple[str, tuple[tuple[str, str], ...]]]:
    """The summary and the developments of each story (its originals, the index among them of its lead
    article, lexicon rows ``rows_of[story]``); every story's sentences are vectorised at once, in half the
    time of vectorising them story by story."""
    candidates_of = [_candidates(split, config) for split in split_of]
    sentences = [candidate.text for candidates in candidates_of for candidate in candidates]
    vectors = lexicon.sentence_vectors(sentences) if lexicon is not None and sentences else None
    described: list[tuple[str, tuple[tuple[str, str], ...]]] = []
    start = 0
    for originals, lead, headline, rows, candidates in zip(
        originals_of, leads, headlines, rows_of, candidates_of, strict=True
    ):
        if vectors is None or not candidates:  # headlines only: the headline says it
            described.append((headline, ()))
            continue
        story_vectors = normalize(vectors[start : start + len(candidates)])
        centre = normalize(np.asarray(lexicon.article_vectors[rows].mean(axis=0)))
        described.append(
            (
                _summary(candidates, story_vectors, centre, lead, config),
                _developments(originals, candidates, story_vectors, centre, config),
            )
        )
        start += len(candidates)
    return described


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
    kept = _unchanged(ids, members_of, previous)
    texts = {a.id: a.titled_body for originals in originals_of for a in originals}
    term_counts = count_terms(texts, term_counts)
    summarised = [index for index in range(len(members_of)) if index not in kept]
    summarised_ids = [a.id for index in summarised for a in originals_of[index]]
    lexicon = _Lexicon.of(term_counts, term_counts.positions(summarised_ids), len(members_of))
    # Each summarised story's originals, as rows of the lexicon.
    bounds = np.cumsum([0, *(len(originals_of[index]) for index in summarised)]).tolist()
    rows_of = [list(range(start, end)) for start, end in itertools.pairwise(bounds)]
    representatives = [_representative(originals_of[index], embeddings, row_of) for index in summarised]
    leads = [
        originals_of[index].index(representative)
        for index, representative in zip(summarised, representatives, strict=True)
    ]
    candidate_terms = _story_keywords(lexicon, rows_of, 3 * config.keywords)
    # Each summarised original's top sentences, split once for the summary and the keywords.
    split_of = [
        [first_sentences(a.body, config.max_sentences_per_article) for a in originals_of[index]] for index in summarised
    ]
    headlines = [
        choose_headline(originals_of[index], representative)
        for index, representative in zip(summarised, representatives, strict=True)
    ]
    described = _summaries(
        [originals_of[index] for index in summarised], split_of, leads, headlines, rows_of, lexicon, config
    )
    stories = [previous[ids[index]] for index in sorted(kept)]
    for index, representative, headline, terms, split, (summary, developments) in zip(
        summarised, representatives, headlines, candidate_terms, split_of, described, strict=True
    ):
        keywords = describe_keywords(terms, split, config.keywords)
        stories.append(_story(ids[index], members_of[index], representative, headline, keywords, summary, developments))
    stories.sort(key=lambda story: (-len(story.article_ids), _time_order(articles[row_of[story.article_ids[0]]])))
    return stories, term_counts


def _unchanged(ids: Sequence[str], members_of: Sequence[Sequence[Article]], previous: Mapping[str, Story]) -> set[int]:
    """The stories (by index) that ``previous`` holds under the same id with the same articles."""
    return {
        index
        for index, (identifier, members) in enumerate(zip(ids, members_of, strict=True))
        if identifier in previous and set(previous[identifier].article_ids) == {a.id for a in members}
    }


def _story(
    identifier: str,
    members: Sequence[Article],
    representative: Article,
    headline: str,
    keywords: Sequence[str],
    summary: str,
    developments: tuple,
) -> Story:
    dates = [a.date for a in members if a.date is not None]
    return Story(
        story_id=identifier,
        headline=headline,
        summary=summary,
        keywords=tuple(keywords),
        article_ids=tuple(a.id for a in members),
        representative_id=representative.id,
        sources=tuple(sorted({name for a in members if (name := a.outlet)})),
        first_published=min(dates, default=None),
        last_published=max(dates, default=None),
        developments=developments,
    )


def _representative(originals: Sequence[Article], embeddings: np.ndarray, row_of: Mapping[str, int]) -> Article:
    """The original closest to the story's centre in embedding space."""
    vectors = embeddings[[row_of[a.id] for a in originals]]
    return originals[int(np.argmax(vectors @ vectors.mean(axis=0)))]


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
