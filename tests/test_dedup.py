import dataclasses
import json
import re
from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_reuse import BANK, CHINESE_REPORT, SAME_EVENT, WIRE
from typer.testing import CliRunner

from clustering.config import ReuseConfig
from clustering.ingest.clean import clean_article
from clustering.records import Article
from clustering.reuse.batch import build_band_index, find_reuse, update_reuse
from clustering.reuse.dedup import Deduplicator, HeldArticle, IndexConflictError
from clustering.reuse.signing import ReuseArticle, index_settings, opening, sign_articles, windows_within
from clustering.storage.band_index import BandIndex
from flows.cli import EXIT_REJECTS, app


def _raw(article_id: str, text: str, day: int = 8) -> Article:
    return Article(id=article_id, title="T", text=text, published=datetime(2017, 11, day, tzinfo=UTC))


def test_index_survives_a_restart(tmp_path):
    path = tmp_path / "index.sqlite"
    index = Deduplicator(path)
    assert index.add(_raw("wire", WIRE)).pairs == []
    assert index.add(_raw("bank", BANK)).pairs == []
    assert index.add(_raw("copy", f"Share:\n\n{WIRE}", 9)).duplicate_of == "wire"
    index.close()

    reopened = Deduplicator(path)
    assert len(reopened) == 3 and "wire" in reopened
    match = reopened.add(_raw("later", f"{WIRE}\n\nComments\n\nNice.", 12))
    assert match.duplicate_of == "wire"
    # Its text is all in "wire" and in "copy" alike: named against the earlier one only.
    assert [pair.a for pair in match.pairs] == ["wire"]
    # Adding a known article again changes nothing and answers from what the index recorded.
    again = reopened.add(_raw("copy", f"Share:\n\n{WIRE}", 9))
    assert again.duplicate_of == "wire"
    assert len(reopened) == 4
    reopened.close()


_LINES = st.lists(
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=80), min_size=1, max_size=8
)


@settings(max_examples=60, deadline=None)
@given(lines=_LINES, title=st.none() | st.text(max_size=30), source=st.sampled_from([None, "AFP", "example.com"]))
def test_an_indexed_article_is_held_as_alignment_reads_it(lines, title, source):
    """The index keeps each article without what alignment does not read: it gives back the same text,
    spans, dates and names, and no body, segments or furniture."""
    article = clean_article(Article(id="a", text="\n\n".join(lines), title=title, source=source))
    held = HeldArticle.of(article).article
    assert held == dataclasses.replace(article, body="", segments=(), comments="", furniture=(), furniture_spans=())
    assert opening(held) == opening(article) == article.body.split("\n", 1)[0]  # what the dateline rule reads


def test_query_does_not_index_and_conflicting_ids_are_refused():
    index = Deduplicator()
    index.add(_raw("wire", WIRE))
    assert index.query(_raw("probe", WIRE)).duplicate_of == "wire"
    assert "probe" not in index
    with pytest.raises(IndexConflictError, match="already indexed with a different text"):
        index.add(_raw("wire", BANK))
    assert index.query(_raw("own", SAME_EVENT)).pairs == []


def _feed(path, records):
    path.write_text("".join(json.dumps(record) + "\n" for record in records))


@pytest.mark.parametrize("level", ["document", "passage"])
def test_cli_filter_marks_duplicates_and_drop_keeps_one_per_group(tmp_path, level):
    feed = tmp_path / "feed.jsonl"
    records = [
        {"id": "wire", "text": WIRE, "published": "2017-11-08", "lang": "en"},
        {"id": "bank", "text": BANK},
        {"id": "copy1", "text": f"Share:\n\n{WIRE}"},
        {"id": "copy2", "text": f"2 min read\n\n{WIRE}\n\nComments\n\nfirst!"},
        {"id": "empty", "text": ""},
    ]
    _feed(feed, records)
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(app, ["dedup", str(feed), "-o", str(out), "--level", level])
    assert result.exit_code == EXIT_REJECTS, result.output
    rows = {row["id"]: row for row in map(json.loads, out.read_text().splitlines())}
    assert list(rows) == ["wire", "bank", "copy1", "copy2"]
    assert rows["wire"]["lang"] == "en"  # other fields pass through
    assert rows["copy1"]["duplicate_of"] == "wire" and rows["copy2"]["duplicate_of"] == "wire"
    if level == "document":
        assert rows["bank"] == {"id": "bank", "text": BANK, "duplicate_of": None}
    else:
        assert rows["bank"] == {"id": "bank", "text": BANK, "duplicate_of": None, "reuse": []}
        reuse = rows["copy2"]["reuse"]
        assert [entry["id"] for entry in reuse] == ["wire"]  # copy1 holds the same text: one source named
        start, end = reuse[0]["spans"][0]
        assert records[3]["text"][start:end].startswith("BEIRUT (Reuters)")
    rejects = [json.loads(line) for line in (tmp_path / "out.rejects.jsonl").read_text().splitlines()]
    assert rejects == [{"id": "empty", "origin": str(feed), "line": 5, "reason": "empty text"}]

    dropped = tmp_path / "dropped.jsonl"
    CliRunner().invoke(app, ["dedup", str(feed), "-o", str(dropped), "--drop", "--level", level])
    assert [json.loads(line)["id"] for line in dropped.read_text().splitlines()] == ["wire", "bank"]


@pytest.mark.parametrize("level", ["document", "passage"])
def test_a_chinese_reprint_is_found_on_characters(tmp_path, level):
    """Chinese has no spaces between words: shingles are runs of characters, so an edited copy is found."""
    feed = tmp_path / "feed.jsonl"
    edited = CHINESE_REPORT.replace("周三", "周四").replace("最后一个据点", "最后据点") + "\n\n（新华社）"
    other = "美国总统周二在白宫会见了来访的法国总统，双方讨论了贸易和气候变化问题，并签署了多项合作协议。" * 3
    records = [{"id": "wire", "text": CHINESE_REPORT}, {"id": "copy", "text": edited}, {"id": "other", "text": other}]
    _feed(feed, records)
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(app, ["dedup", str(feed), "-o", str(out), "--level", level])
    assert result.exit_code == 0, result.output
    rows = {row["id"]: row["duplicate_of"] for row in map(json.loads, out.read_text().splitlines())}
    assert rows == {"wire": None, "copy": "wire", "other": None}


@pytest.mark.parametrize("level", ["document", "passage"])
def test_cli_index_checks_today_against_last_week(tmp_path, level):
    index = tmp_path / "index.sqlite"
    last_week, today = tmp_path / "last_week.jsonl", tmp_path / "today.jsonl"
    _feed(last_week, [{"id": "wire", "text": WIRE}, {"id": "bank", "text": BANK}])
    _feed(today, [{"id": "copy", "text": f"Share:\n\n{WIRE}"}, {"id": "own", "text": SAME_EVENT}])
    runner = CliRunner()
    assert (
        runner.invoke(
            app, ["dedup", str(last_week), "-o", str(tmp_path / "a.jsonl"), "--index", str(index), "--level", level]
        ).exit_code
        == 0
    )
    result = runner.invoke(
        app, ["dedup", str(today), "-o", str(tmp_path / "b.jsonl"), "--index", str(index), "--drop", "--level", level]
    )
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["id"] for line in (tmp_path / "b.jsonl").read_text().splitlines()] == ["own"]


@pytest.fixture
def redis_server(tmp_path):
    """A throwaway redis-server on a loopback port, where one is installed."""
    import shutil
    import socket
    import subprocess
    import time

    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    redis = pytest.importorskip("redis")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port)
    for _ in range(50):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.1)
    yield {"host": "127.0.0.1", "port": port}
    process.terminate()
    process.wait(timeout=10)


def test_workers_share_an_lsh_index_in_redis(redis_server):
    storage = {"type": "redis", "redis": redis_server, "basename": b"storyline-test"}
    first_worker = Deduplicator(lsh_storage=storage)
    first_worker.add(_raw("wire", WIRE))
    first_worker.close()
    # Another worker, another process's view: the LSH tables and the articles come from Redis.
    second_worker = Deduplicator(lsh_storage=storage)
    assert len(second_worker) == 0
    match = second_worker.add(_raw("copy", f"Share:\n\n{WIRE}", 9))
    assert match.duplicate_of == "wire"
    assert second_worker.add(_raw("wire", WIRE)).duplicate_of is None  # known: not indexed twice
    third_worker = Deduplicator(lsh_storage=storage)
    assert third_worker.add(_raw("later", f"{WIRE}\n\nComments\n\nfirst", 10)).duplicate_of == "wire"


def test_dedup_processes_share_a_passage_index_in_redis_from_the_command_line(redis_server, tmp_path):
    url = f"redis://{redis_server['host']}:{redis_server['port']}/0"
    last_week, today = tmp_path / "last_week.jsonl", tmp_path / "today.jsonl"
    _feed(last_week, [{"id": "wire", "text": WIRE}])
    _feed(today, [{"id": "copy", "text": f"Share:\n\n{WIRE}"}])
    runner = CliRunner()
    first = runner.invoke(
        app, ["dedup", str(last_week), "-o", str(tmp_path / "a.jsonl"), "--level", "passage", "--redis", url]
    )
    assert first.exit_code == 0, first.output
    second = runner.invoke(
        app, ["dedup", str(today), "-o", str(tmp_path / "b.jsonl"), "--level", "passage", "--redis", url]
    )
    assert second.exit_code == 0, second.output
    assert json.loads((tmp_path / "b.jsonl").read_text())["duplicate_of"] == "wire"
    refused = runner.invoke(app, ["dedup", str(today), "-o", str(tmp_path / "c.jsonl"), "--redis", url])
    assert refused.exit_code == 2 and "passage" in refused.output


def test_dedup_flow_runs_as_a_prefect_flow(prefect_harness, tmp_path):
    from flows.dedup import dedup_flow

    feed = tmp_path / "feed.jsonl"
    _feed(feed, [{"id": "wire", "text": WIRE}, {"id": "copy", "text": f"Share:\n\n{WIRE}"}])
    counts = dedup_flow(inputs=[str(feed)], output=str(tmp_path / "out.jsonl"), drop=True)
    assert (counts.read, counts.written, counts.duplicates, counts.rejected) == (2, 1, 1, 0)
    # It reads the configuration as a run does: a settings file, the environment, then ``settings``.
    settings = tmp_path / "storyline.toml"
    settings.write_text("[read]\nmax_text_chars = 10\n")
    limited = dedup_flow(inputs=[str(feed)], output=str(tmp_path / "limited.jsonl"), config_file=str(settings))
    assert (limited.read, limited.written, limited.rejected) == (2, 0, 2)
    unlimited = dedup_flow(
        [str(feed)],
        str(tmp_path / "again.jsonl"),
        config_file=str(settings),
        settings={"read": {"max_text_chars": 10**6}},
    )
    assert (unlimited.written, unlimited.rejected) == (2, 0)


def test_update_reuse_aligns_only_new_articles_and_equals_a_full_pass(monkeypatch):
    import clustering.reuse.batch as dedup_module
    from clustering.ingest.clean import clean_or_reject

    raw = [
        _raw("wire", WIRE),
        _raw("bank", BANK),
        _raw("copy", f"Share:\n\n{WIRE}", 9),
        _raw("same-event", SAME_EVENT, 9),
        _raw("later", f"{WIRE}\n\nComments\n\nNice.", 12),
        _raw("pasted", f"{BANK}\n\n{WIRE[:700]}", 12),
    ]
    articles, _ = clean_or_reject(raw)
    full = find_reuse(articles)
    assert len(full.pairs) >= 4 and full.duplicate_of
    indexed_ids = {"wire", "bank", "copy", "same-event"}
    indexed_pairs = find_reuse(articles[:4]).pairs
    aligned: list[tuple[str, str]] = []  # every pair aligned, in the compiled pass before compare
    original_worth_comparing = dedup_module.worth_comparing

    def recording_worth_comparing(entries, pairs, config):
        aligned.extend((entries[first].article.id, entries[second].article.id) for first, second in pairs.tolist())
        return original_worth_comparing(entries, pairs, config)

    monkeypatch.setattr(dedup_module, "worth_comparing", recording_worth_comparing)
    assert update_reuse(articles, indexed_ids, indexed_pairs) == full
    assert aligned and all(b not in indexed_ids for _, b in aligned)  # no pair of known articles aligned again
    # The same event in other words shares no passage, nor an LSH band, with the others: never a candidate.
    assert all("same-event" not in pair for pair in aligned)

    # With the known articles' band index, only the new ones are signed, and of the known ones only those
    # sharing a band with a new one are tokenised.
    new_signed = sign_articles(articles[4:])
    index = build_band_index(sign_articles(articles[:4])).extended(build_band_index(new_signed))
    tokenised: list[str] = []
    original_of = ReuseArticle.of

    def recording_of(article, shingle_words):
        tokenised.append(article.id)
        return original_of(article, shingle_words)

    monkeypatch.setattr(ReuseArticle, "of", staticmethod(recording_of))
    assert update_reuse(articles, indexed_ids, indexed_pairs, signed=new_signed, index=index) == full
    assert set(tokenised) == {"wire", "bank", "copy"}
    with pytest.raises(ValueError, match="must hold every article"):
        update_reuse(articles, indexed_ids, indexed_pairs, signed=new_signed)  # no index of the known ones


def test_band_index_survives_saving_and_names_its_settings(tmp_path):
    index = build_band_index(sign_articles([_raw("wire", WIRE), _raw("bank", BANK), _raw("short", "Too short.")]))
    assert index.article_ids == ("wire", "bank", "short") and index.words[2] == 2
    assert set(index.owners.tolist()) == {0, 1}  # too short for a reportable passage: no windows
    index.save(tmp_path / "bands.npz")
    loaded = BandIndex.load(tmp_path / "bands.npz", index_settings())
    assert loaded is not None and loaded.article_ids == index.article_ids
    assert np.array_equal(loaded.fingerprints, index.fingerprints) and np.array_equal(loaded.owners, index.owners)
    assert BandIndex.load(tmp_path / "bands.npz", index_settings(reuse=ReuseConfig(window_words=20))) is None
    assert BandIndex.load(tmp_path / "missing.npz", index_settings()) is None
    (tmp_path / "broken.npz").write_bytes(b"not an index")
    assert BandIndex.load(tmp_path / "broken.npz", index_settings()) is None
    (tmp_path / "cut.npz").write_bytes((tmp_path / "bands.npz").read_bytes()[:-200])  # a cut-off zip
    assert BandIndex.load(tmp_path / "cut.npz", index_settings()) is None
    both = index.extended(build_band_index(sign_articles([_raw("copy", f"Share:\n\n{WIRE}")])))
    assert both.article_ids[-1] == "copy" and both.owners.max() == 3 and len(both.words) == 4


def test_band_index_without_some_articles_is_the_index_of_the_others():
    articles = [_raw("wire", WIRE), _raw("bank", BANK), _raw("short", "Too short."), _raw("copy", f"Share:\n\n{WIRE}")]
    index = build_band_index(sign_articles(articles))
    for left_out in ({"bank"}, {"wire", "short"}, {"copy"}, set(), {"wire", "bank", "short", "copy"}):
        expected = build_band_index(sign_articles([a for a in articles if a.id not in left_out]))
        smaller = index.without(left_out)
        assert smaller.article_ids == expected.article_ids and np.array_equal(smaller.words, expected.words)
        assert np.array_equal(smaller.owners, expected.owners)
        assert np.array_equal(smaller.fingerprints, expected.fingerprints)


def test_signed_tokens_are_the_cleaned_bodys_words():
    # The flow takes each article's length in words from these tokens (attribution's denominators).
    raw = "Share:\n\n2 min read\n\n" + WIRE + "\n\nComments\nGreat article, thanks!"
    articles = [Article(id="w", text=raw), Article(id="b", text=BANK), Article(id="e", text="")]
    signed = sign_articles(articles)
    for prepared in signed:
        assert prepared.words == len(re.findall(r"\w+", prepared.article.body))
    assert signed[0].words < len(re.findall(r"\w+", raw))  # the furniture is not counted


def _paragraphs(*paragraphs: str) -> str:
    return "\n\n".join(" ".join(paragraph.split()) for paragraph in paragraphs)


WIRE_PARAGRAPHS = WIRE.split("\n\n")
BANK_PARAGRAPHS = BANK.split("\n\n")


def test_a_passage_many_articles_print_is_named_against_one_source_and_each_passage_against_its_own():
    index = Deduplicator()
    index.add(_raw("wire", WIRE, 1))
    for day in range(2, 7):  # five reprints of the wire story, each with a line of its own
        index.add(_raw(f"reprint-{day}", f"{WIRE}\n\nRead more from outlet {day} on its website today.", day))
    index.add(_raw("bank", BANK, 7))
    # A report pasting two wire paragraphs and two bank paragraphs, between lines of its own.
    report = _paragraphs(
        "Markets and the war dominated a busy week for our readers across the region and beyond.",
        *WIRE_PARAGRAPHS[2:4],
        *BANK_PARAGRAPHS[:2],
    )
    match = index.add(_raw("roundup", report, 8))
    assert [pair.a for pair in match.pairs] == ["wire", "bank"]
    assert match.duplicate_of is None
    every = Deduplicator(reuse=ReuseConfig(stream_every_source=True))
    for day, article_id in enumerate(["wire", *(f"reprint-{day}" for day in range(2, 7))], start=1):
        text = WIRE if article_id == "wire" else f"{WIRE}\n\nRead more from outlet {day} on its website today."
        every.add(_raw(article_id, text, day))
    every.add(_raw("bank", BANK, 7))
    assert [pair.a for pair in every.add(_raw("roundup", report, 8)).pairs] == [
        "wire",
        *(f"reprint-{day}" for day in range(2, 7)),
        "bank",
    ]


def test_a_window_is_given_up_after_candidates_sharing_too_little(monkeypatch):
    """Ten earlier articles each hold the new one's only sentence (under ``min_shared_words``): with
    ``misses_per_window`` at 3 only three are aligned; with every source, all ten."""
    import clustering.reuse.dedup as dedup

    sentence = " ".join(WIRE_PARAGRAPHS[1].split())
    aligned: list[str] = []
    original_compare = dedup.compare

    def counting(first, second, config):
        aligned.append(first.article.id)
        return original_compare(first, second, config)

    monkeypatch.setattr(dedup, "compare", counting)
    for reuse, expected in ((ReuseConfig(misses_per_window=3), 3), (ReuseConfig(stream_every_source=True), 10)):
        index = Deduplicator(reuse=reuse)
        for number, paragraph in enumerate([*BANK_PARAGRAPHS, SAME_EVENT] * 3):
            if number < 10:
                index.add(_raw(f"holder-{number}", _paragraphs(paragraph, sentence), 1))
        aligned.clear()
        assert index.add(_raw("new", sentence, 2)).pairs == []
        assert len(aligned) == expected


def test_misses_per_window_is_checked():
    with pytest.raises(ValueError, match="misses_per_window"):
        ReuseConfig(misses_per_window=0)


@settings(max_examples=60, deadline=None)
@given(
    words=st.integers(1, 120),
    spans=st.lists(st.tuples(st.integers(0, 800), st.integers(1, 60)), max_size=5),
    window=st.sampled_from([5, 30]),
)
def test_windows_within_are_those_at_least_half_inside_the_spans(words, spans, window):
    text = " ".join(f"w{index}" for index in range(words))
    article = ReuseArticle.of(Article(id="a", text=text), 5)
    signed = dataclasses.replace(article, window_starts=np.arange(0, words, max(1, window // 2)))
    merged: list[list[int]] = []
    for start, length in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], start + length)
        else:
            merged.append([start, start + length])
    inside = [any(start <= position < end for start, end in merged) for position in signed.starts]
    expected = [
        2 * sum(inside[first : first + window]) >= max(1, len(inside[first : first + window]))
        for first in signed.window_starts.tolist()
    ]
    assert windows_within(signed, [tuple(span) for span in merged], window).tolist() == expected


def test_a_block_pasted_from_a_story_is_named_against_the_story_not_a_reprint_meeting_more_of_it():
    """The reprint carries the story and a line of its own that the new report also holds, so it meets
    more of the report's windows than the story does: the story still ranks first, and the reprint is named
    only for what the story does not hold."""
    own_line = "Officials said the convoy would reach the border crossing at dawn on Thursday under heavy guard."
    index = Deduplicator()
    index.add(_raw("story", WIRE, 1))
    assert index.add(_raw("reprint", f"{WIRE}\n\n{own_line}", 2)).duplicate_of == "story"
    report = _paragraphs(*WIRE_PARAGRAPHS[2:4], own_line, *BANK_PARAGRAPHS[:1])
    assert [pair.a for pair in index.add(_raw("report", report, 3)).pairs][:1] == ["story"]


def test_a_reprint_is_found_behind_an_earlier_article_that_holds_all_of_its_text():
    """A live page carried the wire story whole, with more, before the wire itself was indexed: a reprint
    of the wire meets both alike, and the page comes first, but the reprint is still the wire's."""
    index = Deduplicator()
    index.add(_raw("live-page", f"{WIRE}\n\n{BANK}", 1))
    index.add(_raw("wire", WIRE, 2))
    match = index.add(_raw("reprint", f"{WIRE}\n\nRead more on our website today.", 3))
    assert match.duplicate_of == "wire"
    assert [pair.a for pair in match.pairs] == ["live-page", "wire"]


def test_a_reprint_of_a_reprint_names_the_reprint_it_was_copied_from():
    """The reprint copy-edited the story; the copy of that reprint carries the edits: it shares more with the
    reprint than with the story, and names both. A copy of the story alone names the story only."""
    edited = WIRE.replace(" said", " told reporters").replace("Wednesday", "Wednesday evening")
    index = Deduplicator()
    index.add(_raw("story", WIRE, 1))
    assert index.add(_raw("reprint", edited, 2)).duplicate_of == "story"
    copy_of_reprint = index.add(_raw("copy-of-reprint", f"{edited}\n\nShare this article.", 3))
    assert copy_of_reprint.duplicate_of == "story"
    assert [pair.a for pair in copy_of_reprint.pairs] == ["story", "reprint"]
    assert [pair.a for pair in index.add(_raw("copy-of-story", WIRE, 4)).pairs] == ["story"]
