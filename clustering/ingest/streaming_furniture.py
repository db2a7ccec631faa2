"""Page furniture learned from a stream, one article at a time: the dedup filter's case of
``furniture.FurnitureLearner`` (the module there says what furniture is and what is copy)."""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Mapping

from clustering.ingest.furniture_rule import FurnitureRule
from clustering.ingest.segments import segments_of
from clustering.ingest.shared_copy import (
    CACHED_PARTNERS,
    copy_paragraphs,
    near_copied,
    partners_of,
    printed_once_elsewhere,
    rare_words,
    unshared_paragraphs,
    words_and_trigrams,
    words_of,
)
from clustering.records import Article


class StreamingFurniture:
    """``FurnitureLearner``'s learning for a stream, one article at a time (the dedup filter's case): each new
    article's pieces are weighed against the articles of its outlet seen before it, and what is learned
    cleans it and every later one. Replaying the same articles in the same order gives the same state, so
    an index rebuilt from its stored records learns exactly what it had learned. As in the batch rule, what
    other outlets print too is copy: not learned from an article sharing ``min_copy_words`` words of it,
    and given up by an outlet that had learned it once another outlet's article prints that much of its
    furniture (later articles keep it). With ``held`` (an earlier article by id, as the index holds it:
    its text and body spans; ``None`` when it is not held), a paragraph copy-edited throughout is copy as
    in the batch rule, read in the article's partners when it comes, and stays copy for its outlet."""

    def __init__(self, rule: FurnitureRule, held: Callable[[str], Article | None] | None = None) -> None:
        self.rule = rule
        self._held = held
        # Partners recur (the first printers of a story's pieces): their trigrams are read once while kept.
        self._partner_words = functools.lru_cache(maxsize=CACHED_PARTNERS)(self._own_words)
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
            if count >= self.rule.min_copy_words:
                for key in self.rule.furniture[other].intersection(keys):
                    self.rule.furniture[other].discard(key)
                    self._owners[key].discard(other)
        copy = self._copy_of(article, words, shared, printers) if shared else set()
        repeated = {key for key in keys if held_by.get(key)}
        own = " ".join(article.text[s:e] for s, e, key in article.segments if key not in repeated)
        rare = rare_words(f"{article.title or ''} {own}", self.rule.config.rare_zipf)
        learned = self.rule.furniture.setdefault(outlet, set())
        for key in sorted(repeated - learned - copy - self._copy[outlet]):
            if any(not self.rule.related(rare, self._rare[other]) for other in held_by[key]):
                learned.add(key)
                self._owners[key].add(outlet)
        for key in keys:
            if len(held_by[key]) < self.rule.config.max_compared:
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

        unshared = unshared_paragraphs(article, shared.isdisjoint, shared)
        near: set[int] = set()
        partners = partners_of(shared, words, printed_as_copy, self.rule.min_copy_words) if unshared else []
        if partners and self._held:
            held = {partner: own for partner in partners if (own := self._partner_words(partner))}
            near = near_copied(unshared, article.text, list(held), held.__getitem__, self.rule.config.rare_zipf)
        copy = copy_paragraphs(article, words, shared | near, self.rule.min_copy_words)
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
        return self.rule.clean(article)
