"""Publish: every artifact of the run written into the workspace, from the corpus and the store (the
lineage of every run, the archive files not yet written). ``run.json`` comes after, with every stage
timed (``Pipeline.cluster``)."""

from __future__ import annotations

from clustering.publish.artifacts import archive_name, publish
from clustering.stages.context import RunContext
from clustering.stages.corpus import Corpus, run_rejects


class Publish:
    name = "publish"

    def run(self, corpus: Corpus, context: RunContext) -> Corpus:
        store, workspace = context.store, context.workspace
        if corpus.report is None:
            raise ValueError("publish runs after save: the corpus has no report")
        # Each archive file is written once: by this run, or by the first run after one that failed to.
        archives = {
            run: store.archived_stories(run)
            for run in store.archiving_runs()
            if not workspace.artifact(archive_name(run)).exists()
        }
        publish(
            workspace.root,
            corpus.articles,
            run_rejects(corpus, context.ingested),
            corpus.dedup,
            corpus.stories,
            corpus.report,
            store.lineage(),
            archives,
        )
        return corpus
