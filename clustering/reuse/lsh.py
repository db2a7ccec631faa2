"""The LSH tables of the streaming index's passage windows, behind one protocol: a ``BandTable`` in this
process, or datasketch's ``MinHashLSH`` on its Redis storage, shared by every worker naming the same
basename. Either way the candidates are the articles ``MinHashLSH`` would return (tested)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
from datasketch import LeanMinHash, MinHashLSH

from clustering.config import MinHashConfig, ReuseConfig
from clustering.reuse.bands import band_fingerprints, lsh_bands
from clustering.reuse.minhash import MinHasher
from clustering.reuse.signing import ReuseArticle
from clustering.storage.band_table import BandTable

_KEY_SEPARATOR = "\x1f"


@dataclass(frozen=True, slots=True)
class Hits:
    """The indexed articles a query's windows meet: article ``ids[k]`` meets the windows (rows of the
    query's signatures) ``windows[bounds[k]:bounds[k + 1]]``, ascending. Flat arrays: where sentences recur,
    a query meets hundreds of articles, and few of them are read."""

    ids: list[str]
    bounds: np.ndarray
    windows: np.ndarray

    @classmethod
    def of(cls, met: dict[str, list[int]]) -> Hits:
        bounds = np.zeros(len(met) + 1, dtype=np.int64)
        bounds[1:] = np.cumsum([len(windows) for windows in met.values()])
        windows = np.array([window for rows in met.values() for window in sorted(rows)], dtype=np.int64)
        return cls(list(met), bounds, windows)

    def met_by(self, k: int) -> np.ndarray:
        return self.windows[self.bounds[k] : self.bounds[k + 1]]


class WindowIndex(Protocol):
    """The LSH tables of the indexed articles' passage windows."""

    def insert(self, signed: ReuseArticle) -> None: ...

    def query(self, signed: ReuseArticle) -> Hits:
        """The indexed articles with a window sharing a band with one of ``signed``'s, and which."""
        ...


class LocalWindows:
    """Windows in a ``BandTable`` in this process."""

    def __init__(self, minhash: MinHashConfig, reuse: ReuseConfig) -> None:
        self._bands = lsh_bands(reuse.lsh_threshold, minhash.num_perm)
        self._table = BandTable(len(self._bands))
        self._ids: list[str] = []
        self._held: set[str] = set()

    def insert(self, signed: ReuseArticle) -> None:
        article_id = signed.article.id
        if article_id not in self._held:
            self._held.add(article_id)
            self._table.add(band_fingerprints(signed.signatures, self._bands))
            self._ids.append(article_id)  # at the table's number for it

    def query(self, signed: ReuseArticle) -> Hits:
        hits = self._table.query(band_fingerprints(signed.signatures, self._bands))
        owners, firsts = np.unique(hits[:, 0], return_index=True)
        bounds = np.append(firsts, len(hits))
        return Hits([self._ids[owner] for owner in owners.tolist()], bounds, np.ascontiguousarray(hits[:, 1]))


class SharedWindows:
    """Windows in datasketch's ``MinHashLSH`` on its Redis storage, shared by every worker naming the same
    ``basename``: one key per window, ``article id`` + separator + the window's first word."""

    def __init__(self, hasher: MinHasher, reuse: ReuseConfig, storage: dict) -> None:
        self._hasher = hasher
        minhash = hasher.config
        self._lsh = MinHashLSH(
            threshold=reuse.lsh_threshold, num_perm=minhash.num_perm, storage_config=storage, prepickle=False
        )

    def _windows(self, signed: ReuseArticle) -> list[tuple[bytes, LeanMinHash]]:
        article_id = signed.article.id
        keys = [f"{article_id}{_KEY_SEPARATOR}{start}".encode() for start in signed.window_starts.tolist()]
        return list(zip(keys, map(self._hasher.lean, signed.signatures), strict=True))

    def insert(self, signed: ReuseArticle) -> None:
        for key, minhash in self._windows(signed):
            if key not in self._lsh:  # another worker may have indexed it already
                self._lsh.insert(key, minhash, check_duplication=False)

    def query(self, signed: ReuseArticle) -> Hits:
        met: dict[str, list[int]] = {}
        for window, (_, minhash) in enumerate(self._windows(signed)):
            # Split at the last separator: an id may hold the separator itself.
            for owner in {key.decode().rsplit(_KEY_SEPARATOR, 1)[0] for key in self._lsh.query(minhash)}:
                met.setdefault(owner, []).append(window)
        return Hits.of(met)
