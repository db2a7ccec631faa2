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
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from itertools import combinations

from sklearn.base import BaseEstimator

from clustering.config import FurnitureConfig, ReuseConfig, settings_init
from clustering.ingest.furniture_rule import FurnitureRule
from clustering.ingest.shared_copy import copy_and_given_up, rare_words
from clustering.records import Article


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
        related = self.rule().related
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
                if any(not related(topic_of(a), topic_of(b)) for a, b in combinations(held, 2)):
                    learned.add(key)
        # An outlet that gave up all it had keeps its (empty) entry: what is stored of it is replaced.
        self.furniture_ = {outlet: keys for outlet, keys in self.furniture_.items() if keys or outlet in self.shrunk_}
        self.grown_ = {outlet for outlet, keys in self.furniture_.items() if len(keys) > before.get(outlet, 0)}
        return self

    def rule(self) -> FurnitureRule:
        """The fitted furniture as a rule under this learner's parameters."""
        settings = {name: getattr(self, name) for name in (f.name for f in dataclasses.fields(FurnitureConfig))}
        return FurnitureRule(FurnitureConfig(**settings), self.min_copy_words, self.furniture_)

    def transform(self, articles: Sequence[Article]) -> list[Article]:
        """Each article without its learned furniture (the same object where it has none); the spans taken
        out are added to its ``furniture_spans`` (``text`` stays as it was read)."""
        rule = self.rule()
        return [rule.clean(article) for article in articles]
