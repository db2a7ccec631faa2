"""Persisted task results without pickles: embedding shards are stored as .npy bytes, keyed on content."""

from __future__ import annotations

import base64
import hashlib
import io
from typing import Any

import numpy as np
from prefect.serializers import Serializer
from pydantic import Field


# Subclassing the unparametrised class: a parametrised one registers itself without a dispatch key.
class NumpySerializer(Serializer):
    """A numeric array as NumPy's .npy format (``allow_pickle=False`` both ways: loading runs no code)."""

    type: str = Field(default="storyline/npy", frozen=True)

    # Base64, as Prefect's own serializers: its result records carry the bytes inside JSON.
    def dumps(self, obj: np.ndarray) -> bytes:
        buffer = io.BytesIO()
        np.save(buffer, np.asarray(obj), allow_pickle=False)
        return base64.b64encode(buffer.getvalue())

    def loads(self, blob: bytes) -> np.ndarray:
        return np.load(io.BytesIO(base64.b64decode(blob)), allow_pickle=False)


def content_key(*parts: Any) -> str:
    """A cache key from the given strings (texts, model names, settings): the same content, the same key."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(str(part).encode())
        digest.update(b"\x00")
    return digest.hexdigest()
