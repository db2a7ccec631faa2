"""LSH band fingerprints added one article at a time and queried as they come, in compact arrays.

datasketch's ``MinHashLSH`` keeps, for each band of each indexed window, a bytes key in a Python dict of
sets (about 1.4 GB per 10,000 articles, README "Wire-copy reuse"), and makes a Python call per band on every
insert and query. This table keeps each distinct band key once, as one 64-bit slot of an open-addressing
hash table (linear probing, compiled with numba): 32 bits of the key's hash beside a 32-bit reference, the
key's one owner or the newest node of its owners. The slots are one array of 256 partitions, picked by 8
more bits of that hash, so a key is matched on 40 bits: a window is taken for another only when 40 bits of
two 64-bit fingerprints agree (about once in 10**12 keys compared; the candidate is then aligned exactly,
like any other). When a partition is three quarters full every partition is widened 1.25×, a few
partitions at a time, and the old table's pages are handed back as they empty, so growing never holds two
whole tables.

A key is held once however many owners print it: where a sentence recurs in hundreds of articles, a slot
per owner made runs of hundreds of equal keys, which every probe passing through walked (6,000 collages
of recurring sentences: a key probed walked 148 slots on average, and lookups and inserts took a quarter
of the dedup step). A shared key's owners are in nodes of 4, 8, 16, ... words, each new node twice the
last, the newest first: a list is read in runs, a node at a time. Nodes of three owners each, linked one to
the next, were read from scattered memory, a cache miss every three owners (those collages' queries walk 44
million owners). Partitions are few and wide because the fullest one sets every partition's width. A typed
list of partitions grown one by one, measured first, doubled the lookup time; sorted runs searched by
bisection spent 1.1 ms a query in ``searchsorted`` at 6,400 articles, a third of the dedup step's time.
"""

from __future__ import annotations

import mmap
from array import array

import numpy as np

from clustering.compiled import njit

_BAND_MIXER = np.uint64(0xD6E8FEB86659FD93)
_HASH_MIXER = np.uint64(0x9E3779B97F4A7C15)
_PARTITION_BITS = 8
_PARTITION_SHIFT = np.uint64(64 - _PARTITION_BITS)
_TAG_SHIFT = np.uint64(64 - _PARTITION_BITS - 32)  # the 32 bits of the hash below the partition's
_LOW_32 = np.uint64(0xFFFFFFFF)
_EMPTY = np.uint64(0)  # a slot holds (tag << 32) | reference: never 0 once filled
# A slot's reference is its key's one owner plus one, or, with this bit set, the newest node of its owners.
_LIST = np.uint64(1 << 31)
# A node of level L is 4 << L 32-bit words: its level << ``_LEVEL_SHIFT`` | the next (older) node's
# quarter-word index (``_NONE``: the last node), then its owners plus one, filled from the start (0: room).
# Nodes start at multiples of four words, so the next one is referenced in the header's 27 bits, and a
# key's first node, three owners in 16 bytes, is no larger than the three-owner blocks before.
_LEVEL_SHIFT = 27
_NONE = (1 << _LEVEL_SHIFT) - 1
_MAX_LEVEL = 19  # nodes stop doubling at 4 << 19 words (8 MB)
_MAX_LOAD = 0.75
_GROWTH = 1.25
_MAX_OWNERS = (1 << 31) - 1  # an owner is referenced plus one in 31 bits
_MAX_POOL_WORDS = _NONE * 4  # a node is referenced by its quarter-word index in 27 bits
_ROWS_MOVED_AT_ONCE = 16  # partitions moved to a grown table before their old memory is handed back


def _zeroed(count: int, dtype: type = np.uint64) -> tuple[mmap.mmap, np.ndarray]:
    """``count`` zeroed words in private anonymous memory: resident only once written, handed back to the
    system part by part (``madvise``), and grown in place (``mremap``)."""
    memory = mmap.mmap(-1, count * np.dtype(dtype).itemsize, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    return memory, np.frombuffer(memory, dtype=dtype)


@njit(cache=True, nogil=True)
def _place(key: np.uint64) -> tuple[np.int64, np.uint64]:  # pragma: no cover
    hashed = key * _HASH_MIXER  # Fibonacci hashing: the high bits of the product mix every bit of the key
    return np.int64(hashed >> _PARTITION_SHIFT), (hashed >> _TAG_SHIFT) & _LOW_32


@njit(cache=True, nogil=True)
def _home(partition: np.int64, tag: np.uint64, width: int) -> np.int64:  # pragma: no cover
    # The tag scaled to the partition's width (multiply and shift: any width works, not only powers of two).
    return partition * width + np.int64((tag * np.uint64(width)) >> np.uint64(32))


@njit(cache=True, nogil=True)
def _slot_of(
    slots: np.ndarray, partition: np.int64, tag: np.uint64, width: int
) -> tuple[np.int64, bool]:  # pragma: no cover
    """The slot holding ``tag`` in ``partition``, or the empty one where it goes; whether it holds it."""
    slot = _home(partition, tag, width)
    end = (partition + 1) * width
    while slots[slot] != _EMPTY:
        if slots[slot] >> np.uint64(32) == tag:
            return slot, True
        slot += 1
        if slot == end:
            slot = partition * width
    return slot, False


@njit(cache=True, nogil=True)
def _held_owners(pool: np.ndarray, node: np.int64) -> np.int64:  # pragma: no cover
    """How many owners node ``node`` holds: its owners come first, then zeros (found by bisection)."""
    low, high = np.int64(0), (np.int64(4) << (np.int64(pool[node]) >> _LEVEL_SHIFT)) - 1
    while low < high:
        middle = (low + high) // 2
        if pool[node + 1 + middle]:
            low = middle + 1
        else:
            high = middle
    return low


@njit(cache=True, nogil=True)
def _insert(
    slots: np.ndarray,
    counts: np.ndarray,
    width: int,
    limit: int,
    pool: np.ndarray,
    used: int,
    keys: np.ndarray,
    start: int,
    owner: int,
) -> tuple[int, int, int]:  # pragma: no cover
    """Add ``owner`` under ``keys[start:]``; ``(index, used, needed)``: every key added (``index`` is
    ``len(keys)``) and the pool's words used after them, or the first key not added and why: its partition
    holds ``limit`` keys (``needed`` 0) or the pool lacks the ``needed`` words of a new node."""
    mine = np.uint32(owner + 1)
    for index in range(start, len(keys)):
        partition, tag = _place(keys[index])
        slot, held = _slot_of(slots, partition, tag, width)
        if not held:
            if counts[partition] >= limit:
                return index, used, 0
            slots[slot] = (tag << np.uint64(32)) | np.uint64(mine)
            counts[partition] += 1
            continue
        reference = slots[slot] & _LOW_32
        if reference & _LIST:
            head = np.int64(reference ^ _LIST) * 4
            level, count = np.int64(pool[head]) >> _LEVEL_SHIFT, _held_owners(pool, head)
            if pool[head + count] == mine:  # the owner's own window repeats the key
                continue
            if count < (np.int64(4) << level) - 1:
                pool[head + 1 + count] = mine
                continue
            level, after = min(level + 1, _MAX_LEVEL), head // 4
        else:
            if reference == mine:
                continue
            level, after = 0, _NONE
        size = np.int64(4) << level
        if used + size > len(pool):
            return index, used, used + size
        pool[used] = (level << _LEVEL_SHIFT) | after
        if after == _NONE:  # the key's one owner and this one
            pool[used + 1], pool[used + 2] = reference, mine
        else:
            pool[used + 1] = mine
        slots[slot] = (tag << np.uint64(32)) | _LIST | np.uint64(used // 4)
        used += size
    return len(keys), used, 0


@njit(cache=True, nogil=True)
def _rehash(
    old: np.ndarray, old_width: int, new: np.ndarray, new_width: int, first: int, last: int
) -> None:  # pragma: no cover
    """Move partitions ``first`` to ``last`` (excluded) of ``old`` into ``new``, the same partitions wider."""
    for index in range(first * old_width, last * old_width):
        value = old[index]
        if value != _EMPTY:
            partition = index // old_width
            slot, _ = _slot_of(new, partition, value >> np.uint64(32), new_width)
            new[slot] = value


@njit(cache=True, nogil=True)
def _grown(found: np.ndarray, count: int, rows: int) -> np.ndarray:  # pragma: no cover
    """``found``'s first ``count`` rows in an array of at least ``rows`` rows (twice that)."""
    grown = np.empty((2 * rows, 2), dtype=np.int64)
    grown[:count] = found[:count]
    return grown


@njit(cache=True, nogil=True)
def _found(found: np.ndarray, count: int, owner: np.int64, window: int) -> np.ndarray:  # pragma: no cover
    """``found`` with row ``count`` set to ``(owner, window)``, grown first when full."""
    if count == len(found):
        found = _grown(found, count, count + 1)
    found[count, 0], found[count, 1] = owner, window
    return found


@njit(cache=True, nogil=True)
def _lookup(
    slots: np.ndarray, width: int, pool: np.ndarray, keys: np.ndarray, bands: int, seen: np.ndarray, first_stamp: int
) -> np.ndarray:  # pragma: no cover
    """Rows ``(owner, window)``, each once, in window order: an owner found by a band of the query's window
    ``window`` (``keys`` window by window, ``bands`` each). ``seen[owner]`` is set to ``first_stamp + window``
    when first found for that window."""
    found = np.empty((16, 2), dtype=np.int64)
    count = 0
    for index in range(len(keys)):
        window = index // bands
        stamp = first_stamp + window
        partition, tag = _place(keys[index])
        slot, held = _slot_of(slots, partition, tag, width)
        if not held:
            continue
        reference = slots[slot] & _LOW_32
        if not reference & _LIST:
            owner = np.int64(reference) - 1
            if seen[owner] != stamp:
                seen[owner] = stamp
                found = _found(found, count, owner, window)
                count += 1
            continue
        node = np.int64(reference ^ _LIST) * 4
        while True:
            header = np.int64(pool[node])
            end = node + (np.int64(4) << (header >> _LEVEL_SHIFT))
            if count + end - node > len(found):
                found = _grown(found, count, count + end - node)
            for position in range(node + 1, end):
                if not pool[position]:  # the rest of the newest node is room
                    break
                # Written whether found before or not, kept only when not: a branch per owner, taken at
                # random, cost a quarter of the lookup where sentences recur.
                owner = np.int64(pool[position]) - 1
                found[count, 0], found[count, 1] = owner, window
                count += seen[owner] != stamp
                seen[owner] = stamp
            if (header & _NONE) == _NONE:
                break
            node = (header & _NONE) * 4
    return found[:count]


@njit(cache=True, nogil=True)
def _by_owner(found: np.ndarray, seen: np.ndarray, stamp: int):  # pragma: no cover
    """``_lookup``'s rows grouped by owner: the owners ascending, where each one's windows start in the
    windows (``seen[owner]`` is set to ``stamp``). Found in window order, each owner's windows stay so.
    Compiled: where sentences recur a query finds a thousand rows, and sorting and splitting them with
    numpy calls cost a third as much as finding them."""
    distinct = np.empty(len(found), dtype=np.int64)
    count = 0
    for row in range(len(found)):
        owner = found[row, 0]
        if seen[owner] != stamp:
            seen[owner] = stamp
            distinct[count] = owner
            count += 1
    owners = np.sort(distinct[:count])
    position = np.empty(len(seen), dtype=np.int64)  # read only at the owners found
    bounds = np.zeros(count + 1, dtype=np.int64)
    for k in range(count):
        position[owners[k]] = k
    for row in range(len(found)):
        bounds[position[found[row, 0]] + 1] += 1
    for k in range(count):
        bounds[k + 1] += bounds[k]
    filled = bounds[:-1].copy()
    windows = np.empty(len(found), dtype=np.int64)
    for row in range(len(found)):
        k = position[found[row, 0]]
        windows[filled[k]] = found[row, 1]
        filled[k] += 1
    return owners, bounds, windows


class BandTable:
    """Owners by the band fingerprints of their windows: each ``add`` is a new owner, numbered in order."""

    def __init__(self, bands: int, capacity: int = 1 << 18) -> None:
        self.bands = bands
        # Equal fingerprints of different bands are not a match: each band's keys are moved apart.
        self._band_salts = (np.arange(1, bands + 1, dtype=np.uint64) * _BAND_MIXER)[None, :]
        self._width = max(2, -(-capacity >> _PARTITION_BITS))  # slots per partition
        self._memory, self._slots = _zeroed(self._width << _PARTITION_BITS)
        self._counts = np.zeros(1 << _PARTITION_BITS, dtype=np.int64)
        # The nodes of shared keys' owners, 32-bit words (doubled in place as they fill).
        self._pool_memory, self._pool = _zeroed(max(64, capacity // 2), np.uint32)
        self._used = 0
        self._seen = array("q")  # the last query row that found each owner
        self._stamps = 0
        self.windows = 0

    def _keys(self, fingerprints: np.ndarray) -> np.ndarray:
        if fingerprints.ndim != 2 or fingerprints.shape[1] != self.bands:
            raise ValueError(f"expected fingerprints of shape (windows, {self.bands}), not {fingerprints.shape}")
        return (fingerprints.astype(np.uint64, copy=False) ^ self._band_salts).ravel()

    def add(self, fingerprints: np.ndarray) -> int:
        """Hold a new owner's windows, one row of band fingerprints each; its number (0, 1, 2, ...)."""
        owner = len(self._seen)
        if owner == _MAX_OWNERS:
            raise OverflowError(f"a band table holds at most {_MAX_OWNERS} owners")
        keys = self._keys(fingerprints)
        limit, index = int(_MAX_LOAD * self._width), 0
        while True:
            index, self._used, needed = _insert(
                self._slots, self._counts, self._width, limit, self._pool, self._used, keys, index, owner
            )
            if index == len(keys):
                break
            if needed:
                self._reserve(needed)
            else:  # a partition is three quarters full
                self._grow(max(int(self._width * _GROWTH), self._width + 1))
                limit = int(_MAX_LOAD * self._width)
        self._seen.append(0)
        self.windows += len(fingerprints)
        return owner

    def _reserve(self, words: int) -> None:
        """Room for ``words`` words of nodes: their memory doubled in place (its untouched pages cost nothing)."""
        if words > _MAX_POOL_WORDS:
            raise OverflowError(f"a band table holds at most {_MAX_POOL_WORDS} words of shared keys' owners")
        size = len(self._pool)
        while size < words:
            size *= 2
        del self._pool  # the memory cannot move while an array views it
        try:
            self._pool_memory.resize(4 * min(size, _MAX_POOL_WORDS))
        finally:  # resized or not, the table reads its nodes again
            self._pool = np.frombuffer(self._pool_memory, dtype=np.uint32)

    def _grow(self, width: int) -> None:
        """Widen every partition to ``width`` slots, a few partitions at a time, handing back the old
        table's pages as they are emptied."""
        memory, slots = _zeroed(width << _PARTITION_BITS)
        handed_back = 0  # bytes of the old table given back so far: whole pages
        partitions = len(self._counts)
        for first in range(0, partitions, _ROWS_MOVED_AT_ONCE):
            last = min(first + _ROWS_MOVED_AT_ONCE, partitions)
            _rehash(self._slots, self._width, slots, width, first, last)
            emptied = last * self._width * 8 // mmap.PAGESIZE * mmap.PAGESIZE
            if emptied > handed_back:
                self._memory.madvise(mmap.MADV_DONTNEED, handed_back, emptied - handed_back)
                handed_back = emptied
        self._memory, self._slots, self._width = memory, slots, width

    def query(self, fingerprints: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Which owners' windows share a band with which rows of ``fingerprints``: ``(owners, bounds,
        rows)``, owner ``owners[k]`` (ascending) meeting rows ``rows[bounds[k]:bounds[k + 1]]`` (ascending)."""
        seen = np.frombuffer(self._seen, dtype=np.int64) if self._seen else np.zeros(0, dtype=np.int64)
        keys = self._keys(fingerprints)
        found = _lookup(self._slots, self._width, self._pool, keys, self.bands, seen, self._stamps + 1)
        # A stamp per row queried and one to group by owner: no later query reuses one.
        grouped = _by_owner(found, seen, self._stamps + len(fingerprints) + 1)
        self._stamps += len(fingerprints) + 1
        return grouped

    @property
    def nbytes(self) -> int:
        """Bytes held by the table's slots and its shared keys' owners."""
        return self._slots.nbytes + self._used * 4
