"""The dashboard's charts, as Plotly figures: the map of stories, the timelines, the reuse flows.

Plotly is served from the installed package (nothing is loaded from elsewhere); every string a chart shows
goes through ``chart_text``, since Plotly reads chart text as HTML."""

from __future__ import annotations

import html
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date, timedelta

import plotly.graph_objects as go

from clustering.publish.store_view import StoreView
from clustering.records import Article, Story

# Stories listed beside the map, largest first (the map itself names none: labels of near stories overlap).
LISTED_STORIES = 12
# Stories on the map's timeline when none are chosen.
TIMELINE_STORIES = 10
# The reuse flows drawn: the largest, by words copied (the table below them lists every one).
REUSE_FLOWS_SHOWN = 40


def chart_text(value: object) -> str:
    """``value`` as Plotly shows it literally: Plotly reads the text, hover text, labels and legend names
    of a chart as HTML (``<a href>`` makes a live link), and turns entities back into characters."""
    return html.escape(str(value), quote=False)


def bin_width(first: date, last: date) -> str:
    """Days for a span of up to two months, weeks up to two years, months beyond: a readable timeline."""
    span = (last - first).days
    return "day" if span <= 62 else "week" if span <= 731 else "month"


def _bin(day: date, width: str) -> str:
    if width == "day":
        return day.isoformat()
    if width == "week":
        return (day - timedelta(days=day.weekday())).isoformat()
    return day.replace(day=1).isoformat()


def _per_bin(days: Counter[date], width: str) -> go.Bar:
    """Bars of the articles counted by day (``days``), summed per bin."""
    counts: Counter[str] = Counter()
    for day, count in days.items():
        counts[_bin(day, width)] += count
    bins = sorted(counts)
    return go.Bar(x=bins, y=[counts[key] for key in bins])


def _dated(articles: Sequence[Article]) -> list[Article]:
    return [article for article in articles if article.date]


def _days(articles: Sequence[Article]) -> list[date]:
    return [article.date.date() for article in _dated(articles)]  # type: ignore[union-attr]


def story_timeline(articles: Sequence[Article]) -> go.Figure | None:
    """A story's ``articles`` per day (week, month), or None when none is dated."""
    days = _days(articles)
    if not days:
        return None
    width = bin_width(min(days), max(days))
    timeline = go.Figure(_per_bin(Counter(days), width).update(name="articles"))
    return timeline.update_layout(title=f"Articles per {width}", height=260, xaxis={"type": "date"})


def local_day_times(articles: Sequence[Article]) -> str | None:
    """For a story timeline binned by day, each dated article's time (ISO, UTC) and whether it has one, as
    JSON: the page bins them again by the viewer's own days (a day alone stays its day). None when the bins
    are weeks or months, or nothing is dated."""
    days = _days(articles)
    if not days or bin_width(min(days), max(days)) != "day":
        return None
    dated = _dated(articles)
    return json.dumps([[article.date.isoformat(), article.has_time] for article in dated])  # type: ignore[union-attr]


def stories_timeline(shown: Sequence[tuple[Story, Counter[date]]], chosen: bool) -> go.Figure:
    """Articles per day (week, month) of each story shown (with its articles counted by day), stacked."""
    days = [day for _, counts in shown for day in counts]
    width = bin_width(min(days), max(days)) if days else "day"
    timeline = go.Figure()
    for story, counts in shown:
        timeline.add_trace(_per_bin(counts, width).update(name=chart_text(story.headline[:50])))
    return timeline.update_layout(
        barmode="stack",
        title=f"Articles per {width}" + ("" if chosen else ", the ten largest stories (choose others below)"),
        height=420,
        xaxis={"type": "date"},
    )


def _hover(story: Story) -> str:
    dates = f", {story.first_published.date()} to {story.last_published.date()}" if story.first_published else ""
    return (
        f"<b>{chart_text(story.headline)}</b><br>{len(story.article_ids)} articles{dates}"
        f"<br>{chart_text(', '.join(story.sources[:6]))}<br><i>{chart_text(', '.join(story.keywords[:6]))}</i>"
    )


def story_map(stories: Sequence[Story], positions: Mapping[str, tuple[float, float]]) -> go.Figure:
    """``stories`` where the last run placed them (``positions``): near stories tell of near things; size
    for articles, colour for how recent, the headline on hover."""
    points = [positions[story.story_id] for story in stories]
    dated = [story.last_published for story in stories if story.last_published]
    newest = max(dated) if dated else None
    age = [(newest - story.last_published).days if newest and story.last_published else 0 for story in stories]
    scatter = go.Scatter(
        x=[x for x, _ in points],
        y=[y for _, y in points],
        mode="markers",
        marker={
            "size": [8 + 5 * len(story.article_ids) ** 0.5 for story in stories],
            "color": age,
            "colorscale": "Viridis_r",
            "colorbar": {"title": "days before<br>the newest"},
            "opacity": 0.8,
            "line": {"width": 0.5, "color": "#333"},
        },
        customdata=[story.story_id for story in stories],
        hovertext=[_hover(story) for story in stories],
        hovertemplate="%{hovertext}<extra></extra>",
    )
    return go.Figure(scatter).update_layout(
        title="Stories by meaning: near stories tell of near things; size = articles, colour = how recent",
        height=560,
        xaxis={"visible": False},
        yaxis={"visible": False},
        plot_bgcolor="#fafafa",
    )


def largest_first(stories: Sequence[Story]) -> list[Story]:
    return sorted(stories, key=lambda story: (-len(story.article_ids), story.story_id))


def map_figures(
    view: StoreView, stories: Sequence[Story], positions: Mapping[str, tuple[float, float]], chosen: Sequence[str]
) -> dict[str, str]:
    """The map page's two figures as JSON: the map of the working ``stories`` (placed at ``positions``) and
    the timeline of the ``chosen`` stories, or of the largest when none is chosen, from their articles
    counted by day in the store."""
    found = view.pages.stories(chosen)
    shown = [found[story_id] for story_id in chosen if story_id in found] if chosen else largest_first(stories)
    shown = shown[:TIMELINE_STORIES]
    days = view.pages.article_days([story.story_id for story in shown])
    timeline = stories_timeline([(story, days.get(story.story_id, Counter())) for story in shown], bool(chosen))
    return {"map": story_map(stories, positions).to_json(), "timeline": timeline.to_json()}


def reuse_flows(attribution: Sequence[dict[str, object]]) -> go.Figure:
    """The reuse graph as a Sankey diagram: agencies and outlets on the left, the outlets copying them on
    the right, each band as wide as the words copied."""
    rows = sorted(attribution, key=lambda row: -int(row["shared_words"]))[:REUSE_FLOWS_SHOWN]
    sources = list(dict.fromkeys(str(row["source"]) for row in rows))
    outlets = list(dict.fromkeys(str(row["outlet"]) for row in rows))
    # An outlet copying and copied is two nodes.
    labels = [chart_text(source) for source in sources] + [f"{chart_text(outlet)} " for outlet in outlets]
    link = {
        "source": [sources.index(str(row["source"])) for row in rows],
        "target": [len(sources) + outlets.index(str(row["outlet"])) for row in rows],
        "value": [row["shared_words"] for row in rows],
        "customdata": [f"{row['pairs']} pairs, {float(row['share']):.0%} of its words" for row in rows],
        "hovertemplate": "%{source.label} → %{target.label}: %{value} words, %{customdata}<extra></extra>",
    }
    figure = go.Figure(go.Sankey(node={"label": labels, "pad": 12}, link=link))
    figure.update_layout(title="Who copies whom: words copied from each source", height=max(320, 26 * len(labels)))
    return figure
