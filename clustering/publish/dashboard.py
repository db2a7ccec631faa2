"""The dashboard analysts browse: a read-only FastAPI app over a story store.

Pages: the story list (search, outlet and date filters, sorted by recency or size), a story (its articles in
time order, wire copies with the shared passages highlighted side by side, its lineage), the outlets (who
reprints whom) and a map and timeline of the stories (plotly, served from the installed package: nothing is
loaded from elsewhere). Every article-derived string goes through Jinja2's autoescaping, and the pages send a
Content-Security-Policy that runs no inline script.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import plotly
import plotly.graph_objects as go
from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from clustering.ingest.clean import CLEANING_VERSION, cleaned
from clustering.publish.pages import environment
from clustering.records import Article, ReusePair, Story
from clustering.reuse.pairs import reprint_counts
from clustering.storage.store import StoryStore

_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
# Sent with every response (pages, static files, errors, health): no other site may frame the dashboard,
# guess a file's type or learn which story was open from the Referer.
SECURITY_HEADERS = {
    "Content-Security-Policy": _CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
_PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
_STATIC = Path(__file__).parent / "static"


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What the store held when it was last read."""

    stories: list[Story]
    articles: dict[str, Article]
    pairs: list[ReusePair]
    lineage: list[dict[str, object]]
    positions: dict[str, tuple[float, float]]
    report: dict[str, object]


def load_snapshot(store_path: Path) -> Snapshot:
    store = StoryStore(store_path, CLEANING_VERSION, read_only=True)
    try:
        articles = {article.id: cleaned(article) for article in store.articles()}
        stories = sorted(store.stories().values(), key=lambda story: story.story_id)
        return Snapshot(stories, articles, store.pairs(), store.lineage(), store.positions(), store.last_report())
    finally:
        store.close()


def highlighted(text: str, spans: tuple[tuple[int, int], ...]) -> list[tuple[str, bool]]:
    """``text`` cut into pieces, each marked as shared (inside a span) or not."""
    pieces: list[tuple[str, bool]] = []
    position = 0
    for start, end in sorted(spans):
        if start > position:
            pieces.append((text[position:start], False))
        pieces.append((text[max(start, position) : end], True))
        position = max(position, end)
    pieces.append((text[position:], False))
    return [piece for piece in pieces if piece[0]]


def _matches(story: Story, query: str, outlet: str, since: date | None, until: date | None, snapshot: Snapshot) -> bool:
    if outlet and outlet not in story.sources:
        return False
    if since and (story.last_published is None or story.last_published.date() < since):
        return False
    if until and (story.first_published is None or story.first_published.date() > until):
        return False
    if not query:
        return True
    titles = " ".join(snapshot.articles[i].headline for i in story.article_ids)
    haystack = " ".join([story.headline, story.summary, " ".join(story.keywords), titles]).lower()
    return all(word in haystack for word in query.lower().split())


def _figures(snapshot: Snapshot) -> dict[str, str]:
    stories = snapshot.stories
    points = [snapshot.positions.get(story.story_id, (0.0, 0.0)) for story in stories]
    story_map = go.Figure(
        go.Scatter(
            x=[x for x, _ in points],
            y=[y for _, y in points],
            mode="markers",
            marker={"size": [8 + 4 * len(story.article_ids) ** 0.5 for story in stories], "opacity": 0.7},
            text=[story.headline for story in stories],
            customdata=[story.story_id for story in stories],
            hovertemplate="%{text}<extra></extra>",
        )
    )
    story_map.update_layout(title="Stories by meaning (2-D projection of their embeddings)", height=480)
    timeline = go.Figure()
    largest = sorted(stories, key=lambda story: -len(story.article_ids))[:10]
    for story in largest:
        per_day = Counter(
            snapshot.articles[i].date.date().isoformat() for i in story.article_ids if snapshot.articles[i].date
        )
        days = sorted(per_day)
        timeline.add_trace(go.Bar(x=days, y=[per_day[day] for day in days], name=story.headline[:50]))
    timeline.update_layout(barmode="stack", title="Articles per day, ten largest stories", height=420)
    return {"map": story_map.to_json(), "timeline": timeline.to_json()}


def _day(text: str) -> date | None:
    """A date from a form field: empty means no bound."""
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise HTTPException(status_code=422, detail=f"not a date (YYYY-MM-DD): {text!r}") from error


def create_app(store_path: Path | str) -> FastAPI:
    """The dashboard over the store at ``store_path``, reread whenever the store file changes."""
    path = Path(store_path)
    if path.is_dir():
        path = path / "store.sqlite"
    if not path.exists():
        raise FileNotFoundError(f"{path}: no story store here (run `storyline run` first)")
    cache: dict[str, object] = {}

    def snapshot() -> Snapshot:
        stamp = tuple(
            (candidate.stat().st_mtime_ns, candidate.stat().st_size)
            for candidate in (path, path.with_name(path.name + "-wal"))
            if candidate.exists()
        )
        if cache.get("stamp") != stamp:
            cache["snapshot"], cache["stamp"] = load_snapshot(path), stamp
        return cache["snapshot"]  # type: ignore[return-value]

    def page(template: str, **context: object) -> HTMLResponse:
        html = environment().get_template(template).render(**context)
        return HTMLResponse(html)

    app = FastAPI(title="Storyline", docs_url=None, redoc_url=None, openapi_url=None)

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        return response

    @app.get("/", response_class=HTMLResponse)
    def story_list(
        q: str = "",
        outlet: str = "",
        since: str = "",
        until: str = "",
        sort: str = Query("recent", pattern="^(recent|size)$"),
    ) -> HTMLResponse:
        data = snapshot()
        first_day, last_day = _day(since), _day(until)
        shown = [story for story in data.stories if _matches(story, q, outlet, first_day, last_day, data)]
        if sort == "size":
            shown.sort(key=lambda story: (-len(story.article_ids), story.story_id))
        else:
            shown.sort(
                key=lambda story: story.last_published.timestamp() if story.last_published else -1e18, reverse=True
            )
        outlets = sorted({name for story in data.stories for name in story.sources})
        return page(
            "list.html.j2",
            stories=shown,
            total=len(data.stories),
            q=q,
            outlet=outlet,
            outlets=outlets,
            since=since,
            until=until,
            sort=sort,
        )

    @app.get("/story/{story_id}", response_class=HTMLResponse)
    def story_page(story_id: str) -> HTMLResponse:
        data = snapshot()
        story = next((story for story in data.stories if story.story_id == story_id), None)
        if story is None:
            raise HTTPException(status_code=404, detail="no such story")
        members = set(story.article_ids)
        articles = sorted(
            (data.articles[i] for i in story.article_ids),
            key=lambda a: (a.date is None, a.date.isoformat() if a.date else "", a.id),
        )
        shared = [
            {
                "pair": pair,
                "a": data.articles[pair.a],
                "b": data.articles[pair.b],
                "a_pieces": highlighted(data.articles[pair.a].text, pair.a_spans),
                "b_pieces": highlighted(data.articles[pair.b].text, pair.b_spans),
            }
            for pair in data.pairs
            if pair.a in members or pair.b in members
        ]
        history = [event for event in data.lineage if story_id in (event["story_id"], event["other"])]
        return page("story.html.j2", story=story, articles=articles, shared=shared, history=history)

    @app.get("/outlets", response_class=HTMLResponse)
    def outlets_page() -> HTMLResponse:
        data = snapshot()
        reprints = reprint_counts(data.articles, data.pairs)
        return page("outlets.html.j2", attribution=data.report.get("attribution", []), reprints=reprints)

    @app.get("/map", response_class=HTMLResponse)
    def map_page() -> HTMLResponse:
        return page("map.html.j2", figures=_figures(snapshot()))

    @app.get("/static/plotly.min.js")
    def plotly_js() -> FileResponse:
        return FileResponse(_PLOTLY_JS, media_type="text/javascript")

    @app.get("/static/map.js")
    def map_js() -> FileResponse:
        return FileResponse(_STATIC / "map.js", media_type="text/javascript")

    @app.get("/healthz")
    def health() -> Response:
        return Response(json.dumps({"stories": len(snapshot().stories)}), media_type="application/json")

    return app
