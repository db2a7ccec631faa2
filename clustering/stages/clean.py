"""Clean: the stored articles without a cleaning by the current rules (older rules, or none) cleaned."""

from __future__ import annotations

from dataclasses import replace

from clustering.ingest.clean import clean_or_reject
from clustering.stages.context import RunContext
from clustering.stages.corpus import Corpus


class Clean:
    name = "clean"

    def run(self, corpus: Corpus, context: RunContext) -> Corpus:
        articles, empty = clean_or_reject(corpus.stored)
        stale = frozenset(article.id for article in corpus.stored if not article.body_spans)
        fresh = stale | ({article.id for article in articles} - corpus.finished)
        return replace(corpus, articles=articles, fresh=fresh, recleaned=stale, rejects=[*corpus.rejects, *empty])
