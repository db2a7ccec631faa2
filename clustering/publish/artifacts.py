"""Write a run's artifacts into the output folder, each atomically (temporary file, then rename).

``articles.jsonl``, ``stories.json``, ``reuse.jsonl``, ``rejects.jsonl``, ``run.json``, the reuse graph
(``reuse_graph.csv`` and ``reuse_graph.graphml``, which network tools such as Gephi, Cytoscape and networkx
read) and the self-contained ``dashboard.html``; they describe the working set. The stories a run archived are
written once, to ``archive/stories-RUN.json``. A reader never sees a half-written file: a crashed run leaves
the previous artifacts in place.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

import networkx as nx

from clustering.publish.pages import environment, story_threads
from clustering.records import (
    Article,
    DedupResult,
    Reject,
    RunReport,
    Story,
    article_events,
    article_stories,
    json_line,
    record_fields,
)
from clustering.storage.atomic import write_atomic
from clustering.storage.record_json import story_fields

ARTIFACT_NAMES = (
    "articles.jsonl",
    "stories.json",
    "reuse.jsonl",
    "rejects.jsonl",
    "lineage.jsonl",
    "reuse_graph.csv",
    "reuse_graph.graphml",
    "run.json",
    "dashboard.html",
)


def archive_name(run: int) -> str:
    """The artifact of the stories that run ``run`` archived."""
    return f"archive/stories-{run:06d}.json"


def _json_default(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def _dumps(value: object, indent: int | None = None) -> str:
    return json_line(value, default=_json_default, indent=indent, sort_keys=indent is not None)


def _jsonl(rows: Iterable[dict[str, object]]) -> str:
    return "".join(_dumps(row) + "\n" for row in rows)


def article_rows(articles: Sequence[Article], stories: Sequence[Story], dedup: DedupResult) -> list[dict[str, object]]:
    story_of = article_stories(stories)
    event_of = article_events(stories)
    return [
        {
            "id": article.id,
            "title": article.title,
            "source": article.source,
            "url": article.url,
            "published": article.date,
            "published_local": article.published_local,
            "story_id": story_of[article.id],
            "event_id": event_of.get(article.id),
            "duplicate_of": dedup.duplicate_of.get(article.id),
            "agencies": list(article.agencies),
            "language": article.language,
            "furniture_spans": [list(span) for span in article.furniture_spans],
        }
        for article in articles
    ]


# Articles named under each article of the static dashboard as sharing text with it.
SHARES_LISTED = 5


def render_dashboard(
    articles: Sequence[Article],
    stories: Sequence[Story],
    dedup: DedupResult,
    report: RunReport,
    lineage: Sequence[dict[str, object]] = (),
) -> str:
    """One self-contained HTML page of the stories; every article-derived string is escaped."""
    by_id = {article.id: article for article in articles}
    shares: dict[str, list[tuple[str, int]]] = {}
    for pair in dedup.pairs:
        shares.setdefault(pair.a, []).append((pair.b, pair.shared_words))
        shares.setdefault(pair.b, []).append((pair.a, pair.shared_words))
    # Per article, the articles it shares most text with, and how many more: a wire story reprinted by
    # hundreds would otherwise list hundreds under each copy (and cost seconds to write).
    shares = {
        article_id: (sorted(others, key=lambda other: (-other[1], other[0]))[:SHARES_LISTED], len(others))
        for article_id, others in shares.items()
    }
    history: dict[object, list[dict[str, object]]] = {}
    for event in lineage:
        history.setdefault(event["story_id"], []).append(event)
    return (
        environment()
        .get_template("dashboard.html.j2")
        .render(
            stories=stories,
            articles=by_id,
            duplicate_of=dedup.duplicate_of,
            shares=shares,
            attribution=report.attribution,
            history=history,
            threads=story_threads(stories),
        )
    )


_GRAPH_COLUMNS = ("source", "outlet", "source_kind", "pairs", "shared_words", "share")


def reuse_graph_rows(report: RunReport) -> list[dict[str, object]]:
    """The reuse graph's edges, source → outlet: the attribution rows, each source marked an agency or an
    outlet."""
    agencies = set((report.config.get("reuse") or {}).get("agencies") or {})
    return [
        {
            "source": row["source"],
            "outlet": row["outlet"],
            "source_kind": "agency" if row["source"] in agencies else "outlet",
            "pairs": row["pairs"],
            "shared_words": row["shared_words"],
            "share": row["share"],
        }
        for row in report.attribution
    ]


def reuse_graph_csv(rows: Sequence[dict[str, object]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=_GRAPH_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def reuse_graph_graphml(rows: Sequence[dict[str, object]]) -> str:
    """The graph in GraphML (networkx's writer): nodes are agencies and outlets, edges carry the pairs,
    the words copied and their share of the outlet's words."""
    graph = nx.DiGraph()
    for row in rows:
        graph.add_node(row["source"], kind=row["source_kind"])
        graph.add_node(row["outlet"], kind=graph.nodes.get(row["outlet"], {}).get("kind", "outlet"))
        graph.add_edge(
            row["source"], row["outlet"], pairs=row["pairs"], shared_words=row["shared_words"], share=row["share"]
        )
    return "\n".join(nx.generate_graphml(graph)) + "\n"


def publish(
    out_dir: Path | str,
    articles: Sequence[Article],
    rejects: Sequence[Reject],
    dedup: DedupResult,
    stories: Sequence[Story],
    report: RunReport,
    lineage: Sequence[dict[str, object]] = (),
    archives: Mapping[int, Sequence[Story]] | None = None,
) -> list[Path]:
    """Write every artifact of a run into ``out_dir`` but ``run.json`` (``write_run_report``); returns
    their paths.

    ``lineage`` is the working stories' history from the store: one line per event, every run so far. ``archives``:
    the stories archived, by the run that archived them, whose files are to be written.
    """
    out = Path(out_dir)
    contents = {
        "articles.jsonl": _jsonl(article_rows(articles, stories, dedup)),
        "stories.json": _dumps([story_fields(story) for story in stories], indent=2) + "\n",
        "reuse.jsonl": _jsonl(record_fields(pair) for pair in dedup.pairs),
        "rejects.jsonl": _jsonl(reject.as_row() for reject in rejects),
        "lineage.jsonl": _jsonl(lineage),
        "reuse_graph.csv": reuse_graph_csv(graph := reuse_graph_rows(report)),
        "reuse_graph.graphml": reuse_graph_graphml(graph),
        "dashboard.html": render_dashboard(articles, stories, dedup, report, lineage),
        **{
            archive_name(run): _dumps([story_fields(story) for story in archived], indent=2) + "\n"
            for run, archived in (archives or {}).items()
        },
    }
    for name, content in contents.items():
        write_atomic(out / name, content)
    return [out / name for name in contents]


def write_run_report(out_dir: Path | str, report: RunReport) -> Path:
    """``run.json``: it says the run completed, so it is written once everything else is."""
    path = Path(out_dir) / "run.json"
    write_atomic(path, _dumps(asdict(report), indent=2) + "\n")
    return path
