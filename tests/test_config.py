"""One configuration: defaults in one place, a TOML file, the environment, the command line; clear errors."""

from __future__ import annotations

import tomllib

import pytest
from typer.testing import CliRunner

from clustering.config import PRIVATE_OFFLINE_ENVIRONMENT, ClusterConfig, Config, set_private_offline_environment
from clustering.config_files import ConfigError, config_toml, load_config
from clustering.stories.clusterer import StoryClusterer
from flows.cli import app


def test_file_then_environment_then_command_line(tmp_path):
    path = tmp_path / "storyline.toml"
    path.write_text('[embed]\nmax_tokens = 64\nmodel = "/models/a"\n[reuse.align]\nmax_gap_words = 8\n')
    environ = {"STORYLINE_EMBED__MODEL": "/models/b", "STORYLINE_RUN__INCREMENTAL_SHARE": "0.1", "STORYLINE_CACHE": "x"}
    config = load_config(path, {"embed": {"batch_size": 8}}, environ)
    assert config.embed.max_tokens == 64 and config.embed.model == "/models/b" and config.embed.batch_size == 8
    assert config.reuse.align.max_gap_words == 8 and config.reuse.window_words == Config().reuse.window_words
    assert config.run.incremental_share == 0.1
    assert load_config(environ={}) == Config()
    windowed = load_config(environ={"STORYLINE_RUN__STORY_WINDOW_DAYS": "30", "STORYLINE_EMBED__PRECISION": "fp32"})
    assert windowed.run.story_window_days == 30.0 and windowed.embed.precision == "fp32"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"embed": {"modle": "x"}}, "unknown setting 'embed.modle'"),
        ({"embeddings": {}}, "unknown setting 'embeddings'"),
        ({"embed": {"max_tokens": "many"}}, "embed.max_tokens"),
        ({"embed": 3}, "embed is a section"),
        ({"embed": {"backend": "gpu"}}, "backend must be one of"),
        ({"embed": {"precision": "int4"}}, "precision must be one of"),
        ({"run": {"story_window_days": -1}}, "story_window_days must be more than 0"),
        ({"reuse": {"lookback_days": 0}}, "lookback_days must be more than 0"),
    ],
)
def test_a_wrong_setting_is_named(overrides, message):
    with pytest.raises(ConfigError, match=message):
        load_config(overrides=overrides, environ={})


def test_a_bad_settings_file_is_a_clear_error(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[embed\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(path, environ={})
    with pytest.raises(ConfigError, match="No such file"):
        load_config(tmp_path / "missing.toml", environ={})


def test_storyline_config_prints_the_effective_settings_as_a_file_it_reads_back(tmp_path, monkeypatch):
    monkeypatch.setenv("STORYLINE_CLUSTER__MIN_CLUSTER_SIZE", "4")
    result = CliRunner().invoke(app, ["config", "--model", "/models/x"])
    assert result.exit_code == 0, result.output
    printed = tomllib.loads(result.output)
    assert printed["cluster"]["min_cluster_size"] == 4 and printed["embed"]["model"] == "/models/x"
    path = tmp_path / "storyline.toml"
    path.write_text(result.output)
    monkeypatch.delenv("STORYLINE_CLUSTER__MIN_CLUSTER_SIZE")
    assert load_config(path) == load_config(
        overrides={"cluster": {"min_cluster_size": 4}, "embed": {"model": "/models/x"}}
    )
    headers = [line for line in config_toml(Config()).splitlines() if line.startswith("[")]
    assert len(headers) == len(Config().as_dict()) + 1  # every part, and reuse.align
    bad = CliRunner().invoke(app, ["config", "--config", str(tmp_path / "missing.toml")])
    assert bad.exit_code == 1 and "missing.toml" in bad.output


def test_the_clusterers_defaults_are_the_settings_defaults():
    params = StoryClusterer().get_params()
    assert params == {name: getattr(ClusterConfig(), name) for name in params}
    assert set(params) == set(ClusterConfig.__dataclass_fields__)


def test_private_offline_defaults_keep_what_the_user_set(monkeypatch):
    for name in PRIVATE_OFFLINE_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    set_private_offline_environment()
    import os

    assert os.environ["DO_NOT_TRACK"] == "1" and os.environ["HF_HUB_OFFLINE"] == "0"
