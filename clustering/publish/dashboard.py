"""The dashboard analysts browse: a read-only FastAPI app over a story store, and a JSON API beside it.

Pages: the story list (search, outlet and date filters, sorted by recency or size, in pages, every filter
in the URL so a view can be shared), a story (a timeline of its articles, which outlets broke it and which
followed, each article linked, its reprint groups as trees, the shared passages side by side, its nearest
stories, its lineage), the outlets (who reprints whom) and a map and timeline of the stories (plotly,
served from the installed package: nothing is loaded from elsewhere). ``/api/…`` gives the same data as
JSON, described by FastAPI's OpenAPI schema at ``/openapi.json``. Every article-derived string goes through
Jinja2's autoescaping, links go out only to http(s) addresses, and every response carries a
Content-Security-Policy that runs no inline script.
"""

from __future__ import annotations

import html
import itertools
import json
import math
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated
from urllib.parse import urlencode

import plotly
import plotly.graph_objects as go
from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware

from clustering.config import ReuseConfig
from clustering.ingest.clean import CLEANING_VERSION, cleaned
from clustering.publish.pages import environment, safe_url
from clustering.records import UNKNOWN_OUTLET, Article, ReusePair, Story
from clustering.reuse.edits import with_copy_edits
from clustering.reuse.pairs import copier_and_original, duplicate_groups, reprint_counts
from clustering.storage.database import is_database_url
from clustering.storage.store import StoryStore
from clustering.storage.workspace import STORE_FILE

_CSP = (
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
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
PER_PAGE = 25
MAX_PER_PAGE = 200
# Stories named on the map, and shown on the timeline until others are chosen.
LABELLED_STORIES = 12
# The names a dashboard bound to loopback answers to, unless told more (``storyline serve --allowed-host``).
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")
RELATED_STORIES = 5


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What the store held when it was last read."""

    stories: list[Story]
    articles: dict[str, Article]
    pairs: list[ReusePair]
    lineage: list[dict[str, object]]
    positions: dict[str, tuple[float, float]]
    report: dict[str, object]
    # Each reprint's canonical article, as the run grouped them.
    duplicate_of: dict[str, str]
    # The stories of each thread, oldest first.
    threads: dict[str, list[Story]]

    def story(self, story_id: str) -> Story | None:
        return next((story for story in self.stories if story.story_id == story_id), None)


def load_snapshot(store: StoryStore) -> Snapshot:
    # Archived stories too: what runs no longer read is still there to browse.
    articles = {article.id: cleaned(article) for article in store.articles(include_archived=True)}
    stories = sorted(store.stories(include_archived=True).values(), key=lambda story: story.story_id)
    pairs, report = store.pairs(include_archived=True), store.last_report()
    reuse = report.get("config", {}).get("reuse", {})
    containment = reuse.get("duplicate_containment", ReuseConfig().duplicate_containment)
    duplicate_of = duplicate_groups(list(articles.values()), pairs, containment)
    lineage = store.lineage(include_archived=True)
    threads: dict[str, list[Story]] = {}
    for story in sorted(stories, key=lambda s: (s.first_published is None, s.first_published, s.story_id)):
        if story.thread_id:
            threads.setdefault(story.thread_id, []).append(story)
    return Snapshot(stories, articles, pairs, lineage, store.positions(), report, duplicate_of, threads)


def highlighted(
    text: str,
    spans: Sequence[tuple[int, int]],
    furniture: Sequence[tuple[int, int]] = (),
    edits: Sequence[tuple[int, int]] = (),
) -> list[tuple[str, str]]:
    """``text`` cut into pieces, each marked ``"shared"`` (inside one of ``spans``), ``"edit"`` (a word
    of the shared text the other article changed), ``"furniture"`` (page furniture, shown grey) or ``""``."""
    kinds = [""] * len(text)
    for layer, name in ((furniture, "furniture"), (spans, "shared"), (edits, "edit")):
        for start, end in layer:
            kinds[start:end] = [name] * (min(end, len(text)) - start)
    pieces: list[tuple[str, str]] = []
    position = 0
    for kind, run in itertools.groupby(kinds):
        length = len(list(run))
        pieces.append((text[position : position + length], kind))
        position += length
    return pieces


@dataclass(frozen=True, slots=True)
class StoryQuery:
    """The list's filters, sort and page: what the list page and ``/api/stories`` share, and its URL."""

    q: str = ""
    outlet: str = ""
    thread: str = ""
    since: date | None = None
    until: date | None = None
    sort: str = "recent"
    page: int = 1
    per_page: int = PER_PAGE

    def matches(self, story: Story, snapshot: Snapshot) -> bool:
        if self.outlet and self.outlet not in story.sources:
            return False
        if self.thread and story.thread_id != self.thread:
            return False
        if self.since and (story.last_published is None or story.last_published.date() < self.since):
            return False
        if self.until and (story.first_published is None or story.first_published.date() > self.until):
            return False
        if not self.q:
            return True
        titles = " ".join(snapshot.articles[i].headline for i in story.article_ids)
        haystack = " ".join([story.headline, story.summary, " ".join(story.keywords), titles]).lower()
        return all(word in haystack for word in self.q.lower().split())

    def select(self, snapshot: Snapshot) -> tuple[list[Story], int]:
        """This page's stories, and how many match in all."""
        shown = [story for story in snapshot.stories if self.matches(story, snapshot)]
        if self.sort == "size":
            shown.sort(key=lambda story: (-len(story.article_ids), story.story_id))
        else:
            shown.sort(key=lambda s: (s.last_published.timestamp() if s.last_published else -1e18, s.story_id))
            shown.reverse()
        start = (self.page - 1) * self.per_page
        return shown[start : start + self.per_page], len(shown)

    def url(self, **changes: object) -> str:
        """The list's address with these filters (and ``changes``): a view that can be shared. Settings
        left at their defaults are left out of it."""
        values = {
            "q": self.q,
            "outlet": self.outlet,
            "thread": self.thread,
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
            "sort": self.sort,
            "page": self.page,
            "per_page": self.per_page,
            **changes,
        }
        defaults = {
            "q": "",
            "outlet": "",
            "thread": "",
            "since": "",
            "until": "",
            "sort": "recent",
            "page": 1,
            "per_page": PER_PAGE,
        }
        query = urlencode({key: value for key, value in values.items() if value != defaults[key]})
        return f"/?{query}" if query else "/"


def _day(text: str, name: str) -> date | None:
    """A date from a form field: empty means no bound."""
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise HTTPException(status_code=422, detail=f"'{name}' is not a date (YYYY-MM-DD): {text!r}") from error


def _story_query(
    q: str, outlet: str, thread: str, since: str, until: str, sort: str, page: int, per_page: int
) -> StoryQuery:
    return StoryQuery(q, outlet, thread, _day(since, "since"), _day(until, "until"), sort, page, per_page)


# --- the JSON API's records -------------------------------------------------------------------------------


class ArticleOut(BaseModel):
    id: str
    title: str
    outlet: str | None
    published: datetime | None
    url: str | None
    story_id: str | None
    duplicate_of: str | None
    agencies: list[str]
    # [start, end) offsets into the article's text as read: page furniture (by shape, or learned per outlet).
    furniture_spans: list[tuple[int, int]]


class StoryOut(BaseModel):
    story_id: str
    headline: str
    summary: str
    keywords: list[str]
    articles: int
    sources: list[str]
    first_published: datetime | None
    last_published: datetime | None
    representative_id: str
    # What happened when (ISO date, sentence), for a story of more than one day.
    developments: list[tuple[str, str]]
    # The thread of stories this one belongs to (stories linked over weeks).
    thread_id: str


class PairOut(BaseModel):
    a: str
    b: str
    shared_words: int
    original: str | None
    original_reason: str


class StoryDetailOut(StoryOut):
    article_list: list[ArticleOut]
    reuse: list[PairOut]


class StoryPageOut(BaseModel):
    total: int
    page: int
    per_page: int
    stories: list[StoryOut]


def _story_out(story: Story) -> StoryOut:
    return StoryOut(
        story_id=story.story_id,
        headline=story.headline,
        summary=story.summary,
        keywords=list(story.keywords),
        articles=len(story.article_ids),
        sources=list(story.sources),
        first_published=story.first_published,
        last_published=story.last_published,
        representative_id=story.representative_id,
        developments=[tuple(entry) for entry in story.developments],
        thread_id=story.thread_id,
    )


def _article_out(article: Article, story_of: dict[str, str], duplicate_of: dict[str, str]) -> ArticleOut:
    return ArticleOut(
        id=article.id,
        title=article.headline,
        outlet=article.outlet,
        published=article.date,
        url=safe_url(article.url),
        story_id=story_of.get(article.id),
        duplicate_of=duplicate_of.get(article.id),
        agencies=list(article.agencies),
        furniture_spans=[tuple(span) for span in article.furniture_spans],
    )


# --- what the story page shows ----------------------------------------------------------------------------


def _time_order(article: Article) -> tuple[bool, str, str]:
    return (article.date is None, article.date.isoformat() if article.date else "", article.id)


def _after(first: datetime | None, when: datetime | None) -> str:
    """How long after the first report an article came: "+3 h", "+2 d"."""
    if first is None or when is None or when <= first:
        return ""
    hours = (when - first).total_seconds() / 3600
    return f"+{hours:.0f} h" if hours < 48 else f"+{hours / 24:.0f} d"


def reprint_trees(members: Sequence[Article], pairs: Sequence[ReusePair]) -> list[dict[str, object]]:
    """The story's reprint groups as trees: each copy hangs under the latest of the originals it was found
    to copy (C copied B and A, B copied A: A → B → C). Roots are originals that copy nothing here."""
    by_id = {article.id: article for article in members}
    parent: dict[str, str] = {}
    for pair in pairs:
        if pair.a not in by_id or pair.b not in by_id or (found := copier_and_original(pair, by_id)) is None:
            continue
        copy, original = found
        current = parent.get(copy.id)
        if current is None or _time_order(by_id[current]) < _time_order(original):
            parent[copy.id] = original.id
    children: dict[str, list[str]] = {}
    for copy_id, original_id in parent.items():
        children.setdefault(original_id, []).append(copy_id)

    def node(article_id: str, seen: frozenset[str]) -> dict[str, object]:
        below = sorted(children.get(article_id, []), key=lambda key: _time_order(by_id[key]))
        return {
            "article": by_id[article_id],
            "copies": [node(child, seen | {article_id}) for child in below if child not in seen],
        }

    roots = sorted({original for original in children if original not in parent}, key=lambda a: _time_order(by_id[a]))
    return [node(root, frozenset()) for root in roots]


def related_stories(story: Story, snapshot: Snapshot, count: int = RELATED_STORIES) -> list[Story]:
    """The stories nearest to ``story`` on the map of stories (by meaning)."""
    here = snapshot.positions.get(story.story_id)
    if here is None:
        return []
    others = [other for other in snapshot.stories if other.story_id != story.story_id]
    others = [other for other in others if other.story_id in snapshot.positions]
    return sorted(others, key=lambda other: math.dist(here, snapshot.positions[other.story_id]))[:count]


# --- the map and the timeline -----------------------------------------------------------------------------


def _bin(day: date, width: str) -> str:
    if width == "day":
        return day.isoformat()
    if width == "week":
        return (day - timedelta(days=day.weekday())).isoformat()
    return day.replace(day=1).isoformat()


def bin_width(first: date, last: date) -> str:
    """Days for a span of up to two months, weeks up to two years, months beyond: a readable timeline."""
    span = (last - first).days
    return "day" if span <= 62 else "week" if span <= 731 else "month"


# The reuse flows drawn: the largest, by words copied (the table below them lists every one).
REUSE_FLOWS_SHOWN = 40


def chart_text(value: object) -> str:
    """``value`` as Plotly shows it literally: Plotly reads the text, hover text, labels and legend names
    of a chart as HTML (``<a href>`` makes a live link), and turns entities back into characters."""
    return html.escape(str(value), quote=False)


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


def _figures(snapshot: Snapshot, chosen: Sequence[str]) -> dict[str, str]:
    # The map holds the working stories, placed by the last run (archived ones keep no place on it).
    stories = [story for story in snapshot.stories if story.story_id in snapshot.positions]
    points = [snapshot.positions[story.story_id] for story in stories]
    largest = sorted(stories, key=lambda story: (-len(story.article_ids), story.story_id))
    labelled = {story.story_id for story in largest[:LABELLED_STORIES]}
    dated = [story.last_published for story in stories if story.last_published]
    newest = max(dated) if dated else None
    age = [(newest - story.last_published).days if newest and story.last_published else None for story in stories]
    hover = [
        f"<b>{chart_text(story.headline)}</b><br>{len(story.article_ids)} articles"
        + (f", {story.first_published.date()} to {story.last_published.date()}" if story.first_published else "")
        + f"<br>{chart_text(', '.join(story.sources[:6]))}<br><i>{chart_text(', '.join(story.keywords[:6]))}</i>"
        for story in stories
    ]
    story_map = go.Figure(
        go.Scatter(
            x=[x for x, _ in points],
            y=[y for _, y in points],
            mode="markers+text",
            text=[chart_text(story.headline[:40]) if story.story_id in labelled else "" for story in stories],
            textposition="top center",
            textfont={"size": 11},
            marker={
                "size": [8 + 5 * len(story.article_ids) ** 0.5 for story in stories],
                "color": [days if days is not None else 0 for days in age],
                "colorscale": "Viridis_r",
                "colorbar": {"title": "days before<br>the newest"},
                "opacity": 0.8,
                "line": {"width": 0.5, "color": "#333"},
            },
            customdata=[story.story_id for story in stories],
            hovertext=hover,
            hovertemplate="%{hovertext}<extra></extra>",
        )
    )
    story_map.update_layout(
        title="Stories by meaning: near stories tell of near things; size = articles, colour = how recent",
        height=560,
        xaxis={"visible": False},
        yaxis={"visible": False},
        plot_bgcolor="#fafafa",
    )
    shown = [snapshot.story(story_id) for story_id in chosen] if chosen else largest[:10]
    shown = [story for story in shown if story is not None]
    days = [snapshot.articles[i].date.date() for story in shown for i in story.article_ids if snapshot.articles[i].date]
    width = bin_width(min(days), max(days)) if days else "day"
    timeline = go.Figure()
    for story in shown:
        per_bin = Counter(
            _bin(snapshot.articles[i].date.date(), width) for i in story.article_ids if snapshot.articles[i].date
        )
        bins = sorted(per_bin)
        timeline.add_trace(go.Bar(x=bins, y=[per_bin[key] for key in bins], name=chart_text(story.headline[:50])))
    timeline.update_layout(
        barmode="stack",
        title=f"Articles per {width}" + ("" if chosen else ", the ten largest stories (choose others below)"),
        height=420,
        xaxis={"type": "date"},
    )
    return {"map": story_map.to_json(), "timeline": timeline.to_json()}


def create_app(location: Path | str, allowed_hosts: Sequence[str] = LOOPBACK_HOSTS) -> FastAPI:
    """The dashboard over the store at ``location`` (an output folder, its SQLite file, or a PostgreSQL
    URL), read again whenever a run or an ingest has changed it. A request whose ``Host`` is not one of
    ``allowed_hosts`` (``*`` for any) is refused with 400: a page elsewhere cannot reach it through a
    name it made resolve to this machine (DNS rebinding)."""
    if not is_database_url(location):
        location = Path(location)
        if location.is_dir():
            location = location / STORE_FILE
        if not location.exists():
            raise FileNotFoundError(f"{location}: no story store here (run `storyline run` first)")
    store = StoryStore(location, CLEANING_VERSION, read_only=True)
    cache: dict[str, object] = {}

    def snapshot() -> Snapshot:
        stamp = store.stamp()
        if cache.get("stamp") != stamp:
            cache["snapshot"], cache["stamp"] = load_snapshot(store), stamp
        return cache["snapshot"]  # type: ignore[return-value]

    def page(template: str, status_code: int = 200, **context: object) -> HTMLResponse:
        return HTMLResponse(environment().get_template(template).render(**context), status_code=status_code)

    app = FastAPI(title="Storyline", version="1", docs_url=None, redoc_url=None, openapi_url="/openapi.json")
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts))

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        return response

    def _error(request: Request, status: int, message: str) -> Response:
        # The API answers in JSON; a page answers a person with a page.
        if request.url.path.startswith("/api/") or request.url.path == "/openapi.json":
            return JSONResponse({"detail": message}, status_code=status)
        return page("error.html.j2", status_code=status, status=status, message=message)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        return _error(request, error.status_code, str(error.detail))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, error: RequestValidationError) -> Response:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'][1:]))}: {e['msg']}" for e in error.errors())
        return _error(request, 422, problems)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def story_list(
        q: str = "",
        outlet: str = "",
        thread: str = "",
        since: str = "",
        until: str = "",
        sort: str = Query("recent", pattern="^(recent|size)$"),
        page_number: int = Query(1, alias="page", ge=1),
        per_page: int = Query(PER_PAGE, ge=1, le=MAX_PER_PAGE),
    ) -> HTMLResponse:
        data = snapshot()
        query = _story_query(q, outlet, thread, since, until, sort, page_number, per_page)
        shown, matching = query.select(data)
        pages = max(1, math.ceil(matching / per_page))
        return page(
            "list.html.j2",
            stories=shown,
            matching=matching,
            total=len(data.stories),
            query=query,
            pages=pages,
            outlets=sorted({name for story in data.stories for name in story.sources}),
            threads=data.threads,
        )

    @app.get("/story/{story_id}", response_class=HTMLResponse, include_in_schema=False)
    def story_page(story_id: str) -> HTMLResponse:
        data = snapshot()
        story = data.story(story_id)
        if story is None:
            raise HTTPException(status_code=404, detail=f"no story {story_id!r} in this store")
        members = set(story.article_ids)
        articles = sorted((data.articles[i] for i in story.article_ids), key=_time_order)
        first = next((article.date for article in articles if article.date), None)
        first_day = first.date() if first else None
        broke = sorted({a.outlet or UNKNOWN_OUTLET for a in articles if a.date and a.date.date() == first_day})
        pairs = [pair for pair in data.pairs if pair.a in members or pair.b in members]
        shared = [
            {
                "pair": pair,
                "a": a,
                "b": b,
                "original": data.articles.get(pair.original) if pair.original else None,
                "a_pieces": highlighted(a.text, pair.a_spans, a.furniture_spans, pair.a_edits or ()),
                "b_pieces": highlighted(b.text, pair.b_spans, b.furniture_spans, pair.b_edits or ()),
            }
            for pair in with_copy_edits(pairs, {i: data.articles[i].text for pair in pairs for i in (pair.a, pair.b)})
            for a, b in [(data.articles[pair.a], data.articles[pair.b])]
        ]
        timeline = go.Figure()
        if first_day is not None:
            dates = [article.date.date() for article in articles if article.date]
            width = bin_width(min(dates), max(dates))
            per_bin = Counter(_bin(day, width) for day in dates)
            bins = sorted(per_bin)
            timeline.add_trace(go.Bar(x=bins, y=[per_bin[key] for key in bins], name="articles"))
            timeline.update_layout(title=f"Articles per {width}", height=260, xaxis={"type": "date"})
        history = [event for event in data.lineage if story_id in (event["story_id"], event["other"])]
        return page(
            "story.html.j2",
            story=story,
            articles=[(article, _after(first, article.date)) for article in articles],
            broke=broke,
            trees=reprint_trees(articles, pairs),
            shared=shared,
            related=related_stories(story, data),
            thread=data.threads.get(story.thread_id, []),
            history=history,
            timeline=timeline.to_json() if first_day is not None else None,
        )

    @app.get("/outlets", response_class=HTMLResponse, include_in_schema=False)
    def outlets_page() -> HTMLResponse:
        data = snapshot()
        reprints = reprint_counts(data.articles, data.pairs)
        attribution = data.report.get("attribution", [])
        flows = reuse_flows(attribution).to_json() if attribution else None
        return page("outlets.html.j2", attribution=attribution, reprints=reprints, flows=flows)

    @app.get("/map", response_class=HTMLResponse, include_in_schema=False)
    def map_page(story: Annotated[list[str] | None, Query()] = None) -> HTMLResponse:
        story = story or []
        data = snapshot()
        choices = sorted(data.stories, key=lambda s: (-len(s.article_ids), s.story_id))
        return page("map.html.j2", figures=_figures(data, story), choices=choices, chosen=set(story))

    @app.get("/api/stories", response_model=StoryPageOut, tags=["stories"])
    def api_stories(
        q: str = Query("", description="words that must all appear in the story's texts"),
        outlet: str = Query("", description="only stories this outlet took part in"),
        thread: str = Query("", description="only the stories of this thread (a story's thread_id)"),
        since: str = Query("", description="stories still running on or after this date (YYYY-MM-DD)"),
        until: str = Query("", description="stories begun on or before this date (YYYY-MM-DD)"),
        sort: str = Query("recent", pattern="^(recent|size)$"),
        page_number: int = Query(1, alias="page", ge=1),
        per_page: int = Query(PER_PAGE, ge=1, le=MAX_PER_PAGE),
    ) -> StoryPageOut:
        """Stories matching the filters, a page at a time (most recent first, or largest first)."""
        query = _story_query(q, outlet, thread, since, until, sort, page_number, per_page)
        shown, matching = query.select(snapshot())
        return StoryPageOut(total=matching, page=page_number, per_page=per_page, stories=list(map(_story_out, shown)))

    @app.get("/api/stories/{story_id}", response_model=StoryDetailOut, tags=["stories"])
    def api_story(story_id: str) -> StoryDetailOut:
        """A story with its articles (in time order) and the text they share."""
        data = snapshot()
        story = data.story(story_id)
        if story is None:
            raise HTTPException(status_code=404, detail=f"no story {story_id!r} in this store")
        story_of = {article_id: story.story_id for article_id in story.article_ids}
        members = sorted((data.articles[i] for i in story.article_ids), key=_time_order)
        pairs = [pair for pair in data.pairs if pair.a in story_of or pair.b in story_of]
        return StoryDetailOut(
            **_story_out(story).model_dump(),
            article_list=[_article_out(article, story_of, data.duplicate_of) for article in members],
            reuse=[
                PairOut(
                    a=p.a, b=p.b, shared_words=p.shared_words, original=p.original, original_reason=p.original_reason
                )
                for p in pairs
            ],
        )

    @app.get("/api/articles/{article_id:path}", response_model=ArticleOut, tags=["articles"])
    def api_article(article_id: str) -> ArticleOut:
        """One article: its outlet, date, link, story and the article it reprints."""
        data = snapshot()
        article = data.articles.get(article_id)
        if article is None:
            raise HTTPException(status_code=404, detail=f"no article {article_id!r} in this store")
        story_of = {member: story.story_id for story in data.stories for member in story.article_ids}
        return _article_out(article, story_of, data.duplicate_of)

    @app.get("/static/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        return FileResponse(_PLOTLY_JS, media_type="text/javascript")

    @app.get("/static/map.js", include_in_schema=False)
    def map_js() -> FileResponse:
        return FileResponse(_STATIC / "map.js", media_type="text/javascript")

    @app.get("/healthz", include_in_schema=False)
    def health() -> Response:
        return Response(json.dumps({"stories": len(snapshot().stories)}), media_type="application/json")

    return app
