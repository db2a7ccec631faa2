"""Storyline's dedup filter as a datatrove pipeline step (``pip install 'storyline[datatrove]'``).

    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter
    from clustering.reuse.datatrove_step import StorylineDedup

    LocalPipelineExecutor(
        [JsonlReader("feed/"), StorylineDedup(level="document"), JsonlWriter("deduped/")], tasks=1
    ).run()

Each document goes through Storyline's filter (``clustering.reuse.filter``) as a record (its ``text``,
``id`` and metadata), in order; ``duplicate_of`` (and ``reuse`` at the passage level) land in its
metadata, and with ``drop`` the duplicates are left out (to ``exclusion_writer`` when given, as
datatrove's filters do). A document
Storyline cannot index (no text left once cleaned) goes on unmarked, with the reason in
``metadata["dedup_rejected"]``: a step in someone else's pipeline drops nothing it was not asked to. Each
datatrove task keeps its own index, so run the step in one task, or give ``index_path`` (a SQLite file the
tasks then take turns on) to find copies across tasks.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from contextlib import nullcontext
from pathlib import Path

from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.writers.disk_base import DiskWriter

from clustering.config import DEFAULT_DEDUP_LEVEL, Config, DedupLevel
from clustering.ingest.fields import iter_records
from clustering.records import Reject
from clustering.reuse.filter import filter_batches, opened_index


class StorylineDedup(PipelineStep):
    """Mark (or drop) near-copies (``level="document"``) or reprints and reused passages (``"passage"``)."""

    name = "🗞 Storyline dedup"
    type = "🫂 - DEDUP"

    def __init__(
        self,
        level: DedupLevel = DEFAULT_DEDUP_LEVEL,
        drop: bool = False,
        index_path: Path | str | None = None,
        config: Config = Config(),
        exclusion_writer: DiskWriter | None = None,
    ) -> None:
        super().__init__()
        self.level, self.drop, self.index_path, self.config = level, drop, index_path, config
        self.exclusion_writer = exclusion_writer

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        # Outcomes come one per document, in order: the documents wait here for theirs.
        pending: deque[Document] = deque()

        def records() -> Iterator[dict[str, object]]:
            for document in data:
                pending.append(document)
                yield {**document.metadata, "id": document.id, "text": document.text}

        exclusion = self.exclusion_writer if self.exclusion_writer is not None else nullcontext()
        with opened_index(self.level, self.config, self.index_path) as index, exclusion:
            for batch in filter_batches(iter_records(records(), self.config.read), index):
                for outcome in batch:
                    document = pending.popleft()
                    if isinstance(outcome, Reject):
                        document.metadata["dedup_rejected"] = outcome.reason
                        self.stat_update("rejected")
                        yield document
                        continue
                    record, duplicate = outcome
                    for name in ("duplicate_of", "reuse"):
                        if name in record:
                            document.metadata[name] = record[name]
                    self.stat_update("duplicates" if duplicate else "kept")
                    if duplicate and self.drop:
                        if self.exclusion_writer is not None:
                            self.exclusion_writer.write(document, rank)
                        continue
                    yield document
