"""The dedup step other pipelines embed: a persistent index of articles that finds reprints and reused
passages among everything indexed before, one article at a time.

Candidates come from LSH over MinHash signatures of overlapping passage windows (``lsh``), so a
four-paragraph paste into a long article is found where whole-document MinHash sees two different texts;
candidates are then aligned exactly (``pairs.compare``), in turn, until each passage has its source
(``_SourceSearch``). The articles persist in a SQLite file when
``path`` is given: reopening it restores the index, so today's feed is checked against last week's. With
``lsh_storage={"type": "redis", "redis": {...}, "basename": b"..."}`` the LSH tables and the articles live
in Redis, shared by every worker that names the same basename. ``flows/dedup_files.py`` runs it over files.
"""

from __future__ import annotations

import dataclasses
from array import array
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from clustering.config import FurnitureConfig, MinHashConfig, ReuseConfig
from clustering.ingest.clean import ensure_cleaned
from clustering.ingest.furniture_rule import FurnitureRule
from clustering.ingest.streaming_furniture import StreamingFurniture
from clustering.records import Article, ReusePair
from clustering.reuse.candidate_order import alignment_order, by_window, close_windows, first_wanted, missed
from clustering.reuse.lsh import Hits, LocalWindows, SharedWindows, WindowIndex
from clustering.reuse.minhash import MinHasher
from clustering.reuse.near_duplicates import IndexConflictError
from clustering.reuse.pairs import compare
from clustering.reuse.signing import ReuseArticle, dateline_credit, sign_article, windows_within
from clustering.storage.documents import DocumentStore, RedisDocuments, SQLiteDocuments


@dataclass(frozen=True, slots=True)
class Match:
    """What the index knows of an article: the canonical article it reprints, and the pairs naming its
    sources (each passage against one; every article sharing text with ``reuse.stream_every_source``)."""

    duplicate_of: str | None
    pairs: list[ReusePair]


@dataclass(frozen=True, slots=True)
class HeldArticle:
    """An indexed article as alignment reads it, kept small: its text in UTF-8 (a text with one curly quote
    is held by Python at two bytes a character), its paragraph spans packed, its dateline credit, and none
    of what alignment does not read (the body, segments, comments, furniture): two fifths of the cleaned
    ``Article``'s memory (README "Wire-copy reuse")."""

    fields: Article  # the article without text, body, spans, segments, comments and furniture
    text: bytes
    body_spans: bytes  # each paragraph's start and end, 64-bit (one object, where an array took two)
    credit: str | None  # signing.dateline_credit

    @classmethod
    def of(cls, article: Article) -> HeldArticle:
        kept = dataclasses.replace(
            article,
            text="",
            body="",
            body_spans=(),
            segments=(),
            comments="",
            furniture=(),
            furniture_spans=(),
        )
        text = article.text.encode("utf-8", "surrogatepass")
        spans = array("q", [edge for span in article.body_spans for edge in span]).tobytes()
        return cls(kept, text, spans, dateline_credit(article))

    def _span_rows(self) -> np.ndarray:
        """The body spans, rows of start and end (a view of the packed bytes)."""
        return np.frombuffer(self.body_spans, dtype=np.int64).reshape(-1, 2)

    @property
    def article(self) -> Article:
        """The article with its text and body spans, and no body."""
        text = self.text.decode("utf-8", "surrogatepass")
        spans = tuple(map(tuple, self._span_rows().tolist()))
        return dataclasses.replace(self.fields, text=text, body_spans=spans)

    def tokenized(self, shingle_words: int) -> ReuseArticle:
        """The article as alignment reads it, tokenised from the held text; its ``article`` is ``fields``,
        without the text (a candidate's text is read only through its arrays: building the whole article
        again took a fifth of tokenising it, and its decoded text a third of a kept candidate's memory)."""
        text = self.text.decode("utf-8", "surrogatepass")
        return ReuseArticle.read(self.fields, text, self._span_rows(), self.credit, shingle_words)


@dataclass(frozen=True, slots=True)
class _Candidates:
    """A record's candidates (``hits``), the order to align them in (indices into ``hits.owners``), and
    each one's original (its number; itself when it reprints none) and whether it is a known reprint."""

    hits: Hits
    order: np.ndarray
    originals: np.ndarray
    reprint: np.ndarray


class _SourceSearch:
    """One record's search for its sources among its candidates, aligned in turn (``Deduplicator._match``).

    A candidate is wanted while it meets an *open* window of the record: one that no source before it was
    found sharing text through, and not given up after ``reuse.misses_per_window`` candidates met through
    it shared too little. So a passage many indexed articles print is aligned once, not once per article
    (where sentences recur in hundreds of records, aligning them all cost 0.4 ms a candidate, most of such
    a run), and a reprint of a reprinted story names the story. Two searches go on past closed windows,
    each for at most ``misses_per_window`` candidates:
    - once an earlier page holding the whole record and more is found (it closes every window before the
      story the record reprints is met), candidates meeting half its windows or more, until one is the
      record's source;
    - once that story is found, its known reprints: one sharing more words with the record than the story
      does is what the record was copied from (a reprint of a reprint), and is named too.
    """

    def __init__(self, signed: ReuseArticle, candidates: _Candidates, config: ReuseConfig) -> None:
        self.signed, self.config = signed, config
        self.hits, self.originals, self.reprint = candidates.hits, candidates.originals, candidates.reprint
        windows = len(signed.window_starts)
        self.open_windows = np.zeros(windows, dtype=bool)
        self.open_windows[self.hits.windows] = True
        self.misses = np.zeros(windows, dtype=np.int64)
        met = np.diff(self.hits.bounds)
        self.broad = met * 2 >= windows
        # Each candidate's open windows, kept as windows close (the candidates meeting each window: by_window
        # from window_bounds[w] to window_bounds[w + 1], as indices into hits): counting them again for
        # every candidate aligned was a fifth of the cost where hundreds of candidates meet a record.
        self.open_met = met.copy()
        self.by_window, self.window_bounds = by_window(self.hits.bounds, self.hits.windows, windows)
        self.sought: int | None = None  # broad candidates still to align, once a page holding all is found
        self.story = -1  # the number of the story the record reprints, once found
        self.story_words = 0
        self.copies_left = 0  # the story's reprints still to align

    def first_wanted(self, order: np.ndarray, start: int) -> int:
        """The first position of ``order`` from ``start`` on whose candidate is worth aligning now
        (``len(order)``: none is)."""
        return int(
            first_wanted(
                order,
                start,
                self.open_met,
                self.broad,
                bool(self.sought),
                self.originals,
                self.reprint,
                self.story,
                self.copies_left > 0,
            )
        )

    def _close(self, windows: np.ndarray) -> None:
        """Close the open ones of ``windows`` (distinct indices)."""
        close_windows(windows, self.open_windows, self.open_met, self.by_window, self.window_bounds)

    def reported(self, k: int, pair: ReusePair | None) -> bool:
        """Take in candidate ``k``'s alignment (``None``: too little shared); whether ``pair`` is reported."""
        duplicate = self.config.duplicate_containment
        self.sought = self.sought - 1 if self.sought and self.broad[k] else self.sought
        if self.story >= 0 and self.originals[k] == self.story and self.reprint[k]:
            self.copies_left = max(0, self.copies_left - 1)
            return pair is not None and pair.shared_words > self.story_words
        if pair is None:
            windows, limit = self.hits.met_by(k), self.config.misses_per_window
            missed(windows, limit, self.misses, self.open_windows, self.open_met, self.by_window, self.window_bounds)
            return False
        if pair.containment_b >= duplicate and pair.min_containment >= duplicate and self.story < 0:
            self.sought = 0
            self.story, self.story_words = int(self.originals[k]), pair.shared_words
            self.copies_left = self.config.misses_per_window
        elif pair.containment_b >= duplicate and self.sought is None:  # a page holding all of it and more
            self.sought = self.config.misses_per_window
        self._close(self.hits.met_by(k))
        self._close(np.flatnonzero(windows_within(self.signed, pair.b_spans, self.config.window_words)))
        return True


# Candidates kept tokenised (about 9 KB each for a 300-word article: 18 MB at most).
_RECENT_CANDIDATES = 2_048


class Deduplicator:
    """Index articles one at a time; ``add`` tells what each new article shares with those before it."""

    def __init__(
        self,
        path: Path | str | None = None,
        *,
        minhash: MinHashConfig = MinHashConfig(),
        reuse: ReuseConfig = ReuseConfig(),
        lsh_storage: dict | None = None,
        furniture: FurnitureConfig = FurnitureConfig(),
    ) -> None:
        self.minhash_config = minhash
        self.reuse_config = reuse
        # Page furniture learned from the stream itself (what one outlet repeats across unrelated articles).
        rule = FurnitureRule.of(furniture, reuse)
        self._furniture = StreamingFurniture(rule, held=self._held_article) if furniture.learn else None
        self._hasher = MinHasher(minhash)
        self._windows: WindowIndex = (
            LocalWindows(minhash, reuse)
            if lsh_storage is None
            else SharedWindows(self._hasher, reuse, lsh_storage, number_of=self._number_of)
        )
        # Each article as it was aligned (cleaned, without the furniture known when it came), by its number
        # (the order it became known in, which answers come in); tokenised again when it is a candidate: its
        # tokens and shingles would take four times its text.
        self._held: list[HeldArticle] = []
        self._number: dict[str, int] = {}
        self._recent: OrderedDict[int, ReuseArticle] = OrderedDict()  # the last candidates, tokenised
        self._originals = array("q")  # by number: the number of the article's canonical (itself when none)
        self._documents: DocumentStore | None = None
        if lsh_storage is not None and lsh_storage.get("type") == "redis":
            self._documents = RedisDocuments(lsh_storage["redis"], lsh_storage.get("basename", b"storyline"))
        elif path is not None:
            self._documents = SQLiteDocuments(path)
        for record, canonical in self._documents.records() if self._documents else ():
            number = self._remember(record, canonical)
            signed = self._held[number].tokenized(minhash.shingle_words).signed(self._hasher, reuse)
            self._windows.insert(signed, number)

    def _remember(self, record: str, canonical: str | None) -> int:
        """Hold an article of the document store (cleaned) for alignment; its number. The store's records
        come in the order they were added, so the furniture learned from them is what was learned then."""
        article = self._observed(ensure_cleaned(Article.from_json(record)))
        number = self._hold(article)
        if canonical is not None:
            # Stored before its reprints (the store's order); fetched when another worker indexed it.
            original = self._number_of(canonical)
            self._originals[number] = original if original is not None else number
        return number

    def _number_of(self, article_id: str) -> int | None:
        """The number of an indexed article, fetched from the document store when another worker indexed it
        (``None``: not stored there)."""
        number = self._number.get(article_id)
        if number is None and self._documents is not None and (stored := self._documents.get(article_id)):
            number = self._remember(*stored)
        return number

    def _canonical_of(self, number: int) -> str | None:
        """The id of the canonical article the article numbered ``number`` reprints (``None``: it reprints none)."""
        original = self._originals[number]
        return None if original == number else self._held[original].fields.id

    def _observed(self, article: Article) -> Article:
        """``article`` learned from and cleaned of the furniture known so far (when learning is on)."""
        return self._furniture.observe(article) if self._furniture is not None else article

    def _held_article(self, article_id: str) -> Article | None:
        """An indexed article's text and body spans, as held for alignment (``None`` when not held here)."""
        number = self._number.get(article_id)
        return self._held[number].article if number is not None else None

    def _tokenized(self, article: Article) -> ReuseArticle:
        return ReuseArticle.of(article, self.minhash_config.shingle_words)

    def _candidate(self, number: int) -> ReuseArticle:
        """An indexed article as alignment reads it: tokenised again, unless it was among the last
        ``_RECENT_CANDIDATES`` aligned (a passage many articles share makes the same few candidates for
        each of them: tokenising them once each was two fifths of the cost where sentences recur)."""
        tokenized = self._recent.pop(number, None)
        if tokenized is None:
            tokenized = self._held[number].tokenized(self.minhash_config.shingle_words)
        self._recent[number] = tokenized
        if len(self._recent) > _RECENT_CANDIDATES:
            self._recent.popitem(last=False)
        return tokenized

    def _hold(self, article: Article) -> int:
        """Hold a new article; its number."""
        number = self._number[article.id] = len(self._held)
        self._held.append(HeldArticle.of(article))
        self._originals.append(number)
        return number

    def _candidates(self, signed: ReuseArticle, before: int | None = None) -> _Candidates:
        """Indexed articles that may share text with ``signed`` (with ``before``, only those numbered
        before it), in the order to align them in: those meeting most of its windows first (a reprint with
        its original, after it), the earlier known of equals."""
        hits = self._windows.query(signed)
        numbers = hits.owners
        latest = len(self._held) if before is None else before
        # A reprint ranks with its original (the most windows either meets), after it: a passage pasted from
        # a story is named against the story, not against a copy of it that happens to meet more windows.
        # Ones known after ``before`` are left out, and the article itself when it is indexed.
        originals = np.frombuffer(self._originals, dtype=np.int64)[numbers] if len(numbers) else numbers
        own = self._number.get(signed.article.id, -1)
        order = alignment_order(numbers, np.diff(hits.bounds), originals, latest, own)
        return _Candidates(hits, order, originals, originals != numbers)

    def _match(self, signed: ReuseArticle, before: int | None = None) -> Match:
        """What ``signed`` shares with the indexed articles: each passage against one source
        (``_SourceSearch``), or with ``reuse.stream_every_source`` every candidate aligned and reported."""
        candidates = self._candidates(signed, before)
        hits, order = candidates.hits, candidates.order
        search = _SourceSearch(signed, candidates, self.reuse_config)
        every = self.reuse_config.stream_every_source
        found: list[tuple[int, ReusePair]] = []
        position = 0
        while position < len(order):
            if not every and (position := search.first_wanted(order, position)) == len(order):
                break
            k, position = int(order[position]), position + 1
            number = int(hits.owners[k])
            pair = compare(self._candidate(number), signed, self.reuse_config)
            if (pair is not None) if every else search.reported(k, pair):
                found.append((number, pair))
        found.sort(key=lambda item: item[0])
        duplicate = self.reuse_config.duplicate_containment
        reprinted = [number for number, pair in found if pair.min_containment >= duplicate]
        duplicate_of = self._held[self._originals[reprinted[0]]].fields.id if reprinted else None
        return Match(duplicate_of=duplicate_of, pairs=[pair for _, pair in found])

    def query(self, article: Article) -> Match:
        """What ``article`` shares with the indexed articles, without indexing it."""
        article = ensure_cleaned(article)
        article = self._furniture.clean(article) if self._furniture else article
        return self._match(self._tokenized(article).signed(self._hasher, self.reuse_config))

    def add(self, article: Article, signed: ReuseArticle | None = None) -> Match:
        """Index ``article`` and return what it shares with the articles indexed before it.

        Adding an id again with the same text changes nothing: the answer is its recorded ``duplicate_of``
        and its pairs with the articles indexed before it, as when it was first added (so a run killed
        midway and run again answers as one uninterrupted run). With another text it raises
        ``IndexConflictError``.
        ``signed`` is the article's ``signing.sign_article`` when computed beforehand (in parallel).
        """
        article = signed.article if signed is not None else ensure_cleaned(article)
        number = self._number_of(article.id)  # indexed here, by another worker, or by an earlier run
        if number is not None:
            indexed = self._held[number].article
            if indexed.text != article.text:
                raise IndexConflictError(f"id {article.id!r} is already indexed with a different text")
            again = self._tokenized(indexed).signed(self._hasher, self.reuse_config)
            earlier = self._match(again, before=number).pairs
            return Match(duplicate_of=self._canonical_of(number), pairs=earlier)
        without_furniture = self._observed(article)
        if signed is None or without_furniture is not article:
            signed = sign_article(without_furniture, self._hasher, self.minhash_config, self.reuse_config)
        match = self._match(signed)
        number = self._hold(signed.article)
        self._windows.insert(signed, number)
        if match.duplicate_of is not None:
            self._originals[number] = self._number[match.duplicate_of]
        if self._documents is not None:
            self._documents.put(article.id, article.to_json(), match.duplicate_of)
        return match

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._number

    def __len__(self) -> int:
        return len(self._held)

    def close(self) -> None:
        if self._documents is not None:
            self._documents.close()
            self._documents = None
