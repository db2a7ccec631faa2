"""MinHash: the band fingerprints of every passage window of the articles the stored band index does not
hold (all of them when it cannot be used)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace
from pathlib import Path

from clustering.records import Article
from clustering.reuse.signing import index_settings, sign_articles
from clustering.stages.context import RunContext
from clustering.stages.corpus import Corpus
from clustering.storage.band_index import BandIndex


def stored_band_index(
    path: Path, settings: str, indexed: Collection[str], articles: Sequence[Article], archived: Collection[str]
) -> BandIndex | None:
    """The band index stored at ``path``, less the ``archived`` articles, if it was built under
    ``settings`` and holds exactly the ``indexed`` articles (those of finished runs), all still clustered."""
    stored = BandIndex.load(path, settings)
    if stored is not None:
        stored = stored.without(archived)
    if stored is None or not stored.holds_exactly(indexed):
        return None
    return stored if set(indexed) <= {article.id for article in articles} else None


class MinHash:
    name = "minhash"

    def run(self, corpus: Corpus, context: RunContext) -> Corpus:
        minhash, reuse = context.config.minhash, context.config.reuse
        # Articles of finished runs, with their bodies as they were then: their pairs and bands are stored.
        indexed = corpus.finished - corpus.recleaned - corpus.archived
        settings = index_settings(minhash, reuse)
        stored = stored_band_index(context.workspace.bands, settings, indexed, corpus.articles, corpus.archived)
        unindexed = corpus.articles if stored is None else [a for a in corpus.articles if a.id not in indexed]
        return replace(corpus, indexed=indexed, band_index=stored, signed=sign_articles(unindexed, minhash, reuse))
