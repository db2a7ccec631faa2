"""Events: each story split into the events it is made of, under ids stable across runs."""

from __future__ import annotations

from dataclasses import replace

from clustering.stages.context import RunContext
from clustering.stages.corpus import Corpus
from clustering.stories.events import story_events


class Events:
    name = "events"

    def run(self, corpus: Corpus, context: RunContext) -> Corpus:
        stories = story_events(
            corpus.stories, corpus.articles, corpus.vectors, corpus.dedup, corpus.previous, context.config
        )
        return replace(corpus, stories=stories)
