"""A cleaned article's segments: its body cut into sentences, each keyed by a digest of its words, so that
the sentences many pages of an outlet share (learned furniture) are found by key."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

from clustering.ingest.line_kinds import normalised

_PIECE_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s)")
Segment = tuple[int, int, int]


def segment_key(piece: str) -> int | None:
    """A digest of the piece's words (case, punctuation and spacing aside); ``None`` for a piece without
    words. Signed 64 bits, as SQLite stores an integer."""
    words = normalised(piece)
    if not words:
        return None
    return int.from_bytes(hashlib.blake2b(words.encode(), digest_size=8).digest(), "big", signed=True)


def segments_of(text: str, spans: Iterable[tuple[int, int]]) -> tuple[Segment, ...]:
    """The segments of the paragraphs of ``text`` at ``spans``: ``(start, end, key)`` each."""
    found: list[Segment] = []
    for start, end in spans:
        cuts = [match.end() for match in _PIECE_END.finditer(text, start, end)]
        for piece_start, piece_end in zip([start, *cuts], [*cuts, end], strict=True):
            piece = text[piece_start:piece_end]
            key = segment_key(piece)
            if key is not None:
                left = piece_start + len(piece) - len(piece.lstrip())
                found.append((left, piece_start + len(piece.rstrip()), key))
    return tuple(found)
