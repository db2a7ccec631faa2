"""``storyline dedup`` over files: records read from the inputs, cleaned in batches, put through one
``Deduplicator`` in order, and written as JSONL with ``duplicate_of`` and ``reuse`` added; rejects beside
them. Outputs are checked before anything is read, and never replace an input or the index."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

from clustering.config import Config
from clustering.ingest.clean import EMPTY_AFTER_CLEANING, ensure_all_cleaned, ensure_cleaned
from clustering.ingest.read import iter_inputs
from clustering.records import Article, Reject, json_line
from clustering.reuse.dedup import Deduplicator, IndexConflictError, Match
from clustering.storage.lock import exclusive
from clustering.storage.outputs import STANDARD_ERROR, OutputError, check_output, in_place, output_writer


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
    article = ensure_cleaned(article)
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
        cleaning = cleaner.submit(ensure_all_cleaned, articles(batch)) if batch is not None else None
        while batch is not None and cleaning is not None:
            following = next(batches, None)
            following_cleaning = (
                cleaner.submit(ensure_all_cleaned, articles(following)) if following is not None else None
            )
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
