"""Describe each story: headline, representative article, summary, what happened when, keywords, outlets,
dates.

The representative article is the one closest to the story's centre in embedding space. The headline is
the title most like the story's other titles, cleaned of labels and site names (``headline``). The summary
opens with the representative's first sentence, its dateline and agency tag moved out, then adds what the
other articles say that it does not (TF-IDF centrality with maximal marginal relevance, and no sentence
close to one already taken, in its words or, by the run's sentence embeddings, in other words); every
sentence is whole, stands on its own and is not page furniture (``sentences``). A story of more than one
day lists its developments: the first report, then each later day's lead that adds something new.
Keywords are class-based TF-IDF terms (frequent in this story, rare in the others, ``lexicon``), names and
phrases first, in the form the articles write them, common words left out (``keywords``). Reprints count
once.
"""

from __future__ import annotations

import hashlib
import itertools
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

import numpy as np
from scipy import sparse
from sklearn.preprocessing import normalize

from clustering.config import SummaryConfig
from clustering.ingest.language import UNDETERMINED, is_known
from clustering.records import Article, DedupResult, Story
from clustering.scripts import QUESTION_MARKS, word_count
from clustering.stories.headline import choose_headline
from clustering.stories.keywords import describe_stories_keywords
from clustering.stories.lexicon import Lexicon
from clustering.stories.paraphrases import SentenceEmbedder, paraphrase_checked
from clustering.stories.sentences import first_sentences, is_whole, stands_alone, without_dateline
from clustering.stories.term_counts import TermCounts, count_terms

# A summary's order is drawn this many times its length, so that sentences a paraphrase check leaves out
# have stand-ins.
_RESERVE = 3


def story_id(founder_id: str) -> str:
    """A story's id, from its first article: it stays the same as later articles join the story."""
    return "st-" + hashlib.blake2b(founder_id.encode(), digest_size=6).hexdigest()


def _time_order(article: Article) -> tuple[bool, datetime | None, str]:
    return (article.date is None, article.date, article.id)


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
            words = word_count(text)
            question = text.endswith(tuple(QUESTION_MARKS))
            fits = config.min_sentence_words <= words <= config.max_sentence_words and not question
            if fits and not furniture and is_whole(text) and (position == 0 or stands_alone(text)):
                candidates.append(_Candidate(text, index, position))
    return candidates


def _summary_order(
    candidates: Sequence[_Candidate],
    vectors: sparse.csr_matrix,
    centre: np.ndarray,
    lead_article: int,
    config: SummaryConfig,
) -> list[int]:
    """The candidates in the order a summary takes them, up to ``_RESERVE`` times its length: the lead (the
    first fit sentence of article ``lead_article``, else the most central one), then central sentences that
    say something the ones taken do not in their words, other articles' first sentences last (``vectors``:
    the candidates' TF-IDF rows;
    ``centre``: the story's normalised centroid). The ones after the summary's length stand in for those a
    paraphrase check leaves out (``paraphrases.paraphrase_checked``)."""
    # Each article's first sentence tells the event: it is the one to lead with, and after the lead, the
    # others' come only when no other sentence is left (three outlets' leads told one truck attack three
    # times over).
    opening = np.array([candidate.position == 0 for candidate in candidates])
    relevance = np.asarray(vectors @ centre.T).ravel() + config.lead_bonus * opening
    similarity = (vectors @ vectors.T).toarray()
    # A later sentence stands on its own (an opening that leans on another was taken out in _candidates).
    fit = np.array([candidate.position > 0 or stands_alone(candidate.text) for candidate in candidates])
    # The lead too, where one does: an article's first sentence may lean on its headline, which the summary
    # does not show ("He's the former Kutztown University football player who…").
    own = [index for index, candidate in enumerate(candidates) if candidate.article == lead_article]
    own = [index for index in own if stands_alone(candidates[index].text)] or own
    lead = min(own, key=lambda index: candidates[index].position) if own else int(np.argmax(relevance))
    chosen = [lead]
    while len(chosen) < min(_RESERVE * config.sentences, len(candidates)):
        redundancy = similarity[:, chosen].max(axis=1)
        score = config.relevance_weight * relevance - (1 - config.relevance_weight) * redundancy
        score[chosen] = -np.inf
        score[~fit | (redundancy >= config.max_overlap)] = -np.inf
        details = np.where(opening, -np.inf, score)
        best = int(np.argmax(details)) if np.isfinite(details).any() else int(np.argmax(score))
        if not np.isfinite(score[best]):
            break
        chosen.append(best)
    return chosen


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
    lexicon: Lexicon | None,
    story_languages: Sequence[str],
    config: SummaryConfig,
    embed_sentences: SentenceEmbedder | None,
) -> list[tuple[str, tuple[tuple[str, str], ...]]]:
    """The summary and the developments of each story (its originals, the index among them of its lead
    article, lexicon rows ``rows_of[story]``, the language it is described in); every story's sentences are
    vectorised at once, in half the time of vectorising them story by story, and the sentences a summary may
    take are embedded in rounds (``paraphrases.paraphrase_checked`` by ``embed_sentences``; none: no
    paraphrase check)."""
    candidates_of = [_candidates(split, config) for split in split_of]
    sentences = [candidate.text for candidates in candidates_of for candidate in candidates]
    languages = [
        language for language, candidates in zip(story_languages, candidates_of, strict=True) for _ in candidates
    ]
    vectors = lexicon.sentence_vectors(sentences, languages) if lexicon is not None and sentences else None
    orders: list[list[int] | None] = []
    developments: list[tuple[tuple[str, str], ...]] = []
    start = 0
    for originals, lead, rows, candidates in zip(originals_of, leads, rows_of, candidates_of, strict=True):
        if vectors is None or not candidates:  # headlines only: the headline says it
            orders.append(None)
            developments.append(())
            continue
        story_vectors = normalize(vectors[start : start + len(candidates)])
        centre = normalize(np.asarray(lexicon.article_vectors[rows].mean(axis=0)))
        orders.append(_summary_order(candidates, story_vectors, centre, lead, config))
        developments.append(_developments(originals, candidates, story_vectors, centre, config))
        start += len(candidates)
    texts_of = [[candidate.text for candidate in candidates] for candidates in candidates_of]
    chosen = paraphrase_checked(orders, texts_of, story_languages, config, embed_sentences)
    return [
        (headline if order is None else " ".join(candidates[index].text for index in order), listed)
        for headline, order, candidates, listed in zip(headlines, chosen, candidates_of, developments, strict=True)
    ]


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
    embed_sentences: SentenceEmbedder | None = None,
    preferred_languages: Sequence[str] = ("en",),
) -> tuple[list[Story], TermCounts]:
    """One ``Story`` per label, and the term counts of every story's originals; ``articles``, ``labels``
    and ``embeddings`` are aligned.

    ``story_ids`` names the stories of ``group_stories`` (by default, after their first article). A story
    in ``previous`` with the same id and the same articles is kept as it was: same headline, summary and
    keywords on every run. ``term_counts`` are the last run's: given, only the originals whose text they
    did not count are tokenised; the stories are the same as without them. ``embed_sentences`` (texts to
    L2-normalised rows: the run's embedding model) lets a summary leave out a sentence that says again in
    other words what one taken says; without it, sentences are compared by their words only. A story told
    in several languages is described in one (``summary_language``), with each other language's headline.
    Stories come largest first, then by their earliest article.
    """
    row_of = {article.id: row for row, article in enumerate(articles)}
    members_of = group_stories(articles, labels)
    ids = list(story_ids) if story_ids is not None else [story_id(members[0].id) for members in members_of]
    previous = previous or {}
    originals_of = [_described_originals(members, dedup, preferred_languages) for members in members_of]
    kept = _unchanged(ids, members_of, previous)
    texts = {a.id: a.titled_body for originals in originals_of for a in originals}
    term_counts = count_terms(texts, term_counts, {a.id: a.language for originals in originals_of for a in originals})
    summarised = [index for index in range(len(members_of)) if index not in kept]
    summarised_ids = [a.id for index in summarised for a in originals_of[index]]
    lexicon = Lexicon.of(term_counts, term_counts.positions(summarised_ids), len(members_of))
    # Each summarised story's originals, as rows of the lexicon.
    bounds = np.cumsum([0, *(len(originals_of[index]) for index in summarised)]).tolist()
    rows_of = [list(range(start, end)) for start, end in itertools.pairwise(bounds)]
    representatives = [_representative(originals_of[index], embeddings, row_of) for index in summarised]
    candidate_terms = lexicon.story_terms(rows_of, 3 * config.keywords) if lexicon else [[] for _ in rows_of]
    # Each summarised original's top sentences, split once for the summary and the keywords.
    split_of = [
        [first_sentences(a.body, config.max_sentences_per_article) for a in originals_of[index]] for index in summarised
    ]
    summarised_originals = [originals_of[index] for index in summarised]
    headlines = list(map(choose_headline, summarised_originals, representatives))
    leads = [originals.index(lead) for originals, lead in zip(summarised_originals, representatives, strict=True)]
    languages = [_language_of(originals) for originals in summarised_originals]
    described = _summaries(
        summarised_originals, split_of, leads, headlines, rows_of, lexicon, languages, config, embed_sentences
    )
    keywords_of = describe_stories_keywords(candidate_terms, split_of, languages, config.keywords)
    stories = [previous[ids[index]] for index in sorted(kept)]
    for index, representative, headline, keywords, (summary, developments) in zip(
        summarised, representatives, headlines, keywords_of, described, strict=True
    ):
        story = _story(ids[index], members_of[index], representative, headline, keywords, summary, developments)
        stories.append(_in_languages(story, originals_of[index], members_of[index], dedup, embeddings, row_of))
    stories.sort(key=lambda story: (-len(story.article_ids), _time_order(articles[row_of[story.article_ids[0]]])))
    return stories, term_counts


def _originals(members: Sequence[Article], dedup: DedupResult) -> list[Article]:
    """A story's originals: its articles that reprint none of the others (all of them when each does)."""
    return [a for a in members if a.id not in dedup.duplicate_of] or list(members)


def _described_originals(
    members: Sequence[Article], dedup: DedupResult, preferred_languages: Sequence[str]
) -> list[Article]:
    """The story's originals in its ``summary_language``."""
    return summary_language(_originals(members, dedup), preferred_languages)


def _in_languages(
    story: Story,
    described: Sequence[Article],
    members: Sequence[Article],
    dedup: DedupResult,
    embeddings: np.ndarray,
    row_of: Mapping[str, int],
) -> Story:
    """``story`` with the language it is described in (that of its ``described`` originals) and the
    headline its originals in each other language would give it."""
    originals = _originals(members, dedup)
    counts = Counter(a.language for a in originals if is_known(a.language))
    language = _language_of(described) if counts else UNDETERMINED
    headlines = []
    for other in sorted(set(counts) - {language}, key=lambda code: (-counts[code], code)):
        in_other = [a for a in originals if a.language == other]
        headlines.append((other, choose_headline(in_other, _representative(in_other, embeddings, row_of))))
    return replace(story, language=language, headlines=tuple(headlines))


def _language_of(originals: Sequence[Article]) -> str:
    """The language most of ``originals`` are known to be in; English when none is known."""
    known = Counter(a.language for a in originals if is_known(a.language))
    return known.most_common(1)[0][0] if known else "en"


def summary_language(originals: Sequence[Article], preferred_languages: Sequence[str]) -> list[Article]:
    """The originals a story is described from: those in the first of ``preferred_languages`` the story
    has, else in the language most of them are in (the earliest article's on a tie); all of them when
    their languages are not known. A headline and summary read in one language, not sentence by sentence
    in four."""
    languages = Counter(a.language for a in originals if is_known(a.language))
    if len(languages) < 2:
        return list(originals)
    chosen = next((code for code in preferred_languages if code in languages), None)
    if chosen is None:
        first_seen = {code: index for index, code in reversed(list(enumerate(a.language for a in originals)))}
        chosen = min(languages, key=lambda code: (-languages[code], first_seen[code]))
    return [a for a in originals if a.language == chosen]


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
