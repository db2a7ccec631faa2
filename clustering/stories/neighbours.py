"""Each article's nearest by embedding: the pairs clustering scores, so that time and memory grow with
n·k rather than n² (all pairs in a corpus no larger than k)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.decomposition import PCA

# Rows of the embedding matrix compared with all others at once: bounds the block to rows × n floats.
_BLOCK_ROWS = 1024
# Up to this many similarities (sources x articles), neighbours are found with numpy: under 1 s of
# argpartition, where importing torch for its faster top-k would cost 2 s (assigning a few new articles).
_NUMPY_SEARCH_LIMIT = 20_000_000
# Up to this many articles, neighbours are searched on the full embeddings.
_EXACT_SEARCH_LIMIT = 5_000


def neighbour_pairs(
    embeddings: np.ndarray, n_neighbors: int, search_dimensions: int = 64
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs ``(rows, cols)`` with rows < cols: each article with its ``n_neighbors`` nearest by cosine,
    or every pair when the corpus has no more articles than that.

    Past a few thousand articles the search runs on the top ``search_dimensions`` principal components,
    which keep the neighbourhoods at a fraction of the cost; the distances themselves use full vectors.
    """
    count = len(embeddings)
    if count <= n_neighbors + 1:
        rows, cols = np.triu_indices(count, k=1)
        return rows.astype(np.int64), cols.astype(np.int64)
    vectors = embeddings
    if count > _EXACT_SEARCH_LIMIT and embeddings.shape[1] > search_dimensions:
        vectors = PCA(n_components=search_dimensions, random_state=0).fit_transform(embeddings)
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    sources = np.arange(count)
    keys = (sources[:, None] * count + nearest_neighbours(vectors, sources, n_neighbors)).ravel()
    rows, cols = np.divmod(keys, count)
    keys = np.unique(np.minimum(rows, cols) * count + np.maximum(rows, cols))
    return np.divmod(keys, count)


def nearest_neighbours(vectors: np.ndarray, sources: Sequence[int], count: int) -> np.ndarray:
    """For each of the ``sources`` rows, the rows of its ``count`` nearest others by dot product (unsorted),
    from blocked matrix products: memory stays at a block of rows times the corpus."""
    if len(sources) * len(vectors) <= _NUMPY_SEARCH_LIMIT:
        similarities = vectors[np.asarray(sources, dtype=np.int64)] @ vectors.T
        similarities[np.arange(len(sources)), sources] = -np.inf
        return np.argpartition(-similarities, count - 1, axis=1)[:, :count].astype(np.int64)
    import torch  # torch's top-k is 40x numpy's argpartition on 1,024 x 50,000 similarities

    searched = torch.from_numpy(np.ascontiguousarray(vectors, dtype=np.float32))
    found: list[np.ndarray] = [np.empty((0, count), dtype=np.int64)]
    for start in range(0, len(sources), _BLOCK_ROWS):
        block_rows = torch.as_tensor(np.asarray(sources[start : start + _BLOCK_ROWS], dtype=np.int64))
        block = searched[block_rows] @ searched.T
        block[torch.arange(len(block_rows)), block_rows] = -torch.inf
        found.append(torch.topk(block, count, dim=1, sorted=False).indices.numpy())
    return np.concatenate(found)
