"""The dedup step other pipelines embed: a persistent index of articles that finds reprints and reused
passages among everything indexed before.

Candidates come from LSH over MinHash signatures of overlapping passage windows, so a four-paragraph paste
into a long article is found where whole-document MinHash sees two different texts; each candidate pair is
then aligned exactly (``reuse.compare``). By default the LSH tables are a ``BandTable`` in memory
(datasketch's bands; a 64-bit key and a 32-bit owner a window and band) and the articles persist in a
SQLite file when ``path`` is given: reopening it restores the index, so today's feed is checked against
last week's. With
``lsh_storage={"type": "redis", "redis": {...}, "basename": b"..."}`` the LSH tables (datasketch's
``MinHashLSH`` on its Redis storage) and the articles live in Redis, shared by every worker that names the
same basename. Either way the candidates are the articles ``MinHashLSH`` would return (tested).
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Protocol

import numpy as np
from datasketch import LeanMinHash, MinHashLSH

from clustering.config import Config, FurnitureConfig, MinHashConfig, ReuseConfig
from clustering.ingest.clean import CLEANING_VERSION, EMPTY_AFTER_CLEANING, cleaned, cleaned_all
from clustering.ingest.furniture import FurnitureLearner, StreamingFurniture
from clustering.ingest.read import iter_inputs
from clustering.records import Article, DedupResult, Reject, ReusePair, json_line
from clustering.reuse.bands import band_fingerprints, fingerprint_pairs, lsh_bands
from clustering.reuse.minhash import MinHasher
from clustering.reuse.pairs import (
    IndexedArticle,
    compare,
    duplicate_groups,
    index_article,
    with_group_originals,
    worth_comparing,
)
from clustering.storage.band_index import BandIndex
from clustering.storage.band_table import BandTable
from clustering.storage.documents import DocumentStore, RedisDocuments, SQLiteDocuments
from clustering.storage.lock import exclusive
from clustering.storage.outputs import STANDARD_ERROR, OutputError, check_output, in_place, output_writer

_KEY_SEPARATOR = "\x1f"


@dataclass(frozen=True, slots=True)
class Match:
    """What the index knows of an article: the canonical article it reprints, and every pair sharing text."""

    duplicate_of: str | None
    pairs: list[ReusePair]


@dataclass(frozen=True, slots=True)
class SignedArticle:
    """An article tokenised, with the MinHash signature of each passage window (rows of ``signatures``)
    and the word where each starts: the part of indexing that needs no index, so it can run in parallel
    shards (``sign_articles``). Plain arrays: datasketch objects are made only for what meets the index."""

    entry: IndexedArticle
    window_starts: np.ndarray
    signatures: np.ndarray


@dataclass(frozen=True, slots=True)
class HeldArticle:
    """An indexed article as alignment reads it, kept small: its text, its paragraph spans packed, and
    none of what alignment does not read (the body, segments, comments, furniture): two fifths of the
    cleaned ``Article``'s memory (README "Wire-copy reuse")."""

    fields: Article  # the article without text, body, spans, segments, comments and furniture
    text: str
    body_spans: np.ndarray

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
        return cls(kept, article.text, np.array(article.body_spans, dtype=np.int64).reshape(-1, 2))

    @property
    def article(self) -> Article:
        """The article with its text and body spans, and no body (alignment reads the text at the spans)."""
        spans = tuple((start, end) for start, end in self.body_spans.tolist())
        return dataclasses.replace(self.fields, text=self.text, body_spans=spans)


class IndexConflictError(ValueError):
    """An article id already indexed with a different text."""


class WindowIndex(Protocol):
    """The LSH tables of the indexed articles' passage windows."""

    def insert(self, signed: SignedArticle) -> None: ...

    def query(self, signed: SignedArticle) -> set[str]:
        """The ids of indexed articles with a window sharing a band with one of ``signed``'s."""
        ...


class LocalWindows:
    """Windows in a ``BandTable`` in this process."""

    def __init__(self, minhash: MinHashConfig, reuse: ReuseConfig) -> None:
        self._bands = lsh_bands(reuse.lsh_threshold, minhash.num_perm)
        self._table = BandTable(len(self._bands))
        self._ids: list[str] = []
        self._held: set[str] = set()

    def insert(self, signed: SignedArticle) -> None:
        article_id = signed.entry.article.id
        if article_id not in self._held:
            self._held.add(article_id)
            self._table.add(band_fingerprints(signed.signatures, self._bands))
            self._ids.append(article_id)  # at the table's number for it

    def query(self, signed: SignedArticle) -> set[str]:
        owners = self._table.query(band_fingerprints(signed.signatures, self._bands))
        return {self._ids[owner] for owner in owners.tolist()}


class SharedWindows:
    """Windows in datasketch's ``MinHashLSH`` on its Redis storage, shared by every worker naming the same
    ``basename``: one key per window, ``article id`` + separator + the window's first word."""

    def __init__(self, hasher: MinHasher, reuse: ReuseConfig, storage: dict) -> None:
        self._hasher = hasher
        minhash = hasher.config
        self._lsh = MinHashLSH(
            threshold=reuse.lsh_threshold, num_perm=minhash.num_perm, storage_config=storage, prepickle=False
        )

    def _windows(self, signed: SignedArticle) -> list[tuple[bytes, LeanMinHash]]:
        article_id = signed.entry.article.id
        keys = [f"{article_id}{_KEY_SEPARATOR}{start}".encode() for start in signed.window_starts.tolist()]
        return list(zip(keys, map(self._hasher.lean, signed.signatures), strict=True))

    def insert(self, signed: SignedArticle) -> None:
        for key, minhash in self._windows(signed):
            if key not in self._lsh:  # another worker may have indexed it already
                self._lsh.insert(key, minhash, check_duplication=False)

    def query(self, signed: SignedArticle) -> set[str]:
        found: set[str] = set()
        for _, minhash in self._windows(signed):
            # Split at the last separator: an id may hold the separator itself.
            found.update(key.decode().rsplit(_KEY_SEPARATOR, 1)[0] for key in self._lsh.query(minhash))
        return found


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
        learner = FurnitureLearner(**dataclasses.asdict(furniture), min_copy_words=reuse.min_shared_words)
        self._furniture = StreamingFurniture(learner) if furniture.learn else None
        self._hasher = MinHasher(minhash)
        self._windows: WindowIndex = (
            LocalWindows(minhash, reuse) if lsh_storage is None else SharedWindows(self._hasher, reuse, lsh_storage)
        )
        # Each article as it was aligned (cleaned, without the furniture known when it came); tokenised
        # again when it is a candidate: its tokens and shingles would take four times its text.
        self._articles: dict[str, HeldArticle] = {}
        self._position: dict[str, int] = {}  # the order articles became known, for answering in that order
        self._canonical: dict[str, str] = {}
        self._documents: DocumentStore | None = None
        if lsh_storage is not None and lsh_storage.get("type") == "redis":
            self._documents = RedisDocuments(lsh_storage["redis"], lsh_storage.get("basename", b"storyline"))
        elif path is not None:
            self._documents = SQLiteDocuments(path)
        for record, canonical in self._documents.records() if self._documents else ():
            entry = self._remember(record, canonical)
            self._windows.insert(self._signed_entry(entry))

    def _remember(self, record: str, canonical: str | None) -> IndexedArticle:
        """Hold an article of the document store (cleaned, tokenised) for alignment. The store's records
        come in the order they were added, so the furniture learned from them is what was learned then."""
        entry = self._entry(self._observed(cleaned(Article.from_json(record))))
        self._hold(entry.article)
        if canonical is not None:
            self._canonical[entry.article.id] = canonical
        return entry

    def _observed(self, article: Article) -> Article:
        """``article`` learned from and cleaned of the furniture known so far (when learning is on)."""
        return self._furniture.observe(article) if self._furniture is not None else article

    def _entry(self, article: Article) -> IndexedArticle:
        return index_article(article, self.minhash_config.shingle_words)

    def _hold(self, article: Article) -> None:
        self._articles[article.id] = HeldArticle.of(article)
        self._position.setdefault(article.id, len(self._position))

    def _signed_entry(self, entry: IndexedArticle) -> SignedArticle:
        return _sign_entry(entry, self._hasher, self.reuse_config)

    def sign(self, article: Article) -> SignedArticle:
        """Clean (when not yet cleaned), tokenise and sign ``article`` without touching the index."""
        return _signed(article, self._hasher, self.minhash_config, self.reuse_config)

    def _candidates(self, signed: SignedArticle, before: int | None = None) -> list[str]:
        """Indexed articles that may share text with ``signed``, in the order they became known; with
        ``before``, only those known before that position."""
        found = self._windows.query(signed)
        found.discard(signed.entry.article.id)
        for article_id in [article_id for article_id in found if article_id not in self._articles]:
            # Indexed by another worker sharing the store: fetch it to align against.
            stored = self._documents.get(article_id) if self._documents else None
            if stored is not None:
                self._remember(*stored)
        known = [article_id for article_id in found if article_id in self._articles]
        if before is not None:
            known = [article_id for article_id in known if self._position[article_id] < before]
        return sorted(known, key=self._position.get)

    def _match(self, signed: SignedArticle, before: int | None = None) -> Match:
        entry = signed.entry
        pairs = [
            pair
            for candidate in self._candidates(signed, before)
            if (pair := compare(self._entry(self._articles[candidate].article), entry, self.reuse_config)) is not None
        ]
        reprinted = [pair.a for pair in pairs if pair.min_containment >= self.reuse_config.duplicate_containment]
        duplicate_of = self._canonical.get(reprinted[0], reprinted[0]) if reprinted else None
        return Match(duplicate_of=duplicate_of, pairs=pairs)

    def query(self, article: Article) -> Match:
        """What ``article`` shares with the indexed articles, without indexing it."""
        article = cleaned(article)
        return self._match(
            self._signed_entry(self._entry(self._furniture.clean(article) if self._furniture else article))
        )

    def add(self, article: Article, signed: SignedArticle | None = None) -> Match:
        """Index ``article`` and return what it shares with the articles indexed before it.

        Adding an id again with the same text changes nothing: the answer is its recorded ``duplicate_of``
        and its pairs with the articles indexed before it, as when it was first added (so a run killed
        midway and run again answers as one uninterrupted run). With another text it raises
        ``IndexConflictError``.
        ``signed`` is the article's ``sign`` when computed beforehand (in parallel).
        """
        article = signed.entry.article if signed is not None else cleaned(article)
        held = self._articles.get(article.id)
        known = held.article if held is not None else None
        if known is None and self._documents is not None and (stored := self._documents.get(article.id)):
            known = self._remember(*stored).article  # indexed by another worker, or by an earlier run
        if known is not None:
            if known.text != article.text:
                raise IndexConflictError(f"id {article.id!r} is already indexed with a different text")
            earlier = self._match(self._signed_entry(self._entry(known)), before=self._position[article.id]).pairs
            return Match(duplicate_of=self._canonical.get(article.id), pairs=earlier)
        without_furniture = self._observed(article)
        if signed is None or without_furniture is not article:
            signed = self.sign(without_furniture)
        match = self._match(signed)
        self._windows.insert(signed)
        self._hold(signed.entry.article)
        if match.duplicate_of is not None:
            self._canonical[article.id] = match.duplicate_of
        if self._documents is not None:
            self._documents.put(article.id, article.to_json(), match.duplicate_of)
        return match

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._articles

    def __len__(self) -> int:
        return len(self._articles)

    def close(self) -> None:
        if self._documents is not None:
            self._documents.close()
            self._documents = None


def find_reuse(
    articles: Sequence[Article],
    minhash: MinHashConfig = MinHashConfig(),
    reuse: ReuseConfig = ReuseConfig(),
    on_progress: Callable[[int], None] | None = None,
) -> DedupResult:
    """Every pair of ``articles`` sharing text, and the reprint groups (earliest article canonical).

    ``on_progress`` is called with 1 after each article.
    """
    return update_reuse(articles, set(), (), minhash, reuse, on_progress)


def _sign_entry(entry: IndexedArticle, hasher: MinHasher, config: ReuseConfig) -> SignedArticle:
    signatures, starts = hasher.window_signatures(entry.shingles, config.window_words, config.window_stride)
    return SignedArticle(entry, starts, signatures)


def sign_articles(
    articles: Sequence[Article], minhash: MinHashConfig = MinHashConfig(), reuse: ReuseConfig = ReuseConfig()
) -> list[SignedArticle]:
    """Tokenise and sign each article's passage windows: pure, so shards of a corpus can run in parallel."""
    hasher = MinHasher(minhash)
    return [_signed(article, hasher, minhash, reuse) for article in articles]


def _signed(article: Article, hasher: MinHasher, minhash: MinHashConfig, reuse: ReuseConfig) -> SignedArticle:
    return _sign_entry(index_article(cleaned(article), minhash.shingle_words), hasher, reuse)


def index_settings(minhash: MinHashConfig = MinHashConfig(), reuse: ReuseConfig = ReuseConfig()) -> str:
    """What a ``BandIndex`` depends on: stored fingerprints made under other settings are not reused."""
    bands = lsh_bands(reuse.lsh_threshold, minhash.num_perm)
    return f"{minhash!r};{reuse!r};bands {bands};cleaning {CLEANING_VERSION}"


def _joined(signed: Sequence[SignedArticle], reuse: ReuseConfig) -> list[int]:
    # An article shorter than the shortest reported passage cannot be in a pair: left out of the join.
    return [index for index, prepared in enumerate(signed) if len(prepared.entry.tokens) >= reuse.min_shared_words]


def _fingerprints(
    signed: Sequence[SignedArticle], joined: Sequence[int], minhash: MinHashConfig, reuse: ReuseConfig
) -> np.ndarray:
    signatures = (
        np.vstack([signed[index].signatures for index in joined])
        if joined
        else np.empty((0, minhash.num_perm), dtype=np.uint32)
    )
    return band_fingerprints(signatures, lsh_bands(reuse.lsh_threshold, minhash.num_perm))


def build_band_index(
    signed: Sequence[SignedArticle], minhash: MinHashConfig = MinHashConfig(), reuse: ReuseConfig = ReuseConfig()
) -> BandIndex:
    """The ``BandIndex`` of signed articles: their words, and the band fingerprints of their windows."""
    joined = _joined(signed, reuse)
    return BandIndex(
        index_settings(minhash, reuse),
        tuple(prepared.entry.article.id for prepared in signed),
        np.array([len(prepared.entry.tokens) for prepared in signed], dtype=np.int64),
        np.repeat(np.asarray(joined, dtype=np.int64), [len(signed[index].signatures) for index in joined]),
        _fingerprints(signed, joined, minhash, reuse),
    )


def update_reuse(
    articles: Sequence[Article],
    known_ids: set[str],
    known_pairs: Sequence[ReusePair],
    minhash: MinHashConfig = MinHashConfig(),
    reuse: ReuseConfig = ReuseConfig(),
    on_progress: Callable[[int], None] | None = None,
    signed: Sequence[SignedArticle] | None = None,
    index: BandIndex | None = None,
) -> DedupResult:
    """``find_reuse`` for a corpus that grew: the articles in ``known_ids`` come first and their pairs
    among themselves are ``known_pairs``; only pairs with a new article are aligned. Same result as
    ``find_reuse(articles)``.

    ``signed`` holds ``sign_articles`` of the articles when computed beforehand, and ``index`` their
    ``band_index``. With an index of every article (a stored index of the known ones, ``extended`` with
    that of the new ones) ``signed`` may hold the new articles only: a known article is then tokenised
    only if it shares a band with a new one.

    The candidates are the pairs a ``MinHashLSH`` of every passage window would return, found in one
    self-join (``bands.fingerprint_pairs``) rather than a query per window: the whole batch is at hand.
    ``on_progress`` is called with the number of articles whose candidates are done."""
    row_of = {article.id: row for row, article in enumerate(articles)}
    if signed is None and index is None:
        signed = sign_articles(articles, minhash, reuse)
    signed = signed or []
    index = index if index is not None else build_band_index(signed, minhash, reuse)
    if not index.holds_exactly(row_of.keys()):
        raise ValueError("the band index must hold every article, and only those")
    pairs = [pair for pair in known_pairs if pair.a in known_ids and pair.b in known_ids]
    owners = np.array([row_of[article_id] for article_id in index.article_ids], dtype=np.int64)[index.owners]
    is_new = np.array([article.id not in known_ids for article in articles], dtype=bool)
    joined = _looked_back(articles, is_new, reuse.lookback_days)[owners]
    fingerprints = index.fingerprints if joined.all() else index.fingerprints[joined]
    owners = owners[joined]
    candidates = fingerprint_pairs(fingerprints, owners, is_new[owners] if known_ids else None)
    candidates = candidates[is_new[candidates[:, 0]] | is_new[candidates[:, 1]]]
    entry_of = {row_of[prepared.entry.article.id]: prepared.entry for prepared in signed}
    for row in np.unique(candidates).tolist():
        if row not in entry_of:  # a known article met by a new one, not signed in this run
            entry_of[row] = index_article(cleaned(articles[row]), minhash.shingle_words)
    rows = sorted(entry_of)
    place = np.full(len(articles), -1, dtype=np.int64)
    place[rows] = np.arange(len(rows))
    candidates = candidates[worth_comparing([entry_of[row] for row in rows], place[candidates], reuse)]
    done = 0
    for first, second in candidates.tolist():
        if on_progress is not None and second > done:
            on_progress(second - done)
            done = second
        if (pair := compare(entry_of[first], entry_of[second], reuse)) is not None:
            pairs.append(pair)
    if on_progress is not None and len(articles) > done:
        on_progress(len(articles) - done)
    pairs = with_group_originals(pairs)
    return DedupResult(pairs=pairs, duplicate_of=duplicate_groups(articles, pairs, reuse.duplicate_containment))


def _looked_back(articles: Sequence[Article], is_new: np.ndarray, lookback_days: float | None) -> np.ndarray:
    """Which articles join the new ones' search: the new ones, and the known ones published at most
    ``lookback_days`` before the earliest dated new one, or undated (all of them when None)."""
    new_dates = [article.published for article, new in zip(articles, is_new, strict=True) if new and article.published]
    if lookback_days is None or not new_dates:
        return np.ones(len(articles), dtype=bool)
    cutoff = min(new_dates) - timedelta(days=lookback_days)
    return is_new | np.array([article.published is None or article.published >= cutoff for article in articles])


def reuse_fields(article_id: str, match: Match) -> dict[str, object]:
    """The fields ``storyline dedup`` adds to a record: ``duplicate_of`` and the passages it shares."""
    reuse = []
    for pair in match.pairs:
        mine_is_a = pair.a == article_id
        reuse.append(
            {
                "id": pair.b if mine_is_a else pair.a,
                "shared_words": pair.shared_words,
                "jaccard": pair.jaccard,
                "containment": pair.containment_a if mine_is_a else pair.containment_b,
                "spans": [list(span) for span in (pair.a_spans if mine_is_a else pair.b_spans)],
                "original": pair.original,
            }
        )
    return {"duplicate_of": match.duplicate_of, "reuse": reuse}


def _admit(index: Deduplicator, article: Article) -> tuple[Article, Match] | Reject:
    """Clean and index one record, or say why it cannot be indexed."""
    article = cleaned(article)
    if not article.body.strip():
        return Reject(origin=article.origin, reason=EMPTY_AFTER_CLEANING, id=article.id)
    try:
        return article, index.add(article)
    except IndexConflictError as error:
        return Reject(origin=article.origin, reason=str(error), id=article.id)


@dataclass(frozen=True, slots=True)
class DedupCounts:
    read: int
    written: int
    duplicates: int
    rejected: int


def rejects_path(output: Path | str) -> Path | str:
    """Where ``dedup_files`` writes the rejects of ``output``: ``out.jsonl`` → ``out.rejects.jsonl``; for
    standard output, a pipe or a device, standard error."""
    if in_place(output) and not Path(output).is_symlink():
        return STANDARD_ERROR
    output = Path(output)
    return output.with_name(f"{output.stem}.rejects.jsonl")


def _protected(inputs: Sequence[Path | str], index_path: Path | str | None) -> list[tuple[str, Path]]:
    """What an output of ``dedup_files`` must not replace: each input file, and the index."""
    protected = [("an input", Path(path)) for path in inputs]
    if index_path is not None:
        protected.append(("the index", Path(index_path)))
    return protected


def check_dedup_outputs(
    inputs: Sequence[Path | str], output: Path | str, rejects_output: Path | str, index_path: Path | str | None
) -> None:
    """``OutputError`` for an output or rejects file that cannot be written, or would replace an input or
    the index, or lies in an input folder (the next run would read it)."""
    protected = _protected(inputs, index_path)
    for path in (output, rejects_output):
        check_output(path, protected)
        if in_place(path):
            continue
        for folder in (Path(value) for value in inputs if Path(value).is_dir()):
            if Path(path).resolve().is_relative_to(folder.resolve()):
                raise OutputError(f"{path} is inside the input folder {folder}: the next run would read it")
    if not in_place(output) and Path(output).resolve() == Path(rejects_output).resolve():
        raise OutputError(f"{output}: the records and the rejects need two files")


def dedup_files(
    inputs: Sequence[Path | str],
    output: Path | str,
    rejects_output: Path | str | None = None,
    *,
    index_path: Path | str | None = None,
    drop: bool = False,
    lsh_storage: dict | None = None,
    config: Config = Config(),
) -> DedupCounts:
    """``storyline dedup``: records from ``inputs`` to ``output`` (JSONL) with ``duplicate_of`` and ``reuse``.

    Bad records go to ``rejects_output`` (``rejects_path(output)`` by default). Regular files are replaced
    atomically when the run completes; ``-``, pipes and devices are written in place (``output_writer``).
    Outputs are checked before anything is read (``check_dedup_outputs``: ``OutputError``). The index
    (kept at ``index_path`` across runs, held by one run at a time) holds every accepted record. Of
    ``config``, reading, furniture, MinHash and reuse settings apply.
    """
    rejects_output = rejects_output if rejects_output is not None else rejects_path(output)
    check_dedup_outputs(inputs, output, rejects_output, index_path)
    with exclusive(index_path) if index_path is not None else nullcontext():
        index = Deduplicator(
            index_path,
            minhash=config.minhash,
            reuse=config.reuse,
            lsh_storage=lsh_storage,
            furniture=config.furniture,
        )
        return _dedup_records(iter_inputs(inputs, config.read), output, rejects_output, index, drop)


# Records read and cleaned together (in forked workers, one per core), then indexed one by one in order.
_CLEANING_BATCH = 2_000

_Batch = list[tuple[dict, Article | Reject]]


def _cleaned_batches(records: Iterator[tuple[dict, Article | Reject]]) -> Iterator[tuple[_Batch, list[Article]]]:
    """The records in batches, each with its articles cleaned. The next batch is cleaned (by worker
    processes a background thread waits on) while the caller indexes this one: on two cores the cleaning
    and the indexing take turns on neither."""

    def articles(batch: _Batch) -> list[Article]:
        return [outcome for _, outcome in batch if isinstance(outcome, Article)]

    batches = iter(lambda: list(itertools.islice(records, _CLEANING_BATCH)), [])
    with ThreadPoolExecutor(1) as cleaner:
        batch = next(batches, None)
        cleaning = cleaner.submit(cleaned_all, articles(batch)) if batch is not None else None
        while batch is not None and cleaning is not None:
            following = next(batches, None)
            following_cleaning = cleaner.submit(cleaned_all, articles(following)) if following is not None else None
            yield batch, cleaning.result()
            batch, cleaning = following, following_cleaning


def _dedup_records(
    records: Iterator[tuple[dict, Article | Reject]],
    output: Path | str,
    rejects_output: Path | str,
    index: Deduplicator,
    drop: bool,
) -> DedupCounts:
    counts = {"read": 0, "written": 0, "duplicates": 0, "rejected": 0}
    try:
        with output_writer(output) as out, output_writer(rejects_output) as rejected:
            for batch, cleaned_articles in _cleaned_batches(records):
                clean = iter(cleaned_articles)
                for fields, outcome in batch:
                    counts["read"] += 1
                    admitted = outcome if isinstance(outcome, Reject) else _admit(index, next(clean))
                    if isinstance(admitted, Reject):
                        rejected.write(json_line(admitted.as_row()) + "\n")
                        counts["rejected"] += 1
                        continue
                    article, match = admitted
                    counts["duplicates"] += match.duplicate_of is not None
                    if drop and match.duplicate_of is not None:
                        continue
                    record = {**fields, "id": article.id, **reuse_fields(article.id, match)}
                    out.write(json_line(record, default=str) + "\n")
                    counts["written"] += 1
    finally:
        index.close()
    return DedupCounts(**counts)
