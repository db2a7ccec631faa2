"""Summarize: each story under the id it carries over (or a new one), with its headline, summary,
keywords and developments; the summaries' term counts saved for the next run."""

from __future__ import annotations

from dataclasses import replace

from clustering.stages.context import RunContext
from clustering.stages.corpus import Corpus
from clustering.stages.embed import embed_run_sentences
from clustering.stories.lineage import carry_story_ids
from clustering.stories.summarize import summarize_stories


class Summarize:
    name = "summarize"

    def run(self, corpus: Corpus, context: RunContext) -> Corpus:
        articles, labels, previous = corpus.articles, corpus.labels, corpus.previous
        ids, lineage = carry_story_ids(articles, labels, previous, context.store.used_story_ids())
        stories, counts = summarize_stories(
            articles,
            labels,
            corpus.embeddings,
            corpus.dedup,
            context.config.summary,
            ids,
            previous,
            corpus.term_counts,
            # In the stage's own process: a few sentences a story, and a stage run as a task on a Dask
            # worker cannot submit tasks of its own.
            lambda sentences, languages: embed_run_sentences(sentences, languages, context),
            context.config.embed.primary_languages,
        )
        counts.save(context.workspace.terms)  # a cache: each row is checked against the text it counted
        return replace(corpus, stories=stories, lineage=lineage, term_counts=counts)
