"""The one Jinja2 environment every page is rendered with: the package's templates, autoescaped."""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup


def script_json(text: str) -> Markup:
    """JSON that is safe inside a <script> element: no "<", ">" or "&" that could end it."""
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


@cache
def environment() -> Environment:
    """Templates of ``clustering/publish/templates``; every value autoescaped, ``safe_json`` for scripts."""
    pages = Environment(
        loader=PackageLoader("clustering.publish", "templates"), autoescape=select_autoescape(default=True)
    )
    pages.filters["safe_json"] = script_json
    return pages
