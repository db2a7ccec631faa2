"""Reuse: LSH candidates from the band fingerprints (the stored index's and the new signatures), exact
alignment of the articles new since the last run, reprint groups, the copy-edits of each pair."""

from __future__ import annotations

import dataclasses

from clustering.reuse.batch import build_band_index, update_reuse
from clustering.reuse.edits import with_copy_edits
from clustering.stages.context import RunContext
from clustering.stages.corpus import Corpus


class Reuse:
    name = "reuse"

    def run(self, corpus: Corpus, context: RunContext) -> Corpus:
        """Pairs among the articles of finished runs are in the store; only the pending ones, and those
        whose body changed, are aligned. The index of every article is saved for the next run."""
        minhash, reuse = context.config.minhash, context.config.reuse
        articles, signed = corpus.articles, corpus.signed
        dropped = corpus.recleaned | corpus.archived
        indexed_pairs = [pair for pair in context.store.pairs() if not {pair.a, pair.b} & dropped]
        index = build_band_index(signed, minhash, reuse)
        index = corpus.band_index.extended(index) if corpus.band_index is not None else index
        with context.progress("Finding shared text", len(articles)) as on_progress:
            dedup = update_reuse(articles, corpus.indexed, indexed_pairs, minhash, reuse, on_progress, signed, index)
        # Found once here and stored with each pair, where a story page reads them.
        texts = {article.id: article.text for article in articles}
        dedup = dataclasses.replace(dedup, pairs=with_copy_edits(dedup.pairs, texts))
        # Saved now rather than with the run: it holds this run's pending articles, so after a run that
        # fails before saving, it does not hold exactly the finished ones and the next run builds it again.
        index.save(context.workspace.bands)
        words = dict(zip(index.article_ids, index.words.tolist(), strict=True))
        # The signatures and fingerprints end here: their memory is back before embedding starts.
        return dataclasses.replace(corpus, signed=[], band_index=None, dedup=dedup, words=words)
