"""Dates written in a page's text: a dateline ("20 November, 2017", "Nov 8, 2017 10:15 AM") and the first
full date mentioned near the top, which bound an article's publication date when no field gives it."""

from __future__ import annotations

import re
from datetime import UTC, datetime

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d{2})"
_WEEKDAY = r"(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+)?"
_DATE_FORMS = [
    re.compile(_WEEKDAY + _DAY + r"\s+" + _MONTH + r",?\s+" + _YEAR, re.IGNORECASE),
    re.compile(_WEEKDAY + _MONTH + r"\s+" + _DAY + r",?\s+" + _YEAR, re.IGNORECASE),
    re.compile(r"(?P<year>(?:19|20)\d{2})-(?P<month>\d{2})-(?P<day>\d{2})"),
]
_YEAR_ANYWHERE = re.compile(r"(?:19|20)\d{2}")
# The longest a date runs before its year: "Wednesday, 22 September, 2017".
_DATE_REACH = 40
# A line that is only a date, perhaps with "Published"/"Updated" before it and a time after it.
_DATE_LINE_PREFIX = re.compile(r"^(?:(?:published|updated|posted)(?:\s+on)?:?\s*)?", re.IGNORECASE)
_DATE_LINE_SUFFIX = re.compile(
    r"^[\s,|/-]*(?:\d{1,2}[:.]\d{2}(?:\s*[ap]\.?m\.?)?(?:\s*[A-Z]{2,4})?)?\s*$", re.IGNORECASE
)


def parse_date_line(line: str) -> datetime | None:
    """The date of a line that holds nothing but a date ("20 November, 2017", "Nov 8, 2017 10:15 AM")."""
    stripped = _DATE_LINE_PREFIX.sub("", line.strip())
    for form in _DATE_FORMS:
        match = form.match(stripped)
        if not match or not _DATE_LINE_SUFFIX.match(stripped[match.end() :]):
            continue
        month = match["month"]
        month_number = int(month) if month.isdigit() else _MONTHS[month.lower()]
        try:
            return datetime(int(match["year"]), month_number, int(match["day"]), tzinfo=UTC)
        except ValueError:
            return None
    return None


def first_date_in(text: str) -> datetime | None:
    """The first full date (day, month and year) mentioned anywhere in ``text``."""
    # Every date form ends in its year: search just before each year, not from every character (10x faster).
    matches = []
    for year in _YEAR_ANYWHERE.finditer(text):
        window = (max(0, year.start() - _DATE_REACH), year.end())
        matches += [match for form in _DATE_FORMS if (match := form.search(text, *window))]
    for match in sorted(matches, key=lambda match: match.start()):
        date = parse_date_line(match.group(0))
        if date is not None:
            return date
    return None
