"""Embedding: Storyline's embed stage beside a bare ``SentenceTransformer.encode``, and faster options.

    .venv/bin/python bench/bench_embedding.py [--limit 772]

On the ECB+ dev articles (title and body as Storyline embeds them), one run measures:
- stock: ``SentenceTransformer.encode`` with the model's own settings (256 tokens), the baseline;
- Storyline's embed stage on torch at 256 tokens (its overhead over the same work) and at its default,
  128 tokens; the same on its ONNX Runtime backend (what it uses for runs of up to 2,000 texts);
- a shorter lead (64 tokens);
- int8 dynamic quantisation of the model's linear layers (``torch.ao.quantization``) at 128 tokens.
For each: articles per second, the ratio to stock, and the story pairwise F1 on ECB+ dev when Storyline
clusters those embeddings (and its difference from stock).
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
from sentence_transformers import SentenceTransformer

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ECBPLUS_DEV, labelled_articles, print_table, save, timed

from clustering.config import EmbedConfig
from clustering.embed.embedding import embed_texts, embedding_text, load_model, resolve_model
from clustering.embed.onnx_encoder import load_encoder
from clustering.evaluate import score
from clustering.reuse.dedup import find_reuse
from clustering.stories.clusterer import StoryClusterer, cluster_articles


def _int8_model() -> SentenceTransformer:
    """A copy of the model with its linear layers quantised to int8 (weights; activations at run time)."""
    import torch

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.ao's notice that this API moves to torchao
        return torch.ao.quantization.quantize_dynamic(
            load_model(EmbedConfig().model), {torch.nn.Linear}, dtype=torch.qint8
        )


def _encode(model: SentenceTransformer, texts: list[str], max_tokens: int) -> np.ndarray:
    model.max_seq_length = max_tokens
    return model.encode(texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="embed only the first N articles")
    arguments = parser.parse_args()
    articles, gold = labelled_articles(*ECBPLUS_DEV)
    if arguments.limit:
        articles, gold = articles[: arguments.limit], gold[: arguments.limit]
    texts = [embedding_text(article) for article in articles]
    dedup = find_reuse(articles)
    # Loading, exporting and quantising are not part of any method's time.
    model = load_model(EmbedConfig().model)
    load_encoder(resolve_model(EmbedConfig().model))
    quantised = _int8_model()
    stage = EmbedConfig(backend="torch")
    methods: list[tuple[str, Callable[[], np.ndarray]]] = [
        ("stock encode (256 tokens)", lambda: _encode(model, texts, 256)),
        ("storyline stage, torch, 256 tokens", lambda: embed_texts(texts, replace(stage, max_tokens=256))),
        ("storyline stage, torch, 128 tokens (default)", lambda: embed_texts(texts, stage)),
        ("storyline stage, ONNX Runtime, 128 tokens", lambda: embed_texts(texts, replace(stage, backend="onnx"))),
        ("storyline stage, torch, 64 tokens", lambda: embed_texts(texts, replace(stage, max_tokens=64))),
        ("int8 dynamic quantisation, 128 tokens", lambda: _encode(quantised, texts, 128)),
    ]
    rows: list[list[object]] = []
    baseline_rate = baseline_f1 = 0.0
    for name, run in methods:
        embeddings, seconds = timed(run)
        labels = cluster_articles(articles, np.asarray(embeddings, dtype=np.float32), dedup, StoryClusterer())
        f1 = score(gold, labels.tolist()).pairwise_f1
        rate = len(texts) / seconds
        if not rows:
            baseline_rate, baseline_f1 = rate, f1
        rows.append([name, seconds, rate, rate / baseline_rate, f1, f1 - baseline_f1])
    print_table(
        f"Embedding {len(texts)} ECB+ dev articles (2-core CPU; ratios against stock in this run)",
        ["method", "seconds", "articles/s", "× stock", "ECB+ F1", "F1 − stock"],
        rows,
    )
    save(
        "embedding",
        {
            row[0]: dict(zip(["seconds", "articles_per_s", "ratio_to_stock", "f1", "f1_delta"], row[1:], strict=True))
            for row in rows
        },
    )


if __name__ == "__main__":
    main()
