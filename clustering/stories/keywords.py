"""A story's keywords as an analyst reads them: from its c-TF-IDF terms, names first, then rare words,
then phrases, written as the articles' prose writes them; common words, days, months, reporting verbs and
agencies' names left out, pieces of names and fragments dropped, one spelling per name."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

import regex
import snowballstemmer
import stop_words

from clustering.agencies import NEWS_AGENCIES
from clustering.agencies import names as agency_names
from clustering.scripts import is_unspaced, word_count
from clustering.stories.names import skeleton
from clustering.stories.term_matrix import has_unspaced, unspaced_spans
from clustering.words import zipf

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


# A compound holding a word this long ends in it as a form of it: "cryptocurrency" and "currency".
_MIN_COMPOUND_TAIL = 6
# Past participles this long are fragments as keywords ("called", "filmed"); shorter "-ed" words are not
# participles as often ("red", "bed", "shed").
_MIN_PARTICIPLE = 6
# A one-word name this short and not an acronym is a first name or a piece ("Ed", "Fox").
_MAX_FIRST_NAME = 3


# Words as terms cut them (``term_matrix``): the regex package's \w keeps a word's combining marks.
_TOKEN = regex.compile(r"[^\W\d_][\w'’-]*[^\W_]|[^\W\d_]")
_POSSESSIVE = re.compile(r"['’]s$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _Prose:
    """How a story's prose writes its words and word pairs. Prose is the sentences of each original that
    read as prose (five words or more, not furniture by shape). A pair counts only where its words stand
    side by side with nothing but spaces between ("auckland new" across a sentence end is not one);
    possessives are folded ("Year's" is "Year"). ``forms`` counts every way a term is written, ``inside``
    those not opening a sentence (where a capital says nothing of a name), ``articles`` the originals it is
    in; ``in_name_runs`` how often a word stands inside a longer run of capitalised words; ``sentences`` how
    many sentences of prose there are."""

    forms: dict[str, Counter[str]]
    inside: dict[str, Counter[str]]
    articles: Counter[str]
    in_name_runs: Counter[str]
    sentences: int

    @classmethod
    def of(
        cls, sentences_of_articles: Sequence[Sequence[tuple[str, bool]]], terms: Sequence[str], language: str
    ) -> _Prose:
        """The prose of each original's ``first_sentences`` in ``language``, counted for ``terms`` only."""
        wanted = set(terms)
        words = {word for term in terms for word in term.split()}
        forms: dict[str, Counter[str]] = defaultdict(Counter)
        inside: dict[str, Counter[str]] = defaultdict(Counter)
        articles: Counter[str] = Counter()
        in_name_runs: Counter[str] = Counter()
        prose_sentences = 0
        for sentences in sentences_of_articles:
            seen: set[str] = set()
            for sentence in _prose(sentences):
                prose_sentences += 1
                spans = _token_spans(sentence, language)
                tokens = [sentence[start:end] for start, end in spans]
                folded = [token.lower() for token in tokens]
                if words.isdisjoint(folded):
                    continue
                for index, key in enumerate(folded):
                    key = _POSSESSIVE.sub("", key)
                    if key not in words:
                        continue
                    surface = _POSSESSIVE.sub("", tokens[index])
                    found = [(key, surface)] if key in wanted else []
                    if index + 1 < len(tokens):
                        following = _POSSESSIVE.sub("", tokens[index + 1])
                        pair = f"{key} {following.lower()}"
                        end, next_start = spans[index][1], spans[index + 1][0]
                        # Side by side: nothing but spaces between, and not two pairs of characters that overlap.
                        if pair in wanted and end <= next_start and not sentence[end:next_start].strip(" \t"):
                            found.append((pair, _joined(surface, following)))
                            # A word and the first of a name's words: "spokesman Jonathan" of "… Jonathan Guerin".
                            after_pair = tokens[index + 2][:1] if index + 2 < len(tokens) else ""
                            if surface[:1].islower() and following[:1].isupper() and after_pair.isupper():
                                in_name_runs[pair] += 1
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
        return cls(forms, inside, articles, in_name_runs, prose_sentences)

    def occurrences(self, term: str) -> int:
        """How often the prose writes ``term``."""
        return sum(self.forms[term].values())

    def wording(self, term: str, written: str, articles: int) -> bool:
        """Whether the phrase ``term`` (``written`` so) is one article's wording rather than the story's: of a
        story of several ``articles``, one writes it; of a story of one, it is written once among several
        sentences, and not in capitals (a name opening its only sentence is not known to be one)."""
        if articles > 1:
            return self.articles[term] < 2
        capitalised = all(word[:1].isupper() for word in written.split())
        return self.sentences > 1 and self.occurrences(term) < 2 and not capitalised

    def inside_longer_names(self, term: str) -> bool:
        """Whether ``term`` stands, in most of its occurrences, inside a longer run of capitalised words (a
        word: "San" of "San Jose", "Aviation" of "Civil Aviation"), or cuts one (a pair of a word and a
        name's first word: "spokesman Jonathan" of "spokesman Jonathan Guerin"): a piece, not a name."""
        inside = self.in_name_runs[term]
        return inside > 0 and inside >= 4 * max(0, self.occurrences(term) - inside)


@dataclass(frozen=True, slots=True)
class Casing:
    """How a corpus's prose writes its words inside sentences: ``lower`` in lowercase, ``alone`` capitalised
    with no capitalised word beside it. A common word the corpus writes in lowercase at least as often as it
    writes it alone with a capital is a common noun that is capitalised inside names ("Street" of "High
    Street", "Party", "President", "News" of "CBS News"), not a name of its own ("Apple", "Obama")."""

    lower: Counter[str]
    alone: Counter[str]

    @classmethod
    def of(
        cls, sentences_of_stories: Iterable[Sequence[Sequence[tuple[str, bool]]]], words: Collection[str] = ()
    ) -> Casing:
        """The casing of every story's originals' ``first_sentences``: of ``words`` (lowercase) only when
        given (the corpus's other words would take memory and time for nothing)."""
        lower: Counter[str] = Counter()
        alone: Counter[str] = Counter()
        for sentences_of_articles in sentences_of_stories:
            for sentences in sentences_of_articles:
                for sentence in _prose(sentences):
                    tokens = [_POSSESSIVE.sub("", token) for token in _TOKEN.findall(sentence)]
                    capital = [token[:1].isupper() for token in tokens]
                    for index in range(1, len(tokens)):  # a sentence's first word is capitalised as its first
                        word = tokens[index].lower()
                        if words and word not in words:
                            continue
                        if not capital[index]:
                            lower[word] += 1
                        elif not capital[index - 1] and not (index + 1 < len(tokens) and capital[index + 1]):
                            alone[word] += 1
        return cls(lower, alone)

    def common_noun(self, word: str) -> bool:
        """Whether ``word`` (lowercase) is written in lowercase at least as often as alone with a capital."""
        return self.lower[word] > 0 and self.lower[word] >= self.alone[word]


def _prose(sentences: Sequence[tuple[str, bool]]) -> Iterator[str]:
    """The sentences of ``first_sentences`` that read as prose: five words or more (``scripts.word_count``),
    not furniture by shape."""
    return (sentence for sentence, furniture in sentences if not furniture and word_count(sentence) >= 5)


def _joined(first: str, second: str) -> str:
    """Two words side by side as the text writes them: with a space, but in a script written without spaces
    with none ("特朗普" and "政府" are "特朗普政府")."""
    return first + second if is_unspaced(first[-1]) and is_unspaced(second[0]) else f"{first} {second}"


def _token_spans(sentence: str, language: str) -> list[tuple[int, int]]:
    """Where the words of ``sentence`` in ``language`` stand, as its terms cut them (in a script written
    without spaces, ``term_matrix.unspaced_spans``)."""
    spans = [match.span() for match in _TOKEN.finditer(sentence)]
    if not has_unspaced(sentence):
        return spans
    return [
        (start + first, start + last)
        for start, end in spans
        for first, last in unspaced_spans(sentence[start:end], language)
    ]


def describe_keywords(
    candidates: Sequence[str],
    sentences_of_articles: Sequence[Sequence[tuple[str, bool]]],
    count: int,
    language: str = "en",
    casing: Casing | None = None,
) -> list[str]:
    """The keywords an analyst can use, from ``candidates`` (c-TF-IDF terms, heaviest first) and the
    ``first_sentences`` of each of the story's originals: names first (several words before one), then rare
    words, then phrases; common words, days, months, reporting verbs and agencies left out, pieces of names
    and fragments dropped, one spelling per name ("Al-Bukamal" and "Albukamal"), each written as the
    articles' prose writes it (widgets and captions, "Hide Caption", "Share", are not prose). How common a
    word is, is read in the story's ``language`` ("der" is as common in German as "the" in English); a common
    word capitalised is a name only where the corpus's ``casing`` (the story's own without it) does not
    write it as a common noun."""
    prose = _Prose.of(sentences_of_articles, candidates, language)
    ranked = _ranked(candidates, prose, casing or Casing.of([sentences_of_articles]), language)
    chosen: list[tuple[str, str]] = []
    stem = _stemmer(language)
    for group, _, term, written in ranked:
        words = term.split()
        if any(_within(words, other.split(), stem) for other, _ in chosen):
            continue  # "albu" once "albu kamal" is in; "syrian" once "syria" is
        inside = [
            index for index, (other, _) in enumerate(chosen) if group == 0 and _within(other.split(), words, stem)
        ]
        if inside:  # "Islamic State" in place of "Islamic"
            chosen[inside[0]] = (term, written)
            continue
        shared = any(
            _same_word(mine, theirs, stem) for other, _ in chosen for mine in words for theirs in other.split()
        )
        if shared and (group >= 2 or len(words) > 1):
            continue  # "state group" beside "islamic state", "transport police" beside "british transport"
        if group == 3 and prose.wording(term, written, len(sentences_of_articles)):
            continue  # a phrase of one article's wording, not of the story: "immediately receive", "took place"
        if group == 3 and (words[0].endswith(("ing", "ed")) or _participle(words[-1])):
            continue  # "addressing iranian", "mannequin called": a verb and its object or subject
        if group == 2 and _participle(term):
            continue  # "filmed", "overturned": what happened, said by a word of the sentence
        if group == 1 and len(written) <= _MAX_FIRST_NAME and written[1:].islower():
            continue  # "Ed", "Fox": a first name or a fragment; "UN", "NHS", "BoE" stay
        chosen.append((term, written))
        if len(chosen) == count:
            break
    return [written for _, written in chosen]


def describe_stories_keywords(
    candidate_terms: Sequence[Sequence[str]],
    sentences_of_stories: Sequence[Sequence[Sequence[tuple[str, bool]]]],
    languages: Sequence[str],
    count: int,
) -> list[list[str]]:
    """``describe_keywords`` of each story, how the prose writes a common word read over all of them."""
    names = {term for terms in candidate_terms for term in terms if " " not in term}
    casing = Casing.of(sentences_of_stories, names)
    return [
        describe_keywords(terms, sentences, count, language, casing)
        for terms, sentences, language in zip(candidate_terms, sentences_of_stories, languages, strict=True)
    ]


def _ranked(candidates: Sequence[str], prose: _Prose, casing: Casing, language: str) -> list[tuple[int, int, str, str]]:
    """The ``candidates`` that may be keywords, as (group, order, term, written) sorted: names of several
    words (group 0), of one (1), rare words (2), phrases (3), each group in the candidates' order."""
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
        commonness = max(zipf(word, language) for word in words)
        generic = len(words) == 1 and (
            commonness >= (_GENERIC_NAME_ZIPF if is_name else _GENERIC_ZIPF)
            or (commonness >= _GENERIC_ZIPF and casing.common_noun(term))
        )
        if generic or words[-1] in _CALENDAR or _NOT_KEYWORDS.intersection(words):
            continue
        if any(has_unspaced(word) and (len(word) < 2 or zipf(word, language) == 0) for word in words):
            # With no spaces to tell where words end, a run the language's word list lacks is a fragment, and
            # so is most one-character word ("将", "因"; "埃" of "埃博拉", a name the list lacks).
            continue
        if (is_name or len(words) > 1) and prose.inside_longer_names(term):
            continue  # a piece of a longer name: "San" of "San Jose", "spokesman Jonathan" of "… Jonathan Guerin"
        key = skeleton(term.replace(" ", ""))
        if key in seen_skeletons:
            continue
        seen_skeletons.add(key)
        group = (0 if len(words) > 1 else 1) if is_name else (2 if len(words) == 1 else 3)
        ranked.append((group, order, term, written))
    return sorted(ranked)


def _singular(word: str) -> str:
    """``word`` without a possessive or a regular plural ending: "currencies" → "currency", "taxes" → "tax",
    "ships" → "ship" ("bus", "crisis", "glass" left as they are)."""
    word = word.removesuffix("'s").removesuffix("’s")
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("ses", "xes", "zes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3:
        return word[:-1]
    return word


@lru_cache(maxsize=64)
def _stemmer(language: str) -> Callable[[str], str] | None:
    """Snowball's stemmer of ``language`` (an ISO 639-1 code, named as the ``stop-words`` package names it),
    for a language other than English, whose forms ``_same_word``'s own rules fold; None where Snowball
    has none."""
    name = stop_words.LANGUAGE_MAPPING.get(language)
    if language == "en" or name not in snowballstemmer.algorithms():
        return None
    return lru_cache(maxsize=100_000)(snowballstemmer.stemmer(name).stemWord)  # pure Python: a word once


def _same_word(first: str, second: str, stem: Callable[[str], str] | None = None) -> bool:
    """One word, or a form of it: "syria" and "syrian", "iran" and "iranian", "year" and "year's",
    "currency" and "currencies", and a compound ending in a long word: "cryptocurrency" and "currency";
    in another language, two words of one ``stem`` of four letters or more as well: Russian "пожары" and
    "пожаров"."""
    if stem is not None and first != second and len(stemmed := stem(first)) >= 4 and stemmed == stem(second):
        return True
    first, second = _singular(first), _singular(second)
    shorter, longer = sorted((first, second), key=len)
    if first == second or (longer.endswith(shorter) and len(shorter) >= _MIN_COMPOUND_TAIL):
        return True
    return longer.startswith(shorter) and len(longer) - len(shorter) <= 3 and len(shorter) >= 4


def _participle(word: str) -> bool:
    """A past participle ("called", "filmed", "overturned"): in a keyword, a fragment of a sentence."""
    return len(word) >= _MIN_PARTICIPLE and word.endswith("ed") and not word.endswith("eed")


def _within(words: Sequence[str], other: Sequence[str], stem: Callable[[str], str] | None = None) -> bool:
    """Every word of ``words`` is (a form of) a word of ``other``."""
    return all(any(_same_word(word, theirs, stem) for theirs in other) for word in words)
