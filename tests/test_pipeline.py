"""End to end: the Prefect flow and the CLI over the seed corpus."""

import json
import shutil
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from clustering.config_files import load_config
from clustering.pipeline import STAGES
from clustering.reuse.signing import index_settings
from clustering.storage.band_index import BandIndex
from clustering.stories import term_counts as term_counts_module
from clustering.stories.term_counts import TermCounts
from clustering.stories.term_matrix import TERM_SCHEME
from flows.cli import EXIT_REJECTS, app

SEED_STORIES = [
    {"000_8fe064ee60233dcc", "003_73de7036e52b0233", "004_5a81d56bc7aaeb59"},  # Albu Kamal
    {"002_b078ee98dac8c13e"},  # Mosul
    {"001_784272937f8abc39"},  # Latakia, 2015
]
FURNITURE_AND_COMMENTS = [
    "Share:",
    "min read",
    "5thDrawer",
    "Leave a Reply",
    "scottincary",
    "Reporting by",
    "Comments",
    "responses to",
    "[Anadolu]",
    "REUTERS/",
]


@pytest.fixture(scope="module")
def seed_run(prefect_harness, seeds_dir, tmp_path_factory):
    from flows.pipeline import pipeline_flow

    out = tmp_path_factory.mktemp("out")
    report = pipeline_flow(inputs=[str(seeds_dir)], out=str(out))
    return out, report


def test_seeds_form_exactly_the_three_stories(seed_run):
    out, report = seed_run
    stories = json.loads((out / "stories.json").read_text())
    assert sorted(map(set, (s["article_ids"] for s in stories)), key=len, reverse=True) == SEED_STORIES
    assert report.counts["stories"] == 3
    albu_kamal = next(s for s in stories if len(s["article_ids"]) == 3)
    assert albu_kamal["first_published"] == "2017-11-08T00:00:00+00:00"
    assert albu_kamal["last_published"] == "2017-11-20T00:00:00+00:00"
    # An editor's summary of it: the capture of Albu Kamal, and who took it.
    assert "Albu Kamal" in albu_kamal["keywords"] and any("Syria" in k for k in albu_kamal["keywords"])
    assert "stronghold" in albu_kamal["headline"] and "(Reuters)" not in albu_kamal["summary"]
    assert albu_kamal["summary"].startswith("Syria’s army and its allies, spearheaded by Lebanon’s Hezbollah, captured")
    assert [day for day, _ in albu_kamal["developments"]] == ["2017-11-08", "2017-11-20"]


def test_summaries_hold_no_comments_or_furniture(seed_run):
    out, _ = seed_run
    for story in json.loads((out / "stories.json").read_text()):
        assert story["summary"].count(". ") + 1 >= 2
        for marker in FURNITURE_AND_COMMENTS:
            assert marker not in story["summary"], (marker, story["story_id"])


def test_articles_carry_dates_and_agency_credits(seed_run):
    out, _ = seed_run
    rows = {row["id"][:3]: row for row in map(json.loads, (out / "articles.jsonl").read_text().splitlines())}
    assert len(rows) == 5
    assert datetime.fromisoformat(rows["000"]["published"]).date().isoformat() == "2017-11-20"
    assert datetime.fromisoformat(rows["004"]["published"]).date().isoformat() == "2017-11-08"
    assert datetime.fromisoformat(rows["002"]["published"]).date().isoformat() == "2016-11-06"
    assert rows["000"]["agencies"] == ["AFP", "SANA"]  # "State news agency SANA also reported…"
    assert rows["004"]["agencies"] == ["Reuters"]
    assert set(rows["001"]["agencies"]) == {"AP", "Reuters"}
    assert all(row["duplicate_of"] is None for row in rows.values())


def test_run_json_counts_and_timings(seed_run):
    out, report = seed_run
    run = json.loads((out / "run.json").read_text())
    assert run["counts"]["in"] == 5 and run["counts"]["accepted"] == 5 and run["counts"]["rejected"] == 0
    # What the run did to the stories: a first run makes every story new.
    changed = [run["counts"][f"{kind}_stories"] for kind in ("new", "grown", "merged", "split")]
    assert changed == [run["counts"]["stories"], 0, 0, 0]
    # The stage list is the run's order: the report times ingestion's steps, then exactly those stages.
    stages = ["read", "store", *(stage.name for stage in STAGES)]
    assert list(report.stage_seconds) == stages and set(run["stage_seconds"]) == set(stages)
    assert run["versions"]["datasketch"]
    assert run["config"] == load_config().as_dict()  # the instance that ran, every setting
    assert (out / "rejects.jsonl").read_text() == ""
    assert '<section class="story"' in (out / "dashboard.html").read_text()


def test_a_pipeline_runs_over_records_built_in_python(seeds_dir, tmp_path):
    """The README's Python example: dicts in (any common field names), stories out, the same as from files;
    a dict that is no article comes back as a reject."""
    from clustering.pipeline import Pipeline

    records = []
    for path in sorted(seeds_dir.glob("*.txt")):
        text = path.read_text()
        records.append({"id": path.stem, "headline": text.splitlines()[0].strip(), "body": text})
    records.append({"headline": "A headline and no text"})
    result = Pipeline(tmp_path / "out").run(records=records)
    assert sorted(map(set, (s.article_ids for s in result.stories)), key=len, reverse=True) == SEED_STORIES
    assert [(r.origin, r.line) for r in result.rejects] == [("python", 6)]
    assert result.report.counts["in"] == 6 and result.report.counts["accepted"] == 5


def test_cli_rejects_bad_records_and_keeps_going(prefect_harness, seeds_dir, tmp_path):
    inputs = tmp_path / "in"
    shutil.copytree(seeds_dir, inputs)
    (inputs / "empty.txt").write_text("   \n")
    (inputs / "binary.txt").write_bytes(b"\xff\xfe\xfa")
    # A reprint of seed 004 by another outlet, with its own furniture: a duplicate, not a new story.
    original = (seeds_dir / "004_5a81d56bc7aaeb59.txt").read_text()
    (inputs / "005_reprint.txt").write_text(original.replace("November 8, 2017", "Share:\n\nNovember 9, 2017"))
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", str(inputs), "--out", str(out), "--quiet"])
    assert result.exit_code == EXIT_REJECTS, result.output
    rejects = [json.loads(line) for line in (out / "rejects.jsonl").read_text().splitlines()]
    assert sorted(r["reason"].split(" (")[0] for r in rejects) == ["empty text", "not UTF-8 text"]
    articles = [json.loads(line) for line in (out / "articles.jsonl").read_text().splitlines()]
    assert len(articles) == 6
    reprint = next(a for a in articles if a["id"] == "005_reprint")
    assert reprint["duplicate_of"] == "004_5a81d56bc7aaeb59"
    stories = json.loads((out / "stories.json").read_text())
    assert len(stories) == 3
    # Every input is in exactly one story or in the rejects.
    in_stories = [article_id for story in stories for article_id in story["article_ids"]]
    assert sorted(in_stories) == sorted(a["id"] for a in articles)
    assert json.loads((out / "run.json").read_text())["counts"] == {
        "in": 8,
        "accepted": 6,
        "already_stored": 0,
        "rejected": 2,
        "articles": 6,
        "duplicates": 1,
        "reuse_pairs": 1,
        "stories": 3,
        "closed_stories": 0,
        "archived_stories": 0,
        "skipped_files": 0,
        "warnings": 0,
        "new_stories": 3,
        "grown_stories": 0,
        "merged_stories": 0,
        "split_stories": 0,
    }


def test_cli_missing_input_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(app, ["run", str(tmp_path / "nowhere"), "--out", str(tmp_path), "--quiet"])
    assert result.exit_code == 1
    assert "no such file or folder" in result.output


@pytest.mark.parametrize("assigned", [False, True], ids=["clustered-again", "assigned-to-stories"])
def test_incremental_runs_keep_story_ids_and_record_lineage(
    prefect_harness, seeds_dir, tmp_path, monkeypatch, assigned
):
    import clustering.stages.minhash
    from flows.pipeline import pipeline_flow

    # One new article among five is 20 %: clustered again by default, assigned when the share allows it.
    if assigned:
        monkeypatch.setenv("STORYLINE_RUN__INCREMENTAL_SHARE", "1.0")

    first_batch, second_batch = tmp_path / "monday", tmp_path / "tuesday"
    first_batch.mkdir()
    second_batch.mkdir()
    for path in sorted(seeds_dir.glob("*.txt")):
        shutil.copy(path, (second_batch if path.name.startswith("001") else first_batch) / path.name)
    out = tmp_path / "out"
    pipeline_flow(inputs=[str(first_batch)], out=str(out))
    before = {tuple(s["article_ids"]): s for s in json.loads((out / "stories.json").read_text())}
    signed: list[str] = []  # the articles the second run tokenises and signs
    sign_articles = clustering.stages.minhash.sign_articles
    monkeypatch.setattr(
        clustering.stages.minhash,
        "sign_articles",
        lambda articles, *rest: signed.extend(a.id for a in articles) or sign_articles(articles, *rest),
    )
    counted: list[str] = []  # the articles whose terms the second run counts (clustering and summaries)
    count = term_counts_module._count
    monkeypatch.setattr(term_counts_module, "_count", lambda ids, *rest: counted.extend(ids) or count(ids, *rest))
    report = pipeline_flow(inputs=[str(second_batch), str(first_batch)], out=str(out))
    # The band index of the first run's articles spares signing them again; it now holds all five.
    assert signed == ["001_784272937f8abc39"]
    # So do the term counts kept between runs, counted once for clustering and summaries.
    assert counted == ["001_784272937f8abc39"]
    term_counts = TermCounts.load(out / "cache" / "terms.npz", TERM_SCHEME)
    assert term_counts is not None and "001_784272937f8abc39" in term_counts.article_ids
    index = BandIndex.load(out / "cache" / "bands.npz", index_settings())
    assert index is not None and index.holds_exactly({a for s in SEED_STORIES for a in s})
    assert (report.counts["accepted"], report.counts["already_stored"], report.counts["articles"]) == (1, 4, 5)
    run = json.loads((out / "run.json").read_text())
    assert run["counts"] == report.counts and run["reclustered"] is not assigned
    after = json.loads((out / "stories.json").read_text())
    assert sorted(map(set, (s["article_ids"] for s in after)), key=len, reverse=True) == SEED_STORIES
    # Stories that did not change keep their id and everything else: same headline, summary, keywords.
    unchanged = [s for s in after if "001_784272937f8abc39" not in s["article_ids"]]
    assert len(unchanged) == len(before) == 2
    assert all(before[tuple(s["article_ids"])] == s for s in unchanged)  # thread ids and events too
    # Both levels: every article in one event of its story, under the ids the first run gave them.
    assert all(sorted(m for e in s["events"] for m in e["article_ids"]) == sorted(s["article_ids"]) for s in after)
    first_events = {e["event_id"] for s in before.values() for e in s["events"]}
    assert first_events <= {e["event_id"] for s in after for e in s["events"]}
    assert all(s["thread_id"].startswith("th-") for s in after)
    latakia = next(s for s in after if "001_784272937f8abc39" in s["article_ids"])
    lineage = [json.loads(line) for line in (out / "lineage.jsonl").read_text().splitlines()]
    assert [event["kind"] for event in lineage if event["run"] == 1] == ["new", "new"]
    assert [event for event in lineage if event["run"] == 2] == [
        {"run": 2, "story_id": latakia["story_id"], "kind": "new", "other": None}
    ]
    changed = [report.counts[f"{kind}_stories"] for kind in ("new", "grown", "merged", "split")]
    assert changed == [1, 0, 0, 0]  # the lineage, counted in the report
    # The same input again changes nothing, and records nothing as new.
    again = pipeline_flow(inputs=[str(second_batch), str(first_batch)], out=str(out))
    assert again.counts["accepted"] == 0 and json.loads((out / "stories.json").read_text()) == after
    assert [again.counts[f"{kind}_stories"] for kind in ("new", "grown", "merged", "split")] == [0, 0, 0, 0]
    assert [json.loads(line) for line in (out / "lineage.jsonl").read_text().splitlines()] == lineage


def test_schedule_serves_the_pipeline_with_a_cron(seeds_dir, tmp_path, monkeypatch):
    from flows.pipeline import pipeline_flow

    served = {}
    monkeypatch.setattr(pipeline_flow, "serve", lambda **kwargs: served.update(kwargs))
    result = CliRunner().invoke(app, ["schedule", str(seeds_dir), "--cron", "*/15 * * * *", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert served["cron"] == "*/15 * * * *"
    assert served["parameters"] == {
        "inputs": [str(seeds_dir.resolve())],
        "out": str(tmp_path.resolve()),
        "settings": {},
        "config_file": None,
        "store": None,
    }


def test_prefect_yaml_points_at_real_flows_and_its_runs_on_one_store_never_meet():
    import importlib
    from datetime import UTC, datetime

    import yaml
    from cronsim import CronSim
    from prefect import Flow
    from prefect.cli.deploy._models import PrefectYamlModel

    config = yaml.safe_load((Path(__file__).resolve().parent.parent / "prefect.yaml").read_text())
    PrefectYamlModel.model_validate(config)  # the file Prefect's own `prefect deploy` reads
    entrypoints = {deployment["entrypoint"] for deployment in config["deployments"]}
    assert entrypoints == {
        "flows/pipeline.py:pipeline_flow",
        "flows/dedup.py:dedup_flow",
        "flows/ingest.py:ingest_flow",
        "flows/cluster.py:cluster_flow",
    }
    for entrypoint in entrypoints:
        path, name = entrypoint.split(":")
        module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
        assert isinstance(getattr(module, name), Flow), entrypoint
    minutes: dict[str, set[tuple[int, int]]] = {}
    for deployment in config["deployments"]:
        assert deployment["concurrency_limit"]["limit"] == 1, deployment["name"]
        inputs = deployment["parameters"].get("inputs", [])
        assert not [value for value in inputs if "://" in value], "no placeholder feed URL runs by default"
        if "out" not in deployment["parameters"]:
            continue
        for schedule in deployment.get("schedules", []):
            if schedule.get("active", True) is False:
                continue
            fires = CronSim(schedule["cron"], datetime(2026, 1, 1, tzinfo=UTC))
            day: set[tuple[int, int]] = set()
            for moment in fires:
                if moment.day > 1:
                    break
                day.add((moment.hour, moment.minute))
            for other, taken in minutes.items():
                assert not day & taken, f"{deployment['name']} fires with {other} on one store"
            minutes[deployment["name"]] = day


def test_every_deployment_loads_from_an_operators_folder(tmp_path, monkeypatch):
    """prefect.yaml as `prefect deploy` templates it, run as a worker runs it: started in a folder holding
    only feeds/ and artifacts/, the pull step moves to the code, every entrypoint loads, and every path a
    deployment is given is in the data folder."""
    import os

    import yaml
    from prefect import Flow
    from prefect.deployments.steps import set_working_directory
    from prefect.flows import load_flow_from_entrypoint
    from prefect.utilities.templating import apply_values

    repository = Path(__file__).resolve().parent.parent
    home = tmp_path / "srv"
    for folder in ("feeds", "artifacts"):
        (home / folder).mkdir(parents=True)
    monkeypatch.setenv("STORYLINE_CODE", str(repository))
    monkeypatch.setenv("STORYLINE_HOME", str(home))
    config = apply_values(yaml.safe_load((repository / "prefect.yaml").read_text()), dict(os.environ), False)
    (step,) = config["pull"]
    for deployment in config["deployments"]:
        monkeypatch.chdir(home)  # where the operator starts the worker
        set_working_directory(**step["prefect.deployments.steps.set_working_directory"])
        assert Path.cwd() == repository
        assert isinstance(load_flow_from_entrypoint(deployment["entrypoint"]), Flow), deployment["name"]
        parameters = deployment["parameters"]
        paths = [
            *parameters.get("inputs", []),
            *(parameters[key] for key in ("out", "output", "index_path") if key in parameters),
        ]
        assert paths and all(Path(path).is_relative_to(home) for path in paths), (deployment["name"], paths)
        if "out" in parameters:
            assert Path(parameters["out"]) == home / "artifacts"


def test_dask_runner_gives_the_same_stories_as_the_default_runner(prefect_harness, seeds_dir, tmp_path, monkeypatch):
    distributed = pytest.importorskip("distributed")
    import flows.pipeline as pipeline

    monkeypatch.setenv("STORYLINE_RUN__SHARD_SIZE", "2")  # several shards, spread over the workers
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        pipeline.pipeline_on_dask(cluster.scheduler_address)(inputs=[str(seeds_dir)], out=str(tmp_path / "dask"))
    pipeline.pipeline_flow(inputs=[str(seeds_dir)], out=str(tmp_path / "threads"))
    for name in ("stories.json", "articles.jsonl", "reuse.jsonl"):
        assert (tmp_path / "dask" / name).read_text() == (tmp_path / "threads" / name).read_text(), name


def test_ingest_then_cluster_equals_the_pipeline_and_a_crash_between_loses_nothing(
    prefect_harness, seeds_dir, tmp_path
):
    from flows.cluster import cluster_flow
    from flows.ingest import ingest_flow
    from flows.pipeline import pipeline_flow

    pipeline_flow(inputs=[str(seeds_dir)], out=str(tmp_path / "clean"))
    # Ingested, then the run died before clustering: the articles wait in the store as pending.
    assert ingest_flow(inputs=[str(seeds_dir)], out=str(tmp_path / "split")) == {
        "read": 5,
        "added": 5,
        "already_stored": 0,
        "rejected": 0,
        "warnings": 0,
        "skipped": [],
    }
    assert ingest_flow(inputs=[str(seeds_dir)], out=str(tmp_path / "split"))["added"] == 0
    report = cluster_flow(out=str(tmp_path / "split"))
    assert report.counts["accepted"] == 5  # counted by the run that clustered them
    for name in ("stories.json", "articles.jsonl", "reuse.jsonl", "lineage.jsonl"):
        assert (tmp_path / "split" / name).read_text() == (tmp_path / "clean" / name).read_text(), name
    run = json.loads((tmp_path / "split" / "run.json").read_text())
    assert run["counts"]["accepted"] == 5 and run["counts"]["articles"] == 5


def test_embedding_shards_are_cached_on_their_content():
    from clustering.config import EmbedConfig
    from clustering.embed.embedding import embedding_text
    from clustering.records import Article
    from flows.results import NumpySerializer
    from flows.tasks import _shard_key

    texts = [embedding_text(Article(id="a", text="t", title="Quake", body="A quake hit."))]
    key = _shard_key(None, {"texts": texts, "config": EmbedConfig(), "cache_path": "x"})
    # Same texts and model: same key, whatever the cache location; another model or text: another key.
    assert key == _shard_key(None, {"texts": list(texts), "config": EmbedConfig(), "cache_path": "y"})
    assert key != _shard_key(None, {"texts": texts, "config": EmbedConfig(max_tokens=64), "cache_path": "x"})
    assert key != _shard_key(None, {"texts": ["Quake\nA quake hit hard."], "config": EmbedConfig(), "cache_path": "x"})
    serializer = NumpySerializer()
    vectors = np.arange(6, dtype=np.float32).reshape(2, 3)
    assert (serializer.loads(serializer.dumps(vectors)) == vectors).all()
    with pytest.raises(ValueError):  # object arrays would need pickles: refused both ways
        serializer.dumps(np.array([{"a": 1}], dtype=object))


def test_vectors_an_orchestrator_took_from_its_own_results_still_reach_the_embedding_cache(seeds_dir, tmp_path):
    """A shard Prefect answers from its result store runs no embedding, so writes no vectors: the run
    writes them, and the next run over the store (on any machine) embeds nothing."""
    from clustering.embed.embedding import embed_texts
    from clustering.pipeline import Pipeline
    from clustering.storage.embedding_cache import EmbeddingCache

    def from_elsewhere(shards, config, cache_path):
        return (embed_texts(shard, config) for shard in shards)  # never touches the cache

    from clustering.config import Config, SummaryConfig

    # Summaries embed their sentences too (in the stage's process, into the same cache): off here, so that
    # the cache holds the articles' vectors alone.
    config = Config(summary=SummaryConfig(max_paraphrase=1.01))
    pipeline = Pipeline(tmp_path, config, embed_shards=from_elsewhere)
    pipeline.run([str(seeds_dir)])
    cache = EmbeddingCache(pipeline.workspace.embeddings)
    assert len(cache) == 5
    cache.close()

    def refuse(shards, config, cache_path):
        assert not shards, "embedded again what the cache holds"
        return iter(())

    Pipeline(tmp_path, config, embed_shards=refuse).run([str(seeds_dir)], recluster=True)


def test_a_run_clusters_everything_again_when_asked_first_or_over_many_new_articles():
    from clustering.config import RunConfig
    from clustering.stages.cluster import reclusters

    config = RunConfig(incremental_share=0.05)
    assert reclusters(config, pending=1, assigned=0, stored=1000, has_stories=True, asked=True)
    assert reclusters(config, pending=1000, assigned=0, stored=1000, has_stories=False, asked=False)
    assert not reclusters(config, pending=50, assigned=0, stored=1000, has_stories=True, asked=False)
    assert reclusters(config, pending=51, assigned=0, stored=1000, has_stories=True, asked=False)
    # What the runs before assigned counts with what is new: small runs do not assign for ever.
    assert not reclusters(config, pending=10, assigned=40, stored=1000, has_stories=True, asked=False)
    assert reclusters(config, pending=10, assigned=41, stored=1000, has_stories=True, asked=False)


def test_small_runs_assign_until_what_they_assigned_together_calls_for_clustering_again(tmp_path, seeds_dir):
    from dataclasses import replace

    from clustering.config import Config
    from clustering.pipeline import Pipeline
    from clustering.storage.store import StoryStore

    config = Config()
    config = replace(config, run=replace(config.run, incremental_share=0.3))
    seeds = sorted(seeds_dir.glob("*.txt"))
    batches = [seeds[:3], seeds[3:4], seeds[4:]]  # three articles, then one and one more
    reclustered = []
    for number, batch in enumerate(batches):
        folder = tmp_path / f"batch{number}"
        folder.mkdir()
        for path in batch:
            shutil.copy(path, folder / path.name)
        reclustered.append(Pipeline(tmp_path / "out", config).run([str(folder)]).report.reclustered)
        if number == 1:  # the one new article of four was assigned, and is counted as such
            store = StoryStore(tmp_path / "out" / "store.sqlite")
            assert store.assigned_since_reclustering() == {seeds[3].stem}
            store.close()
    # One new among five is 20 %, under 30 %; with the one the run before assigned, 40 %.
    assert reclustered == [True, False, True]


def test_a_band_index_is_used_only_when_it_holds_exactly_the_finished_articles(tmp_path):
    from clustering.pipeline import Pipeline
    from clustering.records import Article
    from clustering.reuse.batch import build_band_index
    from clustering.reuse.signing import sign_articles
    from clustering.stages.minhash import stored_band_index

    articles = [Article(id=name, text=f"{name} said the army took the town of Albu Kamal.") for name in "abc"]
    bands = Pipeline(tmp_path).workspace.bands
    build_band_index(sign_articles(articles[:2])).save(bands)

    def stored(*arguments):
        return stored_band_index(bands, *arguments)

    assert stored(index_settings(), {"a", "b"}, articles, set()) is not None
    assert stored(index_settings(), {"a"}, articles, set()) is None  # holds a pending article too
    assert stored(index_settings(), {"a", "b", "c"}, articles, set()) is None  # misses one
    assert stored(index_settings(), {"a", "b"}, articles[1:], set()) is None  # "a" no longer clustered
    assert stored("other settings", {"a", "b"}, articles, set()) is None
    kept = stored(index_settings(), {"b"}, articles[1:], {"a"})  # "a" archived: the index drops it
    assert kept is not None and kept.article_ids == ("b",)


def test_a_rerun_after_a_crash_counts_the_articles_the_crash_stored_as_this_runs(seeds_dir, tmp_path):
    """Killed after ingesting: the rerun reads the same records, finds them stored but pending, and
    counts them as accepted by this run, not as already stored (in 5, accepted 5, already stored 0)."""
    from clustering.pipeline import Pipeline

    Pipeline(tmp_path).ingest([str(seeds_dir)])  # the run that died before clustering
    report = Pipeline(tmp_path).run([str(seeds_dir)]).report
    assert {name: report.counts[name] for name in ("in", "accepted", "already_stored", "rejected")} == {
        "in": 5,
        "accepted": 5,
        "already_stored": 0,
        "rejected": 0,
    }
    again = Pipeline(tmp_path).run([str(seeds_dir)]).report
    assert (again.counts["accepted"], again.counts["already_stored"]) == (0, 5)
