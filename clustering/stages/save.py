"""Save: the run's report made, and everything the run produced stored in one transaction (the store is
the record of what happened; the artifacts are rebuilt from it)."""

from __future__ import annotations

import platform
from dataclasses import asdict, replace
from importlib import metadata

from clustering.records import FinishedRun, RunReport
from clustering.reuse.pairs import attribution
from clustering.stages.context import RunContext
from clustering.stages.corpus import Corpus, run_rejects
from clustering.stories.related import related_stories
from clustering.stories.story_map import story_positions

_VERSIONED_PACKAGES = ("storyline", "datasketch", "sentence-transformers", "torch", "hdbscan", "prefect")


def versions() -> dict[str, str]:
    """The versions of Python and of the packages that shape a run's output."""
    found = {"python": platform.python_version()}
    for package in _VERSIONED_PACKAGES:
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            continue
    return found


_EVENT_COUNTS = {"new": "new", "grew": "grown", "merged": "merged", "split": "split"}


def run_report(corpus: Corpus, context: RunContext) -> RunReport:
    """The run's counts, attribution, settings and versions; its stage timings so far."""
    ingested, config = context.ingested, context.config
    counts = {
        "in": ingested.read,
        "accepted": len(corpus.pending),
        # A pending article is this run's, even when a run killed before clustering stored it.
        "already_stored": len(ingested.already_stored_ids.difference(corpus.pending)),
        "rejected": len(run_rejects(corpus, ingested)),
        "articles": len(corpus.articles),
        "duplicates": len(corpus.dedup.duplicate_of),
        "reuse_pairs": len(corpus.dedup.pairs),
        "stories": len(corpus.stories),
        "closed_stories": len(set(corpus.closed.values())),
        "archived_stories": len(corpus.archive),
        "skipped_files": len(ingested.skipped),
        "warnings": len(ingested.warnings),
        # What the run did to the stories (its lineage events): "grew" counts stories that gained articles,
        # "merged" stories folded into another, "split" stories that lost articles to a new one.
        **{f"{kind}_stories": 0 for kind in ("new", "grown", "merged", "split")},
    }
    for event in corpus.lineage:
        counts[f"{_EVENT_COUNTS[event.kind]}_stories"] += 1
    shares = attribution(corpus.articles, corpus.dedup.pairs, corpus.words, config.reuse.agencies)
    return RunReport(
        counts=counts,
        attribution=[asdict(row) for row in shares],
        stage_seconds=dict(context.stage_seconds),
        versions=versions(),
        config=config.as_dict(),
        reclustered=corpus.reclustered,
        skipped=[{"path": path, "reason": reason} for path, reason in ingested.skipped],
        warnings=[warning.as_row() for warning in ingested.warnings],
    )


class Save:
    name = "save"

    def run(self, corpus: Corpus, context: RunContext) -> Corpus:
        report = run_report(corpus, context)
        finished = FinishedRun(
            stories=corpus.stories,
            lineage=corpus.lineage,
            report=asdict(report),
            pairs=corpus.dedup.pairs,
            positions=story_positions(corpus.stories, corpus.articles, corpus.embeddings),
            related=related_stories(corpus.stories, corpus.articles, corpus.embeddings, context.config.thread),
            read=corpus.pending,
            cleanings=corpus.cleanings,
            furniture=corpus.furniture,
            archive=corpus.archive,
            duplicate_of=corpus.dedup.duplicate_of,
            articles=corpus.articles,
        )
        return replace(corpus, report=report, run=context.store.save_run(finished))
