"""LSH band fingerprints added one article at a time and queried as they come, in compact arrays.

datasketch's ``MinHashLSH`` keeps, for each band of each indexed window, a bytes key in a Python dict of
sets (about 1.4 GB per 10,000 articles, README "Wire-copy reuse"), and makes a Python call per band on every
insert and query. This table keeps each distinct band key once, as one 64-bit slot of an open-addressing
hash table (linear probing, compiled with numba): 32 bits of the key's hash beside a 32-bit reference, the
key's one owner or the newest of a list of blocks of its owners (three owners and the next block in 16
bytes: a list is read three owners at a time, 10 % faster than one owner and a link in 8 bytes). The slots
are one array of 256 partitions, picked by 8 more bits of that hash, so a key is matched on 40 bits: a
window is taken for another only when 40 bits of two 64-bit fingerprints agree (about once in 10**12 keys
compared; the candidate is then aligned exactly, like any other). When a partition is three quarters full
every partition is widened 1.25×, a few partitions at a time, and the old table's pages are handed back as
they empty, so growing never holds two whole tables.

A key is held once however many owners print it: where a sentence recurs in hundreds of articles, a slot
per owner made runs of hundreds of equal keys, which every probe passing through walked (6,000 collages
of recurring sentences: a key probed walked 148 slots on average, and lookups and inserts took a quarter
of the dedup step). Partitions are few and wide because the fullest one sets every partition's width. A
typed list of partitions grown one by one, measured first, doubled the lookup time; sorted runs searched
by bisection spent 1.1 ms a query in ``searchsorted`` at 6,400 articles, a third of the dedup step's time.
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
# A slot's reference is its key's one owner plus one, or, with this bit set, the node heading its owners.
_LIST = np.uint64(1 << 31)
# A block of up to three owners is two words: (next block << 32) | first, (third << 32) | second; an
# owner not there yet, and the last block's next, are this.
_NONE = np.uint64(0xFFFFFFFF)
_MAX_LOAD = 0.75
_GROWTH = 1.25
_MAX_OWNERS = (1 << 31) - 1  # an owner is referenced plus one in 31 bits
_MAX_BLOCKS = 1 << 31  # a block is referenced in 31 bits
_ROWS_MOVED_AT_ONCE = 16  # partitions moved to a grown table before their old memory is handed back


def _zeroed(count: int) -> tuple[mmap.mmap, np.ndarray]:
    """``count`` zeroed 64-bit words in private anonymous memory: resident only once written, handed back to
    the system part by part (``madvise``), and grown in place (``mremap``)."""
    memory = mmap.mmap(-1, count * 8, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    return memory, np.frombuffer(memory, dtype=np.uint64)


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
def _insert(
    slots: np.ndarray, counts: np.ndarray, width: int, blocks: np.ndarray, used: int, keys: np.ndarray, owner: int
) -> int:  # pragma: no cover
    """Add ``owner`` under each of ``keys``; the blocks used after it (each key takes one at most)."""
    for key in keys:
        partition, tag = _place(key)
        slot, held = _slot_of(slots, partition, tag, width)
        if not held:
            slots[slot] = (tag << np.uint64(32)) | np.uint64(owner + 1)
            counts[partition] += 1
            continue
        reference = slots[slot] & _LOW_32
        mine = np.uint64(owner)
        if reference & _LIST:
            head = np.int64(reference ^ _LIST)
            second, third = blocks[2 * head + 1] & _LOW_32, blocks[2 * head + 1] >> np.uint64(32)
            latest = blocks[2 * head] & _LOW_32 if second == _NONE else (second if third == _NONE else third)
            if latest == mine:  # the owner's own window repeats the key
                continue
            if second == _NONE:
                blocks[2 * head + 1] = (_NONE << np.uint64(32)) | mine
                continue
            if third == _NONE:
                blocks[2 * head + 1] = (mine << np.uint64(32)) | second
                continue
            blocks[2 * used] = (np.uint64(head) << np.uint64(32)) | mine
            blocks[2 * used + 1] = (_NONE << np.uint64(32)) | _NONE
        else:
            if np.int64(reference) - 1 == owner:
                continue
            blocks[2 * used] = (_NONE << np.uint64(32)) | (reference - np.uint64(1))
            blocks[2 * used + 1] = (_NONE << np.uint64(32)) | mine
        slots[slot] = (tag << np.uint64(32)) | _LIST | np.uint64(used)
        used += 1
    return used


@njit(cache=True, nogil=True)
def _fits(slots: np.ndarray, counts: np.ndarray, width: int, keys: np.ndarray, limit: int) -> bool:  # pragma: no cover
    """Whether no partition would hold more than ``limit`` keys with those of ``keys`` not held yet added
    (a key twice in ``keys`` is counted twice: the answer errs towards growing)."""
    fits = True
    counted = np.empty(len(keys), dtype=np.int64)  # the partition of each key counted
    new = 0
    for key in keys:
        partition, tag = _place(key)
        if not _slot_of(slots, partition, tag, width)[1]:
            counts[partition] += 1
            fits = fits and counts[partition] <= limit
            counted[new] = partition
            new += 1
    for partition in counted[:new]:  # counted only to look: put back
        counts[partition] -= 1
    return fits


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
def _lookup(
    slots: np.ndarray, width: int, blocks: np.ndarray, keys: np.ndarray, bands: int, seen: np.ndarray, first_stamp: int
) -> np.ndarray:  # pragma: no cover
    """Rows ``(owner, window)``, each once, in window order: an owner found by a band of the query's window
    ``window`` (``keys`` window by window, ``bands`` each). ``seen[owner]`` is set to ``first_stamp + window``
    when first found for that window."""
    found = np.empty((16, 2), dtype=np.int64)
    owners = np.empty(3, dtype=np.uint64)
    count = 0
    for index in range(len(keys)):
        window = index // bands
        stamp = first_stamp + window
        partition, tag = _place(keys[index])
        slot, held = _slot_of(slots, partition, tag, width)
        if not held:
            continue
        reference = slots[slot] & _LOW_32
        block = np.int64(reference ^ _LIST) if reference & _LIST else np.int64(-1)
        owners[0], owners[1], owners[2] = reference - np.uint64(1), _NONE, _NONE
        while True:
            if block >= 0:
                first, rest = blocks[2 * block], blocks[2 * block + 1]
                owners[0], owners[1], owners[2] = first & _LOW_32, rest & _LOW_32, rest >> np.uint64(32)
            for held_owner in owners:
                if held_owner == _NONE:
                    break
                owner = np.int64(held_owner)
                if seen[owner] != stamp:
                    seen[owner] = stamp
                    if count == len(found):
                        found = np.concatenate((found, np.empty_like(found)))
                    found[count, 0], found[count, 1] = owner, window
                    count += 1
            if block < 0 or first >> np.uint64(32) == _NONE:
                break
            block = np.int64(first >> np.uint64(32))
    return found[:count]


class BandTable:
    """Owners by the band fingerprints of their windows: each ``add`` is a new owner, numbered in order."""

    def __init__(self, bands: int, capacity: int = 1 << 18) -> None:
        self.bands = bands
        # Equal fingerprints of different bands are not a match: each band's keys are moved apart.
        self._band_salts = (np.arange(1, bands + 1, dtype=np.uint64) * _BAND_MIXER)[None, :]
        self._width = max(2, -(-capacity >> _PARTITION_BITS))  # slots per partition
        self._memory, self._slots = _zeroed(self._width << _PARTITION_BITS)
        self._counts = np.zeros(1 << _PARTITION_BITS, dtype=np.int64)
        self._block_memory, self._blocks = _zeroed(max(16, capacity // 4))  # two words a block
        self._used_blocks = 0
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
        while not _fits(self._slots, self._counts, self._width, keys, int(_MAX_LOAD * self._width)):
            self._grow(max(int(self._width * _GROWTH), self._width + 1))
        self._reserve_blocks(self._used_blocks + len(keys))
        self._used_blocks = _insert(
            self._slots, self._counts, self._width, self._blocks, self._used_blocks, keys, owner
        )
        self._seen.append(0)
        self.windows += len(fingerprints)
        return owner

    def _reserve_blocks(self, count: int) -> None:
        """Room for ``count`` blocks: their memory doubled in place (its untouched pages cost nothing)."""
        if 2 * count <= len(self._blocks):
            return
        if count > _MAX_BLOCKS:
            raise OverflowError(f"a band table holds at most {_MAX_BLOCKS} blocks of shared keys' owners")
        words = len(self._blocks)
        while words < 2 * count:
            words *= 2
        del self._blocks  # the memory cannot move while an array views it
        try:
            self._block_memory.resize(min(words, 2 * _MAX_BLOCKS) * 8)
        finally:  # resized or not, the table reads its blocks again
            self._blocks = np.frombuffer(self._block_memory, dtype=np.uint64)

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

    def query(self, fingerprints: np.ndarray) -> np.ndarray:
        """Which owners' windows share a band with which rows of ``fingerprints``: rows ``(owner, row)``,
        each once, by owner then row."""
        seen = np.frombuffer(self._seen, dtype=np.int64) if self._seen else np.zeros(0, dtype=np.int64)
        keys = self._keys(fingerprints)
        hits = _lookup(self._slots, self._width, self._blocks, keys, self.bands, seen, self._stamps + 1)
        self._stamps += len(fingerprints)  # a stamp per row queried: no later query reuses one
        return hits[np.argsort(hits[:, 0], kind="stable")]  # found in window order

    @property
    def nbytes(self) -> int:
        """Bytes held by the table's slots and its shared keys' owners."""
        return self._slots.nbytes + self._used_blocks * 16
