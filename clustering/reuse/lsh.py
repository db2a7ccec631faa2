"""The LSH tables of the streaming index's passage windows, behind one protocol: a ``BandTable`` in this
process, or datasketch's ``MinHashLSH`` on its Redis storage, shared by every worker naming the same
basename. Either way the candidates are the articles ``MinHashLSH`` would return (tested)."""

from __future__ import annotations

from array import array
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

from clustering.config import MinHashConfig, ReuseConfig
from clustering.reuse.bands import band_fingerprints, lsh_bands
from clustering.reuse.minhash import MinHasher
from clustering.reuse.signing import ReuseArticle
from clustering.storage.band_table import BandTable

if TYPE_CHECKING:
    from datasketch import LeanMinHash

_KEY_SEPARATOR = "\x1f"


@dataclass(frozen=True, slots=True)
class Hits:
    """The indexed articles a query's windows meet, by the numbers the index was given for them: article
    ``owners[k]`` meets the windows (rows of the query's signatures) ``windows[bounds[k]:bounds[k + 1]]``,
    ascending. Flat arrays: where sentences recur, a query meets hundreds of articles, and few of them are
    read."""

    owners: np.ndarray
    bounds: np.ndarray
    windows: np.ndarray

    @classmethod
    def of(cls, met: dict[int, list[int]]) -> Hits:
        bounds = np.zeros(len(met) + 1, dtype=np.int64)
        bounds[1:] = np.cumsum([len(windows) for windows in met.values()])
        windows = np.array([window for rows in met.values() for window in sorted(rows)], dtype=np.int64)
        return cls(np.fromiter(met, dtype=np.int64, count=len(met)), bounds, windows)

    def met_by(self, k: int) -> np.ndarray:
        return self.windows[self.bounds[k] : self.bounds[k + 1]]


class WindowIndex(Protocol):
    """The LSH tables of the indexed articles' passage windows, each article under the number its indexer
    gave it (``Deduplicator``: the order it came in)."""

    def insert(self, signed: ReuseArticle, number: int) -> None: ...

    def query(self, signed: ReuseArticle) -> Hits:
        """The indexed articles with a window sharing a band with one of ``signed``'s, and which."""
        ...


class LocalWindows:
    """Windows in a ``BandTable`` in this process."""

    def __init__(self, minhash: MinHashConfig, reuse: ReuseConfig) -> None:
        self._bands = lsh_bands(reuse.lsh_threshold, minhash.num_perm)
        self._table = BandTable(len(self._bands))
        self._numbers = array("q")  # the number given for each of the table's owners
        self._held: set[int] = set()
        # The last article queried and its fingerprints: an article is queried, then inserted.
        self._last: tuple[ReuseArticle | None, np.ndarray] = (None, np.empty(0))

    def _fingerprints(self, signed: ReuseArticle) -> np.ndarray:
        if self._last[0] is not signed:
            self._last = (signed, band_fingerprints(signed.signatures, self._bands))
        return self._last[1]

    def insert(self, signed: ReuseArticle, number: int) -> None:
        if number not in self._held:
            self._held.add(number)
            self._table.add(self._fingerprints(signed))
            self._numbers.append(number)  # at the table's number for it

    def query(self, signed: ReuseArticle) -> Hits:
        owners, bounds, windows = self._table.query(self._fingerprints(signed))
        numbers = np.frombuffer(self._numbers, dtype=np.int64)[owners] if len(owners) else owners
        return Hits(numbers, bounds, windows)


class SharedWindows:
    """Windows in datasketch's ``MinHashLSH`` on its Redis storage, shared by every worker naming the same
    ``basename``: one key per window, ``article id`` + separator + the window's first word. ``number_of``
    gives the number of a met article by its id (``None``: not to be had here), which a query answers by."""

    def __init__(
        self, hasher: MinHasher, reuse: ReuseConfig, storage: dict, number_of: Callable[[str], int | None]
    ) -> None:
        from datasketch import MinHashLSH  # its import brings scipy (50 MB): only shared tables need it

        self._hasher, self._number_of = hasher, number_of
        minhash = hasher.config
        self._lsh = MinHashLSH(
            threshold=reuse.lsh_threshold, num_perm=minhash.num_perm, storage_config=storage, prepickle=False
        )

    def _windows(self, signed: ReuseArticle) -> list[tuple[bytes, LeanMinHash]]:
        article_id = signed.article.id
        keys = [f"{article_id}{_KEY_SEPARATOR}{start}".encode() for start in signed.window_starts.tolist()]
        return list(zip(keys, map(self._hasher.lean, signed.signatures), strict=True))

    def insert(self, signed: ReuseArticle, number: int) -> None:
        for key, minhash in self._windows(signed):
            if key not in self._lsh:  # another worker may have indexed it already
                self._lsh.insert(key, minhash, check_duplication=False)

    def query(self, signed: ReuseArticle) -> Hits:
        met: dict[str, list[int]] = {}
        for window, (_, minhash) in enumerate(self._windows(signed)):
            # Split at the last separator: an id may hold the separator itself.
            for owner in {key.decode().rsplit(_KEY_SEPARATOR, 1)[0] for key in self._lsh.query(minhash)}:
                met.setdefault(owner, []).append(window)
        numbered = {number: windows for owner, windows in met.items() if (number := self._number_of(owner)) is not None}
        return Hits.of(numbered)
