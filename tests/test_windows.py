"""Stories bounded in time: a story silent for longer than the window is closed and stays as it was."""

import json
from dataclasses import replace
from datetime import UTC, datetime

import numpy as np
import pytest
from fastapi.testclient import TestClient

from clustering.config import Config, ReuseConfig, RunConfig, ThreadConfig
from clustering.pipeline import Pipeline
from clustering.publish.artifacts import archive_name
from clustering.publish.dashboard import create_app
from clustering.records import Article, DedupResult, Story
from clustering.reuse.signing import index_settings
from clustering.storage.band_index import BandIndex
from clustering.storage.store import StoryStore
from clustering.stories.windows import archived_stories, closed_members, newest_date, open_window, with_closed

# Written apart, so that no two share a passage (a reprint would follow its original anyway).
FERRY = [
    "The ferry Aurora sank off Brindisi with 212 passengers on board; coast guard boats pulled survivors "
    "from the sea and eleven people are missing.",
    "Rescuers searched through the night for the missing after the Aurora ferry went down in a storm "
    "near the Italian port of Brindisi.",
    "Divers reached the wreck of the Aurora, the ferry that capsized on its way from Brindisi to Patras, "
    "and found the car deck flooded.",
    "Survivors of the Aurora ferry sinking told Italian investigators that water poured in through the "
    "bow door before the ship listed.",
    "Prosecutors in Brindisi opened an inquiry into the captain of the Aurora, the ferry lost in the "
    "storm with dozens of passengers.",
]
BANK = [
    "Norway's central bank raised its main interest rate by a quarter point, saying inflation stayed "
    "above target for longer than expected.",
    "The krone rose against the euro after Norges Bank lifted rates again and hinted at a further rise "
    "before the summer.",
    "Economists said the Norwegian rate rise would cool the housing market, where prices climbed for a fourth year.",
    "Norges Bank's governor defended the rate increase, telling reporters that wage growth kept "
    "inflation high in Norway.",
    "Norwegian mortgage lenders passed on the central bank's latest rate rise to borrowers within a "
    "day, adding to household costs.",
]


def _record(identifier: str, text: str, day: str) -> dict:
    return {"id": identifier, "title": text.split(",")[0], "text": text, "published": f"{day}T09:00:00+00:00"}


def _write(path, records):
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    return str(path)


def _story_of(result, article_id):
    return next(story for story in result.stories if article_id in story.article_ids)


@pytest.mark.parametrize("incremental_share", [0.0, 1.0], ids=["reclustered", "assigned"])
def test_a_closed_story_is_not_reopened_by_a_late_article(tmp_path, incremental_share):
    january = [_record(f"ferry-{n}", text, f"2024-01-{10 + n:02d}") for n, text in enumerate(FERRY[:4])]
    january += [_record(f"bank-{n}", text, f"2024-01-{10 + n:02d}") for n, text in enumerate(BANK[:4])]
    # Ten days after the last: one more article on each.
    later = [_record("ferry-late", FERRY[4], "2024-01-23"), _record("bank-late", BANK[4], "2024-01-23")]

    def second_run(window: float | None):
        out = tmp_path / f"out-{window}"
        config = Config(run=RunConfig(incremental_share=incremental_share, story_window_days=window))
        first = Pipeline(out, config, log=lambda _: None).run([_write(tmp_path / "january.jsonl", january)])
        second = Pipeline(out, config, log=lambda _: None).run([_write(tmp_path / "later.jsonl", later)])
        return first, second

    first, reopened = second_run(None)
    ferry = _story_of(first, "ferry-0")
    assert set(ferry.article_ids) == {f"ferry-{n}" for n in range(4)}
    assert "ferry-late" in _story_of(reopened, "ferry-0").article_ids  # without a window the story grows

    first, second = second_run(7)
    ferry = _story_of(first, "ferry-0")
    assert _story_of(second, "ferry-0") == ferry  # same id, articles, headline and summary
    assert _story_of(second, "ferry-late").story_id != ferry.story_id  # it starts a story of its own
    assert second.report.counts["closed_stories"] == 2


def _story(story_id: str, article_ids: tuple[str, ...], last: datetime | None) -> Story:
    return Story(story_id, "", "", (), article_ids, article_ids[0], (), last, last)


def test_closed_members_are_those_of_stories_silent_past_the_window():
    now = datetime(2024, 4, 20, tzinfo=UTC)
    previous = {
        "old": _story("old", ("a", "b"), datetime(2024, 1, 13, tzinfo=UTC)),
        "recent": _story("recent", ("c",), datetime(2024, 4, 1, tzinfo=UTC)),
        "undated": _story("undated", ("d",), None),
    }
    assert closed_members(previous, now, 30) == {"a": "old", "b": "old"}
    assert closed_members(previous, now, 120) == {}
    assert closed_members(previous, now, None) == {} == closed_members(previous, None, 30)
    with pytest.raises(ValueError, match="story_window_days"):
        RunConfig(story_window_days=0)


def test_now_is_the_newest_article_but_never_after_the_clock():
    clock = datetime(2024, 5, 1, tzinfo=UTC)
    dated = [Article(id="a", text="x", published=datetime(2024, 4, 20, tzinfo=UTC)), Article(id="b", text="y")]
    assert newest_date(dated, clock) == datetime(2024, 4, 20, tzinfo=UTC)
    stray = replace(dated[1], published=datetime(2031, 1, 1, tzinfo=UTC))
    assert newest_date([dated[0], stray], clock) == clock
    assert newest_date([dated[1]], clock) is None


def test_reprints_follow_their_original_into_a_closed_story():
    articles = [Article(id=name, text=name) for name in ("a", "b", "new", "copy-of-a", "copy-of-new")]
    dedup = DedupResult([], {"copy-of-a": "a", "copy-of-new": "new"})
    closed = {"a": "old", "b": "old"}
    rows, window_dedup = open_window(articles, dedup, closed)
    assert rows == [2, 4] and window_dedup.duplicate_of == {"copy-of-new": "new"}
    labels = with_closed(articles, dedup, closed, rows, np.array([0, 0]))
    assert labels.tolist() == [1, 1, 0, 1, 0]


def test_archived_stories_are_those_past_the_window_the_lookback_and_the_thread_gap():
    now = datetime(2024, 4, 20, tzinfo=UTC)
    previous = {
        "old": _story("old", ("a", "b"), datetime(2024, 1, 13, tzinfo=UTC)),
        "month": _story("month", ("c",), datetime(2024, 3, 10, tzinfo=UTC)),
        "undated": _story("undated", ("d",), None),
    }
    assert [story.story_id for story in archived_stories(previous, now, 30, 7)] == ["month", "old"]
    assert [story.story_id for story in archived_stories(previous, now, 7, 60)] == ["old"]  # pairs reach 60 days
    assert [story.story_id for story in archived_stories(previous, now, 30, 7, 60)] == ["old"]  # so do threads
    assert archived_stories(previous, now, 30, None) == []  # a reprint may come any day: nothing leaves
    assert archived_stories(previous, now, None, 7) == []  # stories never close


def test_a_story_silent_past_window_and_lookback_leaves_the_working_set_and_stays_in_the_archive(tmp_path):
    january = [_record(f"ferry-{n}", text, f"2024-01-{10 + n:02d}") for n, text in enumerate(FERRY[:4])]
    later = [_record(f"bank-{n}", text, f"2024-01-{25 + n:02d}") for n, text in enumerate(BANK[:4])]
    out = tmp_path / "out"
    config = Config(
        run=RunConfig(story_window_days=7), reuse=ReuseConfig(lookback_days=3), thread=ThreadConfig(max_gap_days=7)
    )
    first = Pipeline(out, config, log=lambda _: None).run([_write(tmp_path / "january.jsonl", january)])
    ferry = _story_of(first, "ferry-0")
    assert set(ferry.article_ids) == {f"ferry-{n}" for n in range(4)}

    second = Pipeline(out, config, log=lambda _: None).run([_write(tmp_path / "later.jsonl", later)])
    assert second.report.counts["archived_stories"] == 1 and second.report.counts["articles"] == 4
    assert all("ferry-0" not in story.article_ids for story in second.stories)
    archive = json.loads((out / archive_name(2)).read_text())
    assert [entry["story_id"] for entry in archive] == [ferry.story_id]
    assert sorted(story["story_id"] for story in json.loads((out / "stories.json").read_text())) == sorted(
        story.story_id for story in second.stories
    )
    store = StoryStore(out / "store.sqlite")
    assert {article.id for article in store.articles()} == {f"bank-{n}" for n in range(4)}
    assert store.stories(include_archived=True)[ferry.story_id] == ferry  # kept as it was
    # Browsable: found by a search, its page opens.
    client = TestClient(create_app(out / "store.sqlite"), base_url="http://localhost")
    found = client.get("/api/stories", params={"q": "Brindisi"}).json()["stories"]
    assert [story["story_id"] for story in found] == [ferry.story_id]
    assert client.get(f"/story/{ferry.story_id}").status_code == 200 and client.get("/map").status_code == 200
    # The band index kept between runs holds the working set: the next run signs only its new article.
    index = BandIndex.load(out / "cache" / "bands.npz", index_settings(config.minhash, config.reuse))
    assert index is not None and index.holds_exactly({f"bank-{n}" for n in range(4)})
    store.close()

    # The January file again: every article is known, none comes back; a lost archive file is written again.
    (out / archive_name(2)).unlink()
    late = [_record("ferry-late", FERRY[4], "2024-01-29")]
    third = Pipeline(out, config, log=lambda _: None).run(
        [_write(tmp_path / "late.jsonl", late), str(tmp_path / "january.jsonl")]
    )
    assert third.report.counts["already_stored"] == 4 and third.report.counts["archived_stories"] == 0
    assert _story_of(third, "ferry-late").story_id != ferry.story_id  # the archived story does not reopen
    assert json.loads((out / archive_name(2)).read_text()) == archive
