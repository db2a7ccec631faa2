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

import json
import math
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Annotated, Any

import plotly
import uvicorn
from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from clustering.ingest.clean import CLEANING_VERSION
from clustering.publish import api
from clustering.publish.api import CurrentQuery, CurrentView, found_story
from clustering.publish.figures import (
    LISTED_STORIES,
    largest_first,
    local_day_times,
    map_figures,
    reuse_flows,
    story_timeline,
)
from clustering.publish.pages import environment
from clustering.publish.store_view import (
    StoreView,
    first_reports,
    reprint_trees,
    shared_passages,
    time_after,
)
from clustering.records import UNKNOWN_OUTLET
from clustering.reuse.pairs import reprint_counts
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
# The names a dashboard bound to loopback answers to, unless told more (``storyline serve --allowed-host``).
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")


def _page(template: str, status_code: int = 200, **context: object) -> HTMLResponse:
    return HTMLResponse(environment().get_template(template).render(**context), status_code=status_code)


pages = APIRouter(include_in_schema=False)


@pages.get("/", response_class=HTMLResponse)
def story_list(view: CurrentView, query: CurrentQuery) -> HTMLResponse:
    shown, matching = query.select(view)
    return _page(
        "list.html.j2",
        stories=shown,
        matching=matching,
        total=view.total,
        query=query,
        pages=max(1, math.ceil(matching / query.per_page)),
        outlets=view.outlets,
        languages=view.languages,
        story_languages=view.pages.story_languages([story.story_id for story in shown]),
        thread_sizes=view.pages.thread_sizes([story.thread_id for story in shown]),
    )


@pages.get("/story/{story_id}", response_class=HTMLResponse)
def story_page(view: CurrentView, story_id: str) -> HTMLResponse:
    story = found_story(view, story_id)
    found = view.story_articles(story)
    articles = found.in_time_order()
    first = first_reports(articles)
    broke = sorted({article.outlet or UNKNOWN_OUTLET for article in first})
    pairs = found.pairs
    timeline = story_timeline(articles)
    return _page(
        "story.html.j2",
        story=story,
        articles=[(article, time_after(first[0] if first else None, article)) for article in articles],
        first={article.id for article in first},
        # Each article's event: its number on the page and its id.
        event_number={
            member: (number, event.event_id)
            for number, event in enumerate(story.events, start=1)
            for member in event.article_ids
        },
        broke=broke,
        trees=reprint_trees(articles, pairs),
        shared=shared_passages(found.articles, pairs),
        related=view.related_stories(story),
        thread=view.thread(story),
        history=view.pages.lineage_of(story_id),
        timeline=timeline.to_json() if timeline is not None else None,
        local_days=local_day_times(articles),
    )


@pages.get("/outlets", response_class=HTMLResponse)
def outlets_page(view: CurrentView) -> HTMLResponse:
    attribution = view.report.get("attribution", [])
    flows = reuse_flows(attribution).to_json() if attribution else None
    # The working set's reprints (what the last run found), read with the articles they name.
    pairs = view.pages.working_pairs()
    reprints = reprint_counts(view.pages.articles([key for pair in pairs for key in (pair.a, pair.b)]), pairs)
    return _page("outlets.html.j2", attribution=attribution, reprints=reprints, flows=flows)


@pages.get("/map", response_class=HTMLResponse)
def map_page(view: CurrentView, story: Annotated[list[str] | None, Query()] = None) -> HTMLResponse:
    chosen = story or []
    stories, positions = view.mapped
    figures = map_figures(view, stories, positions, chosen)
    largest = largest_first(stories)[:LISTED_STORIES]
    choices = largest_first(stories)
    return _page("map.html.j2", figures=figures, choices=choices, chosen=set(chosen), largest=largest)


def api_reference(schema: dict[str, Any]) -> list[dict[str, object]]:
    """The operations of an OpenAPI schema as the /docs page lists them: method, path, what it does, its
    parameters (where, type, default, description) and the schema it answers with."""
    operations: list[dict[str, object]] = []
    for path, methods in schema.get("paths", {}).items():
        for method, operation in methods.items():
            parameters = [
                {
                    "name": parameter["name"],
                    "where": parameter["in"],
                    "required": parameter.get("required", False),
                    "type": parameter.get("schema", {}).get("type", ""),
                    "default": parameter.get("schema", {}).get("default"),
                    "description": parameter.get("description", ""),
                }
                for parameter in operation.get("parameters", [])
            ]
            answer = operation.get("responses", {}).get("200", {}).get("content", {}).get("application/json", {})
            returns = answer.get("schema", {}).get("$ref", "").rsplit("/", 1)[-1]
            description = operation.get("description") or operation.get("summary", "")
            operations.append(
                {
                    "id": operation.get("operationId", f"{method}-{path}"),
                    "method": method.upper(),
                    "path": path,
                    "description": description,
                    "parameters": parameters,
                    "returns": returns,
                }
            )
    return operations


@pages.get("/docs", response_class=HTMLResponse)
def api_docs(request: Request) -> HTMLResponse:
    # Rendered here, not by Swagger UI: nothing is loaded from elsewhere and no inline script runs.
    schema = request.app.openapi()
    return _page("docs.html.j2", operations=api_reference(schema), version=schema.get("openapi", ""))


@pages.get("/static/plotly.min.js")
def plotly_js() -> FileResponse:
    return FileResponse(_PLOTLY_JS, media_type="text/javascript")


@pages.get("/static/map.js")
def map_js() -> FileResponse:
    return FileResponse(_STATIC / "map.js", media_type="text/javascript")


@pages.get("/healthz")
def health(view: CurrentView) -> Response:
    return Response(json.dumps({"stories": view.total}), media_type="application/json")


class _HeadAsGet:
    """HEAD on every route: the request runs as a GET and only its status and headers are sent (FastAPI's
    routes answer the methods they name, and a GET route named alone answers HEAD with 405)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)


async def _security_headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    response = await call_next(request)
    response.headers.update(SECURITY_HEADERS)
    return response


def _error(request: Request, status: int, message: str) -> Response:
    # The API answers in JSON; a page answers a person with a page.
    if request.url.path.startswith("/api/") or request.url.path == "/openapi.json":
        return JSONResponse({"detail": message}, status_code=status)
    return _page("error.html.j2", status_code=status, status=status, message=message)


async def _http_error(request: Request, error: StarletteHTTPException) -> Response:
    return _error(request, error.status_code, str(error.detail))


async def _validation_error(request: Request, error: RequestValidationError) -> Response:
    problems = "; ".join(f"{'.'.join(map(str, e['loc'][1:]))}: {e['msg']}" for e in error.errors())
    return _error(request, 422, problems)


class _ViewReader:
    """The store's view, what every page shows read again only when the store's stamp says a run or an
    ingest has changed it."""

    def __init__(self, store: StoryStore) -> None:
        self._store = store
        self._stamp: object = None
        self._view: StoreView | None = None

    def __call__(self) -> StoreView:
        stamp = self._store.stamp()
        if self._view is None or stamp != self._stamp:
            self._view, self._stamp = StoreView(self._store), stamp
        return self._view


def server_config(app: FastAPI, host: str, port: int) -> uvicorn.Config:
    """How ``storyline serve`` runs the dashboard: one access-log line per request (uvicorn's), warnings
    and errors otherwise."""
    return uvicorn.Config(app, host=host, port=port, log_level="info", access_log=True)


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
    app = FastAPI(title="Storyline", version="1", docs_url=None, redoc_url=None, openapi_url="/openapi.json")
    app.state.views = _ViewReader(StoryStore(location, CLEANING_VERSION, read_only=True))
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts))
    app.add_middleware(_HeadAsGet)
    app.middleware("http")(_security_headers)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.include_router(pages)
    app.include_router(api.router)
    return app
