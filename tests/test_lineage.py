from clustering.records import LineageEvent
from clustering.stories.lineage import assign_story_ids


def _new_id(first: str) -> str:
    return f"st-{first}"


def test_unchanged_and_grown_stories_keep_their_ids_and_new_ones_get_new_ids():
    previous = {"st-a": {"a", "b"}, "st-c": {"c", "d"}}
    ids, events = assign_story_ids(previous, [["a", "b"], ["c", "d", "e"], ["f", "g"]], _new_id)
    assert ids == ["st-a", "st-c", "st-f"]
    assert events == [LineageEvent("st-c", "grew"), LineageEvent("st-f", "new")]


def test_a_merge_is_recorded():
    previous = {"st-a": {"a", "b", "c"}, "st-d": {"d", "e"}}
    ids, events = assign_story_ids(previous, [["a", "b", "c", "d", "e"]], _new_id)
    assert ids == ["st-a"]
    assert LineageEvent("st-a", "merged", "st-d") in events


def test_a_split_is_recorded_and_the_larger_part_keeps_the_id():
    previous = {"st-a": {"a", "b", "c", "d", "e"}}
    ids, events = assign_story_ids(previous, [["d", "e"], ["a", "b", "c"]], _new_id)
    assert ids == ["st-d", "st-a"]
    assert LineageEvent("st-d", "new") in events
    assert LineageEvent("st-d", "split", "st-a") in events
    assert LineageEvent("st-a", "grew") in events


def test_new_ids_never_reuse_an_old_one():
    # "a" founded st-a, which now lives on in the cluster holding b and c; the new cluster starting with "a"
    # may not take st-a, nor an id retired earlier.
    previous = {"st-a": {"a", "b", "c"}}
    ids, _ = assign_story_ids(previous, [["b", "c"], ["a"]], _new_id, taken={"st-a#2"})
    assert ids[0] == "st-a"
    assert ids[1] not in {"st-a", "st-a#2"}


def test_a_cluster_taking_from_several_stories_records_each_split_once_in_id_order():
    previous = {"st-z": {"z1", "z2", "z3"}, "st-b": {"b1", "b2", "b3"}, "st-m": {"m1", "m2", "m3"}}
    # The new cluster takes one article of each story; each story lives on in its larger part.
    clusters = [["z1", "z2"], ["b1", "b2"], ["m1", "m2"], ["x", "z3", "m3", "b3"]]
    ids, events = assign_story_ids(previous, clusters, _new_id)
    assert ids == ["st-z", "st-b", "st-m", "st-x"]
    splits = [event for event in events if event.kind == "split"]
    assert splits == [LineageEvent("st-x", "split", story) for story in ("st-b", "st-m", "st-z")]
