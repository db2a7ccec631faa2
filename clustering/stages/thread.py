"""Thread: stories linked over weeks (an arrival, then its sea trials; successive launches)."""

from __future__ import annotations

from dataclasses import replace

from clustering.stages.context import RunContext
from clustering.stages.corpus import Corpus
from clustering.stories.threads import thread_stories


class Thread:
    name = "thread"

    def run(self, corpus: Corpus, context: RunContext) -> Corpus:
        stories = thread_stories(
            corpus.stories, corpus.articles, corpus.embeddings, corpus.previous, context.config.thread
        )
        return replace(corpus, stories=stories)
