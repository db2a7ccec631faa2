"""Page furniture learned from the corpus: the text an outlet repeats across articles about different things.

A newsletter box, a cookie notice, a copyright footer or a "we pay for your stories" plea recurs, word for
word, in every article a site publishes, whatever the article is about. Agency copy recurs too, but in
articles about one event. So the text one outlet repeats in two articles that share nothing else (their
rare words, outside the repeated text, hardly overlap) is that outlet's furniture; text it repeats only
within articles about one thing is left alone (it is copy, or an update of the same report).

Furniture is what only its own outlet prints. Newsrooms paste background paragraphs of an agency story they
printed into their reports on other events: such a block recurs in two of the outlet's articles about
different things, yet it is copy. So a repeated piece is never furniture when it stands in a run of
adjacent paragraphs each holding a piece that another outlet (or an agency) prints in one of its articles,
as a story's copy (not again and again, as its own furniture), and those pieces come to as many words as
make reuse (``min_copy_words``, the reuse pairs' ``min_shared_words``): the sentences of such a paragraph
that a copy-edit changed stay with the ones it did not, and a paragraph whose every sentence was edited
counts when most of its words stand in an article that shares that much with its own (``shared_copy``;
the stream reads such partners in the texts its index holds). Pieces learned earlier are given up once another
outlet's article prints that many words of them (``shrunk_``: that outlet's articles are cleaned again). A
line that other sites print again and again ("Follow us on Twitter") or a generic sentence of several
sites' newsletter boxes ("Enter your email address to sign up.") is no evidence, and stays furniture.

The unit is the *segment*: a sentence-like piece of a body paragraph (cut after ".", "!" or "?"),
recognised by a digest of its words (``segments_of``, made once per article by cleaning and kept with it).
Where the segments cut is not where sentences end (after "Mr.", say): only the same cut in two articles
matters, and a run of furniture shorter than ``min_run_words`` that is not a whole paragraph stays in.

``FurnitureLearner`` is a scikit-learn estimator: ``fit`` learns each outlet's furniture from articles,
starting from what earlier runs learned (the store keeps it per outlet, less what proved copy), so one new
article from a known site is cleaned at once; ``transform`` takes the learned furniture out of each body,
recording the spans it took out. A site seen once is cleaned by the shape rules of ``clean`` alone.
This is the line- and paragraph-frequency filter of web-corpus cleaning (CCNet, RefinedWeb), scoped to
one outlet and checked against the topic, so that wire copy is never mistaken for it.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from itertools import combinations

from sklearn.base import BaseEstimator

from clustering.config import FurnitureConfig, ReuseConfig, settings_init
from clustering.ingest.clean import title_line_span
from clustering.ingest.segments import Segment, segments_of
from clustering.ingest.shared_copy import (
    CACHED_PARTNERS,
    copy_and_given_up,
    copy_paragraphs,
    near_copied,
    paragraph_keys,
    partners_of,
    printed_once_elsewhere,
    rare_words,
    words_and_trigrams,
    words_of,
)
from clustering.records import Article, joined_paragraphs

_WORD = re.compile(r"\w+")


def _without(text: str, spans: Sequence[tuple[int, int]], cut: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """``spans`` of ``text`` less the parts inside ``cut`` (both in order), each part trimmed of white space
    and kept only if it holds a word."""
    kept: list[tuple[int, int]] = []
    for start, end in spans:
        position = start
        for cut_start, cut_end in cut:
            if cut_end <= position or cut_start >= end:
                continue
            if cut_start > position:
                kept.append((position, cut_start))
            position = max(position, cut_end)
        if position < end:
            kept.append((position, end))
    trimmed = []
    for start, end in kept:
        part = text[start:end]
        if _WORD.search(part):
            left = start + len(part) - len(part.lstrip())
            trimmed.append((left, start + len(part.rstrip())))
    return trimmed


class FurnitureLearner(BaseEstimator):
    """Learns each outlet's page furniture from its articles and takes it out of their bodies.

    Parameters are those of ``FurnitureConfig`` (its defaults). Fitted: ``furniture_``, the segment keys
    learned as furniture, by outlet; ``grown_``, the outlets whose furniture the last fit added to;
    ``shrunk_``, those whose furniture it gave up pieces of (another outlet prints them).
    """

    # Copy takes as many words shared with other outlets as a reuse pair does (``reuse.min_shared_words``).
    __init__ = settings_init(FurnitureConfig, min_copy_words=ReuseConfig().min_shared_words)

    @classmethod
    def of(cls, furniture: FurnitureConfig, reuse: ReuseConfig) -> FurnitureLearner:
        """The learner a run's settings make: ``furniture``'s parameters, copy as long as a reuse pair."""
        return cls(**dataclasses.asdict(furniture), min_copy_words=reuse.min_shared_words)

    def fit(
        self,
        articles: Sequence[Article],
        previous: Mapping[str, Iterable[int]] | None = None,
        fresh: Collection[str] | None = None,
    ) -> FurnitureLearner:
        """Learn from ``articles`` (cleaned: with their segments), adding to ``previous`` (outlet → keys: what
        earlier fits learned).

        With ``fresh`` (ids of the articles new since ``previous`` was learned), only the pieces those articles
        hold are weighed: what the others share was weighed when they came. Fitted: ``furniture_``,
        ``grown_`` and ``shrunk_``."""
        if not self.learn:  # only the shape rules of cleaning take furniture out
            articles, previous = [], {}
        self.furniture_: dict[str, set[int]] = {outlet: set(keys) for outlet, keys in (previous or {}).items()}
        candidates: dict[str, set[int]] | None = None
        if fresh is not None:
            candidates = defaultdict(set)
            for article in articles:
                if article.id in fresh and article.outlet:
                    candidates[article.outlet].update(key for _, _, key in article.segments)
        holders: dict[str, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
        for index, article in enumerate(articles):
            if article.outlet and (candidates is None or article.outlet in candidates):
                weighed = None if candidates is None else candidates[article.outlet]
                for key in dict.fromkeys(key for _, _, key in article.segments):
                    if weighed is None or key in weighed:
                        holders[article.outlet][key].append(index)
        repeated_of = {
            outlet: {key for key, held in held_by.items() if len(held) > 1} for outlet, held_by in holders.items()
        }
        copy, given_up = copy_and_given_up(articles, repeated_of, self.furniture_, self.min_copy_words, self.rare_zipf)
        self.shrunk_ = set()
        for outlet, keys in given_up.items():
            if keys:
                self.furniture_[outlet] -= keys
                self.shrunk_.add(outlet)
        before = {outlet: len(keys) for outlet, keys in self.furniture_.items()}
        for outlet, held_by in holders.items():
            repeated = repeated_of[outlet]
            learned = self.furniture_.setdefault(outlet, set())
            rare: dict[int, set[str]] = {}

            def topic_of(index: int, repeated: set[int] = repeated, rare: dict[int, set[str]] = rare) -> set[str]:
                # What the article is about: its title and what its outlet does not repeat.
                if index not in rare:
                    article = articles[index]
                    own = " ".join(article.text[s:e] for s, e, key in article.segments if key not in repeated)
                    rare[index] = rare_words(f"{article.title or ''} {own}", self.rare_zipf)
                return rare[index]

            for key in sorted(repeated - learned - copy.get(outlet, set())):
                held = held_by[key][: self.max_compared]
                if any(not self.related(topic_of(a), topic_of(b)) for a, b in combinations(held, 2)):
                    learned.add(key)
        # An outlet that gave up all it had keeps its (empty) entry: what is stored of it is replaced.
        self.furniture_ = {outlet: keys for outlet, keys in self.furniture_.items() if keys or outlet in self.shrunk_}
        self.grown_ = {outlet for outlet, keys in self.furniture_.items() if len(keys) > before.get(outlet, 0)}
        return self

    def related(self, first: set[str], second: Collection[str]) -> bool:
        """Whether two articles' rare words say they are about one thing (or too few to tell)."""
        smaller = min(len(first), len(second))
        if smaller < self.min_rare_words:
            return True  # too little to tell apart: as if about one thing, so nothing is taken out
        return len(first.intersection(second)) / smaller > self.max_relatedness

    def furniture_runs(self, article: Article) -> list[tuple[int, int]]:
        """The spans of ``article.text`` that are its outlet's learned furniture: runs of furniture segments
        within a paragraph, of ``min_run_words`` words or more or filling the paragraph."""
        learned = self.furniture_.get(article.outlet or "", set())
        if not learned:
            return []
        spans = article.body_spans
        runs: list[tuple[int, int]] = []
        run: list[Segment] = []
        paragraph = 0

        def close() -> None:
            if run:
                start, end = run[0][0], run[-1][1]
                if (
                    len(_WORD.findall(article.text, start, end)) >= self.min_run_words
                    or (start, end) == spans[paragraph]
                ):
                    runs.append((start, end))
                run.clear()

        for segment in article.segments:  # in the order of the paragraphs they are in
            while paragraph < len(spans) - 1 and segment[0] >= spans[paragraph][1]:
                close()
                paragraph += 1
            if segment[2] in learned:
                run.append(segment)
            else:
                close()
        close()
        return runs

    def transform(self, articles: Sequence[Article]) -> list[Article]:
        """Each article without its learned furniture (the same object where it has none)."""
        return [self.clean(article) for article in articles]

    def clean(self, article: Article) -> Article:
        """``article`` without its outlet's learned furniture; the spans taken out are added to its
        ``furniture_spans`` (``text`` stays as it was read)."""
        runs = self.furniture_runs(article)
        if not runs:
            return article
        paragraphs = _without(article.text, article.body_spans, runs)
        if not paragraphs and (title_span := title_line_span(article)) is not None:
            paragraphs = [title_span]  # nothing but furniture: a headline-only record, as cleaning makes it
        return dataclasses.replace(
            article,
            body=joined_paragraphs(article.text, paragraphs),
            body_spans=tuple(paragraphs),
            segments=tuple(s for s in article.segments if not any(a <= s[0] and s[1] <= b for a, b in runs)),
            furniture=(*article.furniture, *(article.text[start:end] for start, end in runs)),
            furniture_spans=tuple(sorted({*article.furniture_spans, *runs})),
        )


class StreamingFurniture:
    """``FurnitureLearner``'s rule for a stream, one article at a time (the dedup filter's case): each new
    article's pieces are weighed against the articles of its outlet seen before it, and what is learned
    cleans it and every later one. Replaying the same articles in the same order gives the same state, so
    an index rebuilt from its stored records learns exactly what it had learned. As in the batch rule, what
    other outlets print too is copy: not learned from an article sharing ``min_copy_words`` words of it,
    and given up by an outlet that had learned it once another outlet's article prints that much of its
    furniture (later articles keep it). With ``held`` (an earlier article by id, as the index holds it:
    its text and body spans; ``None`` when it is not held), a paragraph copy-edited throughout is copy as
    in the batch rule, read in the article's partners when it comes, and stays copy for its outlet."""

    def __init__(self, learner: FurnitureLearner, held: Callable[[str], Article | None] | None = None) -> None:
        self.learner = learner
        self._held = held
        # Partners recur (the first printers of a story's pieces): their trigrams are read once while kept.
        self._partner_words = functools.lru_cache(maxsize=CACHED_PARTNERS)(self._own_words)
        self.learner.furniture_ = {}
        self.learner.grown_ = set()
        self.learner.shrunk_ = set()
        # Per outlet: each piece's first holders (ids), and each holder's rare words.
        self._holders: dict[str, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
        self._rare: dict[str, tuple[str, ...]] = {}  # tuples: a fifth of a set's memory
        # Each piece's outlet, how many of its articles print it (up to 2) and the first of them, as a
        # tuple while one outlet does (most pieces), a dict by outlet once several do; the outlets whose
        # furniture each learned piece is; per outlet, the pieces read as copy in other words.
        self._printed: dict[int, tuple[str, int, str] | dict[str, tuple[int, str]]] = {}
        self._owners: dict[int, set[str]] = defaultdict(set)
        self._copy: dict[str, set[int]] = defaultdict(set)

    def observe(self, article: Article) -> Article:
        """Learn from ``article`` (cleaned), remember it, and return it without its outlet's furniture."""
        outlet = article.outlet
        if not outlet or article.id in self._rare:
            return self.clean(article)
        held_by = self._holders[outlet]
        keys = list(dict.fromkeys(key for _, _, key in article.segments))
        for key in keys:
            self._count_print(key, outlet, article.id)
        # A piece another outlet prints has a dict entry (the current outlet's own pieces stay tuples).
        printers = {key: entry for key in keys if isinstance(entry := self._printed[key], dict)}
        shared = {
            key
            for key, entry in printers.items()
            if printed_once_elsewhere({other: count for other, (count, _) in entry.items()}, outlet)
        }
        owned_keys = [key for key in keys if any(other != outlet for other in self._owners.get(key, ()))]
        words = words_of(article) if shared or owned_keys else {}
        owned: dict[str, int] = defaultdict(int)  # words of other outlets' furniture this article prints
        for key in owned_keys:
            for other in self._owners[key] - {outlet}:
                owned[other] += words[key]
        for other, count in owned.items():
            if count >= self.learner.min_copy_words:
                for key in self.learner.furniture_[other].intersection(keys):
                    self.learner.furniture_[other].discard(key)
                    self._owners[key].discard(other)
        copy = self._copy_of(article, words, shared, printers) if shared else set()
        repeated = {key for key in keys if held_by.get(key)}
        own = " ".join(article.text[s:e] for s, e, key in article.segments if key not in repeated)
        rare = rare_words(f"{article.title or ''} {own}", self.learner.rare_zipf)
        learned = self.learner.furniture_.setdefault(outlet, set())
        for key in sorted(repeated - learned - copy - self._copy[outlet]):
            if any(not self.learner.related(rare, self._rare[other]) for other in held_by[key]):
                learned.add(key)
                self._owners[key].add(outlet)
        for key in keys:
            if len(held_by[key]) < self.learner.max_compared:
                held_by[key].append(article.id)
        self._rare[article.id] = tuple(rare)
        return self.clean(article)

    def _count_print(self, key: int, outlet: str, article_id: str) -> None:
        entry = self._printed.get(key)
        if entry is None:
            self._printed[key] = (outlet, 1, article_id)
        elif isinstance(entry, tuple):
            first, count, first_id = entry
            if first == outlet:
                self._printed[key] = (outlet, 2, first_id)
            else:
                self._printed[key] = {first: (count, first_id), outlet: (1, article_id)}
        else:
            count, first_id = entry.get(outlet, (0, article_id))
            entry[outlet] = (min(count + 1, 2), first_id)

    def _copy_of(
        self,
        article: Article,
        words: Mapping[int, int],
        shared: set[int],
        printers: Mapping[int, Mapping[str, tuple[int, str]]],
    ) -> set[int]:
        """The keys of ``article``'s paragraphs that are copy: by key (``shared``), or in other words in one
        of its partners (each the one article of another outlet printing a shared piece, held), which its
        outlet then keeps as copy."""
        outlet = article.outlet or ""

        def printed_as_copy(key: int) -> list[str]:
            return [first for other, (count, first) in printers[key].items() if other != outlet and count == 1]

        unshared = [(span, keys) for span, keys in paragraph_keys(article) if not shared.intersection(keys)]
        near: set[int] = set()
        partners = partners_of(shared, words, printed_as_copy, self.learner.min_copy_words) if unshared else []
        if partners and self._held:
            held = {partner: own for partner in partners if (own := self._partner_words(partner))}
            near = near_copied(unshared, article.text, list(held), held.__getitem__, self.learner.rare_zipf)
        copy = copy_paragraphs(article, words, shared | near, self.learner.min_copy_words)
        self._copy[outlet].update(copy & near)
        return copy

    def _own_words(self, article_id: str) -> set[int]:
        """The held article's ``words_and_trigrams`` less what its outlet repeats (as the batch rule reads a
        partner)."""
        held = self._held(article_id) if self._held is not None else None
        if held is None:
            return set()
        holders = self._holders[held.outlet or ""]
        repeated = {key for key, ids in holders.items() if len(ids) > 1}
        return words_and_trigrams(held.text, segments_of(held.text, held.body_spans), repeated)

    def clean(self, article: Article) -> Article:
        """``article`` without the furniture learned so far (learning nothing from it)."""
        return self.learner.clean(article)
