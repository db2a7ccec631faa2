"""The one Jinja2 environment every page is rendered with: the package's templates, autoescaped."""

from __future__ import annotations

from functools import cache
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from clustering.records import UNKNOWN_OUTLET


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


@cache
def environment() -> Environment:
    """Templates of ``clustering/publish/templates``; every value autoescaped, ``safe_json`` for scripts."""
    pages = Environment(
        loader=PackageLoader("clustering.publish", "templates"), autoescape=select_autoescape(default=True)
    )
    pages.filters["safe_json"] = script_json
    pages.filters["safe_url"] = safe_url
    pages.globals["unknown_outlet"] = UNKNOWN_OUTLET
    return pages
