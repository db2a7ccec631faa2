"""Stories and reuse pairs as the JSON the store keeps (and the artifacts write) of them."""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import datetime

from clustering.records import ReusePair, Story, StoryEvent, record_fields


def _iso(value: datetime) -> str:
    return value.isoformat()


def story_fields(story: Story) -> dict[str, object]:
    """A story's fields by name, its events as dicts of theirs: what JSON writes of a story."""
    return record_fields(story) | {"events": [record_fields(event) for event in story.events]}


def story_to_json(story: Story) -> str:
    return json.dumps(story_fields(story), default=_iso, ensure_ascii=False, sort_keys=True)


def _dated(raw: dict) -> dict:
    for name in ("first_published", "last_published"):
        raw[name] = datetime.fromisoformat(raw[name]) if raw[name] else None
    return raw


def story_from_json(text: str) -> Story:
    raw = _dated(json.loads(text))
    raw["developments"] = tuple(tuple(entry) for entry in raw.get("developments", ()))
    raw["headlines"] = tuple(tuple(entry) for entry in raw.get("headlines", ()))
    raw["events"] = tuple(
        StoryEvent(**(_dated(event) | {"article_ids": tuple(event["article_ids"])})) for event in raw.get("events", ())
    )
    for item in fields(Story):
        if isinstance(raw.get(item.name), list):
            raw[item.name] = tuple(raw[item.name])
    return Story(**raw)


def reuse_pair_to_json(pair: ReusePair) -> str:
    return json.dumps(record_fields(pair), ensure_ascii=False)


def reuse_pair_from_json(text: str) -> ReusePair:
    raw = json.loads(text)
    for name in ("a_spans", "b_spans", "a_edits", "b_edits"):
        if raw.get(name) is not None:
            raw[name] = tuple(tuple(span) for span in raw[name])
    return ReusePair(**raw)
