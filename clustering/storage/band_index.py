"""The LSH band fingerprints of every passage window of the articles of finished runs, kept between runs.

A clustering run over a few new articles pairs their passage windows with every stored window
(``bands.fingerprint_pairs``). Without this index it tokenises and signs every stored article again; with
it, only the new articles are signed, and only the stored articles that share a band with them are
tokenised, for alignment. It is a cache, saved as one ``.npz`` file beside the store: it names the
settings it was made with and the articles it holds, and the flow rebuilds it when either does not match.
"""

from __future__ import annotations

import zipfile
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from clustering.storage.atomic import save_npz_atomic


@dataclass(frozen=True)
class BandIndex:
    """``settings``: what the fingerprints depend on (MinHash and reuse settings, LSH bands, cleaning
    rules); ``article_ids`` and ``words`` (body length in words) for each article held; ``owners[w]`` is
    the position in ``article_ids`` of window ``w`` and ``fingerprints[w]`` its band fingerprints. An
    article too short to share a reportable passage has no windows."""

    settings: str
    article_ids: tuple[str, ...]
    words: np.ndarray
    owners: np.ndarray
    fingerprints: np.ndarray

    def holds_exactly(self, article_ids: Collection[str]) -> bool:
        return len(self.article_ids) == len(article_ids) and set(self.article_ids) == set(article_ids)

    def extended(self, other: BandIndex) -> BandIndex:
        """This index and ``other`` (same settings, other articles) in one."""
        if other.settings != self.settings:
            raise ValueError("band indexes made with different settings cannot be joined")
        return BandIndex(
            self.settings,
            self.article_ids + other.article_ids,
            np.concatenate([self.words, other.words]),
            np.concatenate([self.owners, other.owners + len(self.article_ids)]),
            np.concatenate([self.fingerprints, other.fingerprints]),
        )

    def without(self, article_ids: Collection[str]) -> BandIndex:
        """This index less ``article_ids`` and their windows."""
        kept = np.array([article_id not in article_ids for article_id in self.article_ids], dtype=bool)
        if kept.all():
            return self
        position = np.cumsum(kept) - 1  # each kept article's position in the smaller index
        windows = kept[self.owners]
        return BandIndex(
            self.settings,
            tuple(article_id for article_id, keep in zip(self.article_ids, kept, strict=True) if keep),
            self.words[kept],
            position[self.owners[windows]].astype(self.owners.dtype),
            self.fingerprints[windows],
        )

    def save(self, path: Path | str) -> None:
        """Write to ``path`` through a temporary file beside it: a reader sees the old index or the new."""
        save_npz_atomic(
            path,
            settings=np.array(self.settings),
            article_ids=np.array(self.article_ids, dtype=str),
            words=self.words,
            owners=self.owners,
            fingerprints=self.fingerprints,
        )

    @classmethod
    def load(cls, path: Path | str, settings: str) -> BandIndex | None:
        """The index saved at ``path`` if it was made with ``settings``; None if there is none, it was made
        otherwise, or it cannot be read (the caller builds it again)."""
        try:
            with np.load(path, allow_pickle=False) as saved:
                if str(saved["settings"]) != settings:
                    return None
                return cls(
                    settings,
                    tuple(saved["article_ids"].tolist()),
                    saved["words"],
                    saved["owners"],
                    saved["fingerprints"],
                )
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
            return None
