"""The dedup step as a filter over records: what ``storyline dedup`` runs, and what a Python pipeline
calls (``deduplicate``).

Two levels, one per index:
- ``document``: is the record a near-copy of one seen before (``near_duplicates.NearDuplicateIndex``)?
  Adds ``duplicate_of``. For filtering copies out in front of search, training or analytics.
- ``passage``: which passages it shares with records seen before, and whether it reprints one
  (``dedup.Deduplicator``: passage windows, exact alignment, furniture learned from the stream). Adds
  ``duplicate_of`` and ``reuse``. For finding who copied whom; what ``storyline run`` does.

Records go out in input order, in batches: a batch is what has arrived when the previous one is done
(at most the level's ``batch_records``), so a slow source's records are not held back waiting for a full batch, and
a fast one's are cleaned in parallel worker processes while the batch before them is indexed.
"""

from __future__ import annotations

import functools
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any, Protocol

from clustering.config import DEDUP_LEVELS, DEFAULT_DEDUP_LEVEL, Config, DedupLevel
from clustering.ingest.arrivals import Arrivals
from clustering.ingest.clean import EMPTY_AFTER_CLEANING, ensure_cleaned
from clustering.ingest.fields import iter_records
from clustering.ingest.parallel import Submitted, worker_pool
from clustering.records import Article, Reject
from clustering.reuse.near_duplicates import IndexConflictError, NearDuplicateIndex, Sketch, Sketcher, document_body


class RecordIndex(Protocol):
    """An index the filter puts each article through, which says what to add to its record. ``prepare``
    (picklable) turns a read article into what ``added_fields`` takes, or the ``Reject`` of one with no
    text left once cleaned, in worker processes; ``batch_records`` is the most records read ahead and
    prepared together (in one worker process per core when there are many), ``batches_ahead`` how many
    batches are handed to the workers before the one being indexed is done."""

    prepare: Callable[[Article], object]
    batch_records: int
    batches_ahead: int

    def added_fields(self, prepared: Any) -> dict[str, object]:
        """Index the prepared article; the fields its record gains. ``IndexConflictError`` for a known id
        with another text."""
        ...

    def commit(self) -> None: ...

    def close(self) -> None: ...


class DocumentLevel:
    """``--level document``: ``duplicate_of`` from a ``NearDuplicateIndex``."""

    batch_records = 2_000
    batches_ahead = 2  # the workers' cleaning is the slow side: two keep them busy

    def __init__(self, config: Config, index_path: Path | str | None) -> None:
        self._index = NearDuplicateIndex(index_path, config=config.near_duplicates, minhash=config.minhash)
        self.prepare = functools.partial(_sketch_or_reject, self._index.sketcher)

    def added_fields(self, prepared: Sketch) -> dict[str, object]:
        return {"duplicate_of": self._index.add(prepared)}

    def commit(self) -> None:
        self._index.commit()

    def close(self) -> None:
        self._index.close()


class PassageLevel:
    """``--level passage``: ``duplicate_of`` and the shared passages (``reuse``) from a ``Deduplicator``."""

    # Indexing is the slow side here (about 1.5 ms a record against 0.3 ms of cleaning in each worker), so
    # batches cleaned ahead only wait in memory: 500 held 50 MB less than 2,000 on 6,500 news-like records,
    # and 200 another 15 MB less, in times the machine's noise could not tell apart.
    batch_records = 200
    # One batch cleaned ahead is ready long before the one being indexed is done; a second only waited in
    # memory (3.5 MB on 6,000 records, times within the noise).
    batches_ahead = 1

    def __init__(self, config: Config, index_path: Path | str | None, lsh_storage: dict | None = None) -> None:
        from clustering.reuse.dedup import Deduplicator  # with wordfreq's lists: 0.2 s the document level skips

        self._index = Deduplicator(
            index_path, minhash=config.minhash, reuse=config.reuse, lsh_storage=lsh_storage, furniture=config.furniture
        )
        # Articles are signed here, after the furniture learned from the records before them is removed.
        self.prepare = _cleaned_or_reject

    def added_fields(self, article: Article) -> dict[str, object]:
        match = self._index.add(article)
        reuse = []
        for pair in match.pairs:
            mine_is_a = pair.a == article.id
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

    def commit(self) -> None:
        """The passage index commits each article as it is added."""

    def close(self) -> None:
        self._index.close()


def open_index(
    level: DedupLevel, config: Config = Config(), index_path: Path | str | None = None, lsh_storage: dict | None = None
) -> RecordIndex:
    """The index of ``level``, kept at ``index_path`` across runs when given (``lsh_storage``: the passage
    level's LSH tables in Redis)."""
    if level == "document":
        if lsh_storage is not None:
            raise ValueError("the document level keeps its index in memory or in a SQLite file, not in Redis")
        return DocumentLevel(config, index_path)
    if level == "passage":
        return PassageLevel(config, index_path, lsh_storage)
    raise ValueError(f"unknown dedup level {level!r}: expected one of {', '.join(DEDUP_LEVELS)}")


@contextmanager
def opened_index(
    level: DedupLevel, config: Config = Config(), index_path: Path | str | None = None, lsh_storage: dict | None = None
) -> Iterator[RecordIndex]:
    """``open_index`` for a block, held by one run at a time when kept in a file (``storage.lock``: a second
    run waits for the first, then sees what it indexed), and closed after it."""
    if index_path is None:
        held: AbstractContextManager = nullcontext()
    else:
        from clustering.storage.lock import exclusive  # the lock module reads the database layer: 0.2 s

        held = exclusive(index_path)
    with held:
        index = open_index(level, config, index_path, lsh_storage)
        try:
            yield index
        finally:
            index.close()


_Read = tuple[dict, Article | Reject]


def _cleaned_or_reject(article: Article) -> Article | Reject:
    article = ensure_cleaned(article)
    return article if article.body.strip() else Reject(article.origin, EMPTY_AFTER_CLEANING, id=article.id)


def _sketch_or_reject(sketcher: Sketcher, article: Article) -> Sketch | Reject:
    body = document_body(article)
    return (
        sketcher.of_body(article.id, body)
        if body.strip()
        else Reject(article.origin, EMPTY_AFTER_CLEANING, id=article.id)
    )


# Run once in each worker as it starts: the first call of the compiled word scanner loads numba's compiler
# (0.3 s), which the workers then do while the first records are read, not after.
_WARM_UP = Article(id="warm-up", text="Storyline loads its compiled word scanner before the first records arrive.")


def _warm_up(prepare: Callable[[Article], object]) -> None:
    prepare(_WARM_UP)


def _prepared_chunk(prepare: Callable[[Article], object], articles: Sequence[Article]) -> list[object]:
    return [prepare(article) for article in articles]


def _prepared(records: Iterable[_Read], index: RecordIndex) -> Iterator[tuple[list[_Read], Iterator[object]]]:
    """Each batch of what has arrived, with its articles cleaned and prepared for ``index``. Worker
    processes prepare up to ``index.batches_ahead`` batches ahead while the caller indexes one; the next
    is taken when it has arrived, never waited for while one is ready. The workers are forked before the
    reader thread starts: a child forked while it waits in ``readline`` would inherit standard input's lock
    held, and hang on it."""
    work = functools.partial(_prepared_chunk, index.prepare)
    warm_up = functools.partial(_warm_up, index.prepare)
    with worker_pool(initializer=warm_up) as pool, Arrivals(records, index.batch_records) as arrivals:
        ahead: deque[tuple[list[_Read], Submitted]] = deque()

        def take(wait: bool) -> bool:
            batch = arrivals.take(wait)
            if batch:
                articles = [outcome for _, outcome in batch if isinstance(outcome, Article)]
                ahead.append((batch, Submitted(work, articles, pool)))
            return bool(batch)

        while ahead or take(wait=True):
            while len(ahead) < index.batches_ahead and take(wait=False):
                pass
            batch, preparing = ahead.popleft()
            prepared = preparing.result()
            if len(ahead) < index.batches_ahead:
                take(wait=False)
            yield batch, iter(prepared)


def _decided(index: RecordIndex, fields: dict, article: Article, prepared: object) -> tuple[dict, bool] | Reject:
    """The record of ``article`` with what ``index`` adds, or the ``Reject`` saying why it has no place."""
    if isinstance(prepared, Reject):
        return prepared
    try:
        added = index.added_fields(prepared)
    except IndexConflictError as error:
        return Reject(origin=article.origin, reason=str(error), id=article.id)
    return {**fields, "id": article.id, **added}, added["duplicate_of"] is not None


def filter_batches(records: Iterable[_Read], index: RecordIndex) -> Iterator[list[tuple[dict, bool] | Reject]]:
    """Each batch of read records decided, in input order: ``(record with the index's fields, whether it is
    a duplicate)`` or the ``Reject`` saying why it was not indexed. The index commits after each batch."""
    for batch, prepared in _prepared(records, index):
        decided = [
            outcome if isinstance(outcome, Reject) else _decided(index, fields, outcome, next(prepared))
            for fields, outcome in batch
        ]
        index.commit()
        yield decided


def deduplicate(
    records: Iterable[Mapping[str, object]],
    level: DedupLevel = DEFAULT_DEDUP_LEVEL,
    *,
    drop: bool = False,
    config: Config = Config(),
    index_path: Path | str | None = None,
    rejects: list[Reject] | None = None,
) -> Iterator[dict[str, object]]:
    """Each record (a dict with ``text``, as a JSONL line of ``storyline dedup`` would be) with
    ``duplicate_of`` added (and ``reuse`` at the passage level), as it is decided, in order; the same
    settings and checks as ``storyline dedup``. A record that cannot be indexed is appended to
    ``rejects`` (a ``Reject`` saying why) when given, and left out.

        for record in deduplicate(records, level="document", drop=True):
            loader.write(record)
    """
    with opened_index(level, config, index_path) as index:
        for batch in filter_batches(iter_records(records, config.read), index):
            for result in batch:
                if isinstance(result, Reject):
                    if rejects is not None:
                        rejects.append(result)
                elif not (drop and result[1]):
                    yield result[0]
