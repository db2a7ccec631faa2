"""What every page shares: the one Jinja2 environment (the package's templates, autoescaped), safe links
and the grouping of stories into threads."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from clustering.records import UNKNOWN_OUTLET, Article, Story


def script_json(text: str) -> Markup:
    """JSON that is safe inside a <script> element: no "<", ">" or "&" that could end it."""
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def safe_url(url: str | None) -> str | None:
    """``url`` when it is an http(s) address, else ``None``: a page links out to nothing else (no
    ``javascript:``, no ``file:``, no ``data:``)."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    return url.strip() if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def published_when(article: Article) -> str:
    """When ``article`` came out, as precisely as its input said: "2018-02-06 13:05 UTC", with the time as
    the input wrote it where that was in another zone ("2018-02-06 13:05 UTC (14:05 +01:00)"), or
    "2018-02-06" for a day alone (a date without a time, a dateline); "" when undated."""
    if article.date is None:
        return ""
    if not article.has_time:
        return article.date.date().isoformat()
    local = article.published_local
    written = f" ({local:%H:%M} {local.isoformat()[-6:]})" if local else ""
    return f"{article.date:%Y-%m-%d %H:%M} UTC{written}"


@cache
def environment() -> Environment:
    """Templates of ``clustering/publish/templates``; every value autoescaped, ``safe_json`` for scripts."""
    pages = Environment(
        loader=PackageLoader("clustering.publish", "templates"), autoescape=select_autoescape(default=True)
    )
    pages.filters["safe_json"] = script_json
    pages.filters["safe_url"] = safe_url
    pages.filters["when"] = published_when
    pages.globals["unknown_outlet"] = UNKNOWN_OUTLET
    return pages


def story_threads(stories: Iterable[Story]) -> dict[str, list[Story]]:
    """The stories of each thread, oldest first (an undated story last); a story with no thread is in none."""
    threads: dict[str, list[Story]] = {}
    for story in sorted(stories, key=lambda s: (s.first_published is None, s.first_published, s.story_id)):
        if story.thread_id:
            threads.setdefault(story.thread_id, []).append(story)
    return threads
