from datetime import UTC, datetime

from clustering.lineage import LineageEvent
from clustering.records import Article, Story
from clustering.store import StoryStore, split_new


def _story(story_id: str, members: tuple[str, ...]) -> Story:
    day = datetime(2020, 1, 2, tzinfo=UTC)
    return Story(story_id, "Headline", "Summary.", ("quake",), members, members[0], ("Wire",), day, day)


def test_store_keeps_articles_stories_and_lineage_across_reopening(tmp_path):
    path = tmp_path / "store.sqlite"
    store = StoryStore(path)
    first = Article(id="a", text="Text a", title="A", published=datetime(2020, 1, 2, tzinfo=UTC), origin="in.jsonl:1")
    assert store.add_articles([first]) == 1 and store.pending_count() == 1
    run = store.save_run([_story("st-a", ("a",))], [LineageEvent("st-a", "new")], {"in": 1})
    assert run == 1 and store.pending_count() == 0
    store.close()

    reopened = StoryStore(path)
    assert reopened.articles() == [first]
    assert reopened.stories() == {"st-a": _story("st-a", ("a",))}
    second = Article(id="b", text="Text b")
    events = [LineageEvent("st-a", "grew"), LineageEvent("st-a", "merged", "st-z")]
    assert reopened.add_articles([second, first]) == 1  # a stored id is not added again
    assert reopened.save_run([_story("st-a", ("a", "b"))], events, {"in": 1}) == 2
    assert [a.id for a in reopened.articles()] == ["a", "b"]
    assert reopened.used_story_ids() == {"st-a", "st-z"}
    assert reopened.lineage()[-1] == {"run": 2, "story_id": "st-a", "kind": "merged", "other": "st-z"}


def test_split_new_skips_known_articles_and_rejects_changed_ones():
    stored = [Article(id="a", text="same"), Article(id="b", text="old")]
    incoming = [Article(id="a", text="same"), Article(id="b", text="new"), Article(id="c", text="fresh")]
    new, rejects, known = split_new(stored, incoming)
    assert [a.id for a in new] == ["c"] and known == 1
    assert rejects[0].id == "b" and "already stored with a different text" in rejects[0].reason
