"""A sentence-transformers model run by ONNX Runtime, in float or int8.

Importing torch and sentence-transformers costs a process about 7 s on two cores, more than embedding the
hundred new articles of a scheduled run; ONNX Runtime and ``tokenizers`` start in about 0.5 s and give the
same vectors (largest difference 2.2e-7 on 512 articles) at about 0.95x torch's speed. The transformer is
exported once per model with ``torch.onnx`` into a cache folder (``STORYLINE_CACHE``, else
``$XDG_CACHE_HOME/storyline``, else ``~/.cache/storyline``); pooling and normalising are done here.
Models other than a transformer followed by mean or CLS pooling (and normalising) are not exported: they
run on torch.

``precision="int8"`` runs a copy whose matrix products take int8 weights (ONNX Runtime's dynamic
quantisation, per output channel; activations quantised as they come), on the CPU's VNNI units. The first
layer's products stay in float: of the variants measured it kept the vectors closest to float (mean cosine
0.995-0.996 on the three dev sets, against 0.993-0.995 quantising every layer).

Each text runs alone, one per core at a time: dynamic quantisation scales a product's activations by the
largest in the whole input, so in a batch an article's int8 vector moved with the texts beside it (cosine
of one pair moved by up to 0.04 between two batchings of ECB+), and a run that embeds new articles apart
from the older ones compared vectors no run over all of them gives. Alone, a text's vector is its own, in
float as in int8; one text per core was as fast as batches of 32 over both cores on 600 ECB+ articles and
600 headlines.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import logging
import os
import re
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from clustering.ingest.parallel import available_cores
from clustering.storage.atomic import atomic_writer

if TYPE_CHECKING:
    import onnxruntime
    from tokenizers import Tokenizer

_TRANSFORMER = "sentence_transformers.models.Transformer"
_POOLING = "sentence_transformers.models.Pooling"
_NORMALIZE = "sentence_transformers.models.Normalize"
_POOLING_MODES = {"pooling_mode_mean_tokens": "mean", "pooling_mode_cls_token": "cls"}
# The files whose content the exported graph depends on.
_MODEL_FILES = ("config.json", "model.safetensors", "pytorch_model.bin")
# The exported names of the first encoder layer's nodes: "/transformer/encoder/layer.0/attention/...".
_FIRST_LAYER = re.compile(r"\blayer\.0\b")
# How the int8 copy is made (``quantize``), named in its file and in the embedding cache's keys: a change of
# recipe gets its own file and keys rather than mixing its vectors with the old ones.
INT8_RECIPE = "int8-qint8-per-channel-layer0-float"
# How int8 vectors are run, in the embedding cache's keys beside the recipe: each text alone (``OnnxEncoder``),
# so that vectors a batch moved are not read as a text's own.
INT8_RUN = "one-text-a-run"


def cache_folder() -> Path:
    """Where exported models are kept."""
    if folder := os.environ.get("STORYLINE_CACHE"):
        return Path(folder)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "storyline"


def pooling_mode(location: str) -> str | None:
    """``"mean"`` or ``"cls"`` for a sentence-transformers model folder this module can run; None otherwise
    (another pooling, extra modules such as Dense layers, no fast tokenizer, or not a folder)."""
    folder = Path(location)
    try:
        modules = json.loads((folder / "modules.json").read_text())
    except (OSError, ValueError):
        return None
    types = [module.get("type") for module in modules]
    if types not in ([_TRANSFORMER, _POOLING], [_TRANSFORMER, _POOLING, _NORMALIZE]):
        return None
    if not (folder / "tokenizer.json").is_file():
        return None
    try:
        pooling = json.loads((folder / modules[1]["path"] / "config.json").read_text())
    except (OSError, ValueError, KeyError):
        return None
    chosen = [mode for key, mode in _POOLING_MODES.items() if pooling.get(key)]
    others = [key for key, value in pooling.items() if key.startswith("pooling_mode") and value]
    return chosen[0] if len(chosen) == 1 and len(others) == 1 else None


def exported_path(location: str) -> Path:
    """The exported graph of the model folder ``location``: named by the folder and a digest of its
    weights' and configuration's sizes and modification times, so a changed model is exported again."""
    digest = hashlib.sha256(str(Path(location).resolve()).encode())
    for name in _MODEL_FILES:
        path = Path(location) / name
        if path.is_file():
            status = path.stat()
            digest.update(f"{name}:{status.st_size}:{status.st_mtime_ns}".encode())
    return cache_folder() / "onnx" / f"{Path(location).name}-{digest.hexdigest()[:16]}.onnx"


def export(location: str, target: Path) -> None:
    """Export the transformer of the sentence-transformers model at ``location`` to ONNX at ``target``
    (written beside it first and moved into place, so a reader never sees half a file)."""
    import torch
    from sentence_transformers import SentenceTransformer

    transformer = SentenceTransformer(location, device="cpu")[0].auto_model.eval()
    takes_token_types = "token_type_ids" in inspect.signature(transformer.forward).parameters
    names = ["input_ids", "attention_mask", *(["token_type_ids"] if takes_token_types else [])]

    class _LastHiddenState(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
            return self.transformer(**dict(zip(names, inputs, strict=True))).last_hidden_state

    example = torch.ones(2, 8, dtype=torch.long)
    # The TorchScript exporter is deprecated in favour of one that needs onnxscript; it still exports
    # BERT-style encoders exactly (checked against torch in tests/test_embed.py). It writes to a file object.
    with atomic_writer(target, binary=True) as file, warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            _LastHiddenState(),
            tuple(example for _ in names),
            file,
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes={name: {0: "batch", 1: "tokens"} for name in [*names, "last_hidden_state"]},
            opset_version=17,
            dynamo=False,
        )


def quantized_path(exported: Path) -> Path:
    """Where the int8 copy of an exported graph is kept."""
    return exported.with_name(f"{exported.stem}-{INT8_RECIPE}.onnx")


def quantize(source: Path, target: Path) -> None:
    """An int8 copy of the exported graph ``source`` at ``target`` (written beside it, then moved)."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    graph = onnx.load(str(source), load_external_data=False)
    matmuls = [node.name for node in graph.graph.node if node.op_type == "MatMul"]
    first_layer = [name for name in matmuls if _FIRST_LAYER.search(name)]
    partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
    # quantize_dynamic advises, on the root logger, the shape pre-processing that static quantisation needs.
    advice = _WithoutMessage("pre-processing before quantization")
    logging.getLogger().addFilter(advice)
    try:
        quantize_dynamic(
            str(source), str(partial), weight_type=QuantType.QInt8, per_channel=True, nodes_to_exclude=first_layer
        )
        os.replace(partial, target)
    finally:
        logging.getLogger().removeFilter(advice)
        partial.unlink(missing_ok=True)


class _WithoutMessage(logging.Filter):
    def __init__(self, words: str) -> None:
        super().__init__()
        self.words = words

    def filter(self, record: logging.LogRecord) -> bool:
        return self.words not in record.getMessage()


@dataclass(frozen=True)
class OnnxEncoder:
    """Tokenise, run the exported transformer, pool and L2-normalise: what ``SentenceTransformer.encode``
    does for a transformer-pooling-normalise model, one text at a time on each of ``workers``' threads
    (the session runs each on one thread)."""

    session: onnxruntime.InferenceSession
    tokenizer: Tokenizer
    pooling: str
    workers: ThreadPoolExecutor

    def encode(self, texts: list[str], max_tokens: int) -> np.ndarray:
        self.tokenizer.enable_truncation(max_length=max_tokens)
        encodings = self.tokenizer.encode_batch(texts)
        takes_token_types = "token_type_ids" in {node.name for node in self.session.get_inputs()}

        def embed_one(index: int) -> np.ndarray:
            encoding = encodings[index]
            inputs: dict[str, Any] = {
                "input_ids": np.array([encoding.ids], dtype=np.int64),
                "attention_mask": np.array([encoding.attention_mask], dtype=np.int64),
            }
            if takes_token_types:
                inputs["token_type_ids"] = np.array([encoding.type_ids], dtype=np.int64)
            hidden = self.session.run(None, inputs)[0][0]
            pooled = hidden[0] if self.pooling == "cls" else hidden.mean(axis=0)
            return pooled / max(float(np.linalg.norm(pooled)), 1e-12)

        return np.vstack(list(self.workers.map(embed_one, range(len(texts))))).astype(np.float32)


@cache
def load_encoder(location: str, precision: str = "fp32") -> OnnxEncoder:
    """The ONNX encoder of the model folder ``location`` at ``precision`` ("fp32" or "int8"), exported
    (and quantised) on first use; once per process."""
    pooling = pooling_mode(location)
    if pooling is None:
        raise ValueError(f"{location!r} is not a transformer-and-pooling sentence-transformers folder")
    import onnxruntime
    from tokenizers import Tokenizer

    path = exported_path(location)
    if not path.is_file():
        export(location, path)
    if precision == "int8":
        exported, path = path, quantized_path(path)
        if not path.is_file():
            quantize(exported, path)
    tokenizer = Tokenizer.from_file(str(Path(location) / "tokenizer.json"))
    tokenizer.no_padding()  # texts run alone: a text's tokens and nothing else
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1  # the cores go to texts side by side (``OnnxEncoder``)
    session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    workers = ThreadPoolExecutor(max_workers=available_cores(), thread_name_prefix="storyline-onnx")
    return OnnxEncoder(session, tokenizer, pooling, workers)
