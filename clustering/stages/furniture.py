"""Furniture: each outlet's page furniture (what it prints in articles about different things) learned
and taken out; the articles left with no body, or that are no article (a section page), set aside."""

from __future__ import annotations

from dataclasses import replace

from clustering.ingest.clean import clean_article, reject_empty
from clustering.ingest.furniture import FurnitureLearner
from clustering.stages.context import RunContext
from clustering.stages.corpus import Corpus
from clustering.stories.headline import split_articles


class Furniture:
    name = "furniture"

    def run(self, corpus: Corpus, context: RunContext) -> Corpus:
        """Learning (when on) weighs what the fresh articles hold; the others were cleaned by what the store
        holds, and only an outlet whose furniture grew has them cleaned again, or cleaned anew from their
        text where it gave up a piece (another outlet prints it: it is copy)."""
        articles, fresh = corpus.articles, corpus.fresh
        config = context.config
        learner = FurnitureLearner.of(config.furniture, config.reuse)
        learner.fit(articles, context.store.furniture(), fresh)
        subject = [
            clean_article(a) if a.outlet in learner.shrunk_ else a
            for a in articles
            if a.id in fresh or a.outlet in learner.grown_ | learner.shrunk_
        ]
        cleaned = {article.id: article for article in learner.transform(subject)}
        learned = [cleaned.get(article.id, article) for article in articles]
        recleaned = corpus.recleaned | {new.id for new, old in zip(learned, articles, strict=True) if new is not old}
        kept, emptied = reject_empty(learned)
        kept, not_articles = split_articles(kept)
        return replace(
            corpus,
            articles=kept,
            recleaned=recleaned,
            cleanings=[article for article in learned if article.id in recleaned],
            furniture=learner.furniture_,
            rejects=[*corpus.rejects, *emptied, *not_articles],
        )
