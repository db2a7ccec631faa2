"""Web pages and feeds: the article fields trafilatura extracts from a saved or fetched page (within size
and time limits), and the fields of each item of an RSS or Atom feed."""

from __future__ import annotations

import contextlib
import email.utils
from datetime import UTC, datetime

from clustering.config import ReadConfig
from clustering.ingest.deadline import DeadlineError, call_with_deadline


def _extracted(content: bytes | str) -> dict[str, object] | None:
    import trafilatura

    # The page's time too where its metadata gives one (htmldate's default keeps the day alone).
    dates = {"outputformat": "%Y-%m-%dT%H:%M:%S%z", "original_date": True}
    page = trafilatura.bare_extraction(
        content, with_metadata=True, include_comments=False, date_extraction_params=dates
    )
    if page is None or not (page.text or "").strip():
        return None
    published = page.date
    if published and published.endswith("T00:00:00"):  # no zone and no time: the page gave a day
        published = published.removesuffix("T00:00:00")
    return {"title": page.title, "text": page.text, "source": page.sitename, "url": page.url, "published": published}


# Pages up to this size are extracted in this process: 0.6 s at most measured (a megabyte of article
# text); a larger one gets a child process of its own, killed at ``max_extract_seconds``.
_EXTRACTED_HERE_BYTES = 1_000_000


class PageError(ValueError):
    """A page whose article cannot be extracted within the limits: too large, or too slow."""


def page_fields(content: bytes | str, config: ReadConfig = ReadConfig()) -> dict[str, object] | None:
    """Article fields of one web page, as trafilatura extracts them from the page furniture; ``None``
    when the page holds no article text. ``PageError`` for a page over ``config.max_file_bytes``, or
    whose extraction takes longer than ``config.max_extract_seconds``."""
    if len(content) > config.max_file_bytes:
        raise PageError(f"page is over the limit of {config.max_file_bytes:,} bytes")
    try:
        if len(content) <= _EXTRACTED_HERE_BYTES:
            return _extracted(content)
        return call_with_deadline(_extracted, content, config.max_extract_seconds)
    except DeadlineError as error:
        raise PageError(f"extracting the article took over {config.max_extract_seconds:g} s") from error
    except Exception as error:  # the extractor failing on one page fails that page, not the run
        raise PageError(f"the page could not be read: {type(error).__name__}: {error}") from error


def _plain_text(html: str) -> str:
    """The text of an HTML fragment (a feed item's summary or content)."""
    from lxml import html as lxml_html

    if not html.strip():
        return ""
    return lxml_html.fragment_fromstring(html, create_parent="div").text_content().strip()


class FeedError(ValueError):
    """Content that is not a readable RSS or Atom feed."""


def _entry_date(entry: dict) -> str | None:
    """An item's date as the feed wrote it, its zone kept (RSS's RFC 822 "Tue, 06 Feb 2018 14:05:00 +0100",
    Atom's ISO 8601); else feedparser's reading of it, in UTC."""
    written = entry.get("published") or entry.get("updated")
    if written:
        with contextlib.suppress(TypeError, ValueError):
            return email.utils.parsedate_to_datetime(written).isoformat()
        with contextlib.suppress(ValueError):
            return datetime.fromisoformat(written.strip()).isoformat()
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    return datetime(*parsed[:6], tzinfo=UTC).isoformat() if parsed else None


def feed_items(content: bytes) -> list[dict[str, object]]:
    """The article fields of each item of an RSS or Atom feed, its text from the item's content or summary."""
    import feedparser

    feed = feedparser.parse(content)
    if feed.bozo and not any(entry.get("title") or entry.get("link") for entry in feed.entries):
        raise FeedError(f"not a readable RSS/Atom feed: {feed.bozo_exception}")
    outlet = feed.feed.get("title")
    items = []
    for entry in feed.entries:
        content_parts = entry.get("content") or [{}]
        items.append(
            {
                "id": entry.get("id") or entry.get("link"),
                "title": entry.get("title"),
                "text": _plain_text(content_parts[0].get("value") or entry.get("summary", "")),
                "source": outlet,
                "url": entry.get("link"),
                "published": _entry_date(entry),
            }
        )
    return items
