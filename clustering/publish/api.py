"""The dashboard's JSON API (``/api/…``, described at ``/openapi.json``), and what its routes and the
pages share: the view of the store a request reads, and the story list's query, parsed once."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from pydantic import BaseModel

from clustering.ingest.clean import ensure_cleaned
from clustering.publish.pages import safe_url
from clustering.publish.store_view import (
    MAX_PAGE,
    MAX_PER_PAGE,
    MAX_SEARCH,
    PER_PAGE,
    StoreView,
    StoryQuery,
    first_reports,
)
from clustering.records import Article, Story, StoryEvent, article_events


def current_view(request: Request) -> StoreView:
    """The store as it is now: ``create_app`` keeps the reader on the app, which reads what every page
    shows again only when a run or an ingest has changed the store."""
    views: Callable[[], StoreView] = request.app.state.views
    return views()


def _day(text: str, name: str) -> date | None:
    """A date from a form field: empty means no bound."""
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise HTTPException(status_code=422, detail=f"'{name}' is not a date (YYYY-MM-DD): {text!r}") from error


def story_query(
    q: str = Query("", max_length=MAX_SEARCH, description="words that must all appear in the story's texts"),
    outlet: str = Query("", description="only stories this outlet took part in"),
    language: str = Query("", description="only stories with an article in this language (ISO 639 code)"),
    thread: str = Query("", description="only the stories of this thread (a story's thread_id)"),
    since: str = Query("", description="stories still running on or after this date (YYYY-MM-DD)"),
    until: str = Query("", description="stories begun on or before this date (YYYY-MM-DD)"),
    sort: str = Query("recent", pattern="^(recent|size)$", description="most recent first, or largest first"),
    page: int = Query(1, ge=1, le=MAX_PAGE, description="which page of the matching stories, from 1"),
    per_page: int = Query(PER_PAGE, ge=1, le=MAX_PER_PAGE, description="stories on a page"),
) -> StoryQuery:
    """The story list's filters, sort and page, from the request's query string."""
    return StoryQuery(q, outlet, language, thread, _day(since, "since"), _day(until, "until"), sort, page, per_page)


CurrentView = Annotated[StoreView, Depends(current_view)]
CurrentQuery = Annotated[StoryQuery, Depends(story_query)]
StoryId = Annotated[str, Path(description="a story's id (story_id), as the list gives it")]
ArticleId = Annotated[str, Path(description="an article's id, as its input gave it (it may hold slashes)")]


class ArticleOut(BaseModel):
    id: str
    title: str
    outlet: str | None
    published: datetime | None
    # Whether ``published`` is a moment (the input gave a time) or a day alone (midnight UTC of that day).
    published_has_time: bool
    # ``published`` in the zone the input wrote it in ("2018-02-06T14:05:00+01:00"), where that was not UTC.
    published_local: datetime | None
    url: str | None
    story_id: str | None
    # The event inside the story (``StoryOut.events``) the article belongs to.
    event_id: str | None
    duplicate_of: str | None
    agencies: list[str]
    # The language of its title and body, an ISO 639 code ("und": none could be told).
    language: str
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
    # How many events the story holds (the days-long happenings inside it; listed on the story's own page).
    event_count: int
    # The languages of its articles (ISO 639 codes), the most articles first; the one its headline and
    # summary are in; and its headline in each other language, as [code, headline] pairs.
    languages: list[str]
    language: str
    headlines: list[tuple[str, str]]


class EventOut(BaseModel):
    event_id: str
    story_id: str
    headline: str
    first_published: datetime | None
    last_published: datetime | None
    # The event's articles, in time order.
    article_ids: list[str]


class PairOut(BaseModel):
    a: str
    b: str
    shared_words: int
    original: str | None
    original_reason: str


class StoryDetailOut(StoryOut):
    # The story's events, earliest first: each article of the story is in one.
    events: list[EventOut]
    article_list: list[ArticleOut]
    reuse: list[PairOut]
    # The stories the last run related to this one (close in meaning, naming what it names), nearest first.
    related: list[str]
    # The articles that reported it first (several when they tie; ``store_view.first_reports``).
    first_reported: list[str]


class StoryPageOut(BaseModel):
    total: int
    page: int
    per_page: int
    stories: list[StoryOut]


def _story_out(story: Story, languages: list[str]) -> StoryOut:
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
        event_count=len(story.events),
        languages=languages,
        language=story.language,
        headlines=[tuple(entry) for entry in story.headlines],
    )


def _event_out(story: Story, event: StoryEvent) -> EventOut:
    return EventOut(
        event_id=event.event_id,
        story_id=story.story_id,
        headline=event.headline,
        first_published=event.first_published,
        last_published=event.last_published,
        article_ids=list(event.article_ids),
    )


def _levels(stories: Sequence[Story]) -> dict[str, tuple[str, str | None]]:
    """Each article's story and event."""
    events = article_events(stories)
    return {member: (story.story_id, events.get(member)) for story in stories for member in story.article_ids}


def _article_out(
    article: Article, levels: dict[str, tuple[str, str | None]], duplicate_of: dict[str, str]
) -> ArticleOut:
    story_id, event_id = levels.get(article.id, (None, None))
    return ArticleOut(
        id=article.id,
        title=article.headline,
        outlet=article.outlet,
        published=article.date,
        published_has_time=article.has_time,
        published_local=article.published_local,
        url=safe_url(article.url),
        story_id=story_id,
        event_id=event_id,
        duplicate_of=duplicate_of.get(article.id),
        agencies=list(article.agencies),
        language=article.language,
        furniture_spans=[tuple(span) for span in article.furniture_spans],
    )


def found_story(view: StoreView, story_id: str) -> Story:
    """The story ``story_id``, or a 404."""
    story = view.story(story_id)
    if story is None:
        raise HTTPException(status_code=404, detail=f"no story {story_id!r} in this store")
    return story


router = APIRouter(prefix="/api")


@router.get("/stories", response_model=StoryPageOut, tags=["stories"])
def api_stories(view: CurrentView, query: CurrentQuery) -> StoryPageOut:
    """Stories matching the filters, a page at a time (most recent first, or largest first)."""
    shown, matching = query.select(view)
    languages = view.pages.story_languages([story.story_id for story in shown])
    stories = [_story_out(story, languages.get(story.story_id, [])) for story in shown]
    return StoryPageOut(total=matching, page=query.page, per_page=query.per_page, stories=stories)


@router.get("/stories/{story_id}", response_model=StoryDetailOut, tags=["stories"])
def api_story(view: CurrentView, story_id: StoryId) -> StoryDetailOut:
    """A story with its articles (in time order) and the text they share."""
    story = found_story(view, story_id)
    found = view.story_articles(story)
    levels = _levels([story])
    reuse = [
        PairOut(a=p.a, b=p.b, shared_words=p.shared_words, original=p.original, original_reason=p.original_reason)
        for p in found.pairs
    ]
    articles = found.in_time_order()
    return StoryDetailOut(
        **_story_out(story, view.pages.story_languages([story_id]).get(story_id, [])).model_dump(),
        events=[_event_out(story, event) for event in story.events],
        article_list=[_article_out(a, levels, found.duplicate_of) for a in articles],
        reuse=reuse,
        related=[other.story_id for other in view.related_stories(story)],
        first_reported=[article.id for article in first_reports(articles)],
    )


@router.get("/articles/{article_id:path}", response_model=ArticleOut, tags=["articles"])
def api_article(view: CurrentView, article_id: ArticleId) -> ArticleOut:
    """One article: its outlet, date, link, story and the article it reprints."""
    article = view.pages.articles([article_id]).get(article_id)
    if article is None:
        raise HTTPException(status_code=404, detail=f"no article {article_id!r} in this store")
    story = view.pages.story_of_article(article_id)
    levels = _levels([story] if story else [])
    return _article_out(ensure_cleaned(article), levels, view.pages.duplicate_of([article_id]))


EventId = Annotated[str, Path(description="an event's id (event_id), as a story's events give it")]


@router.get("/events/{event_id}", response_model=EventOut, tags=["stories"])
def api_event(view: CurrentView, event_id: EventId) -> EventOut:
    """One event inside a story: its headline, dates and articles, and the story holding it."""
    story = view.pages.story_of_event(event_id)
    event = next((event for event in story.events if event.event_id == event_id), None) if story else None
    if story is None or event is None:
        raise HTTPException(status_code=404, detail=f"no event {event_id!r} in this store")
    return _event_out(story, event)
