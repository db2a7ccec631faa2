"""Write a run's artifacts into the output folder, each atomically (temporary file, then rename).

``articles.jsonl``, ``stories.json``, ``reuse.jsonl``, ``rejects.jsonl``, ``run.json`` and the
self-contained ``dashboard.html``. A reader never sees a half-written file: a crashed run leaves the
previous artifacts in place.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from clustering.records import Article, DedupResult, Reject, RunReport, Story

ARTIFACT_NAMES = ("articles.jsonl", "stories.json", "reuse.jsonl", "rejects.jsonl", "run.json", "dashboard.html")


def _json_default(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def _dumps(value: object, indent: int | None = None) -> str:
    return json.dumps(value, default=_json_default, ensure_ascii=False, indent=indent, sort_keys=indent is not None)


def write_atomic(path: Path, content: str) -> None:
    """Write ``content`` to ``path`` so that readers see the old file or the whole new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _jsonl(rows: Iterable[dict[str, object]]) -> str:
    return "".join(_dumps(row) + "\n" for row in rows)


def article_rows(articles: Sequence[Article], stories: Sequence[Story], dedup: DedupResult) -> list[dict[str, object]]:
    story_of = {article_id: story.story_id for story in stories for article_id in story.article_ids}
    return [
        {
            "id": article.id,
            "title": article.title,
            "source": article.source,
            "published": article.date,
            "story_id": story_of[article.id],
            "duplicate_of": dedup.duplicate_of.get(article.id),
            "agencies": list(article.agencies),
        }
        for article in articles
    ]


def reject_row(reject: Reject) -> dict[str, object]:
    return {key: value for key, value in asdict(reject).items() if value is not None}


def render_dashboard(articles: Sequence[Article], stories: Sequence[Story], dedup: DedupResult) -> str:
    """One self-contained HTML page of the stories; every article-derived string is escaped."""
    environment = Environment(
        loader=PackageLoader("clustering", "templates"), autoescape=select_autoescape(default=True)
    )
    by_id = {article.id: article for article in articles}
    return environment.get_template("dashboard.html.j2").render(
        stories=stories, articles=by_id, duplicate_of=dedup.duplicate_of
    )


def publish(
    out_dir: Path | str,
    articles: Sequence[Article],
    rejects: Sequence[Reject],
    dedup: DedupResult,
    stories: Sequence[Story],
    report: RunReport,
) -> list[Path]:
    """Write every artifact of a run into ``out_dir``; returns their paths."""
    out = Path(out_dir)
    contents = {
        "articles.jsonl": _jsonl(article_rows(articles, stories, dedup)),
        "stories.json": _dumps([asdict(story) for story in stories], indent=2) + "\n",
        "reuse.jsonl": _jsonl(asdict(pair) for pair in dedup.pairs),
        "rejects.jsonl": _jsonl(reject_row(reject) for reject in rejects),
        "dashboard.html": render_dashboard(articles, stories, dedup),
        # Last: run.json says the run completed, so it is written only once everything else is.
        "run.json": _dumps(asdict(report), indent=2) + "\n",
    }
    for name, content in contents.items():
        write_atomic(out / name, content)
    return [out / name for name in contents]
