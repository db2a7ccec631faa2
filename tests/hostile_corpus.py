"""The hostile corpus: each record that once crashed a run or vanished without a reject, in files of every
input format, and the generators of the property test that searches the space around them."""

from __future__ import annotations

import csv
import io
import json
import os
import re
from pathlib import Path
from xml.sax.saxutils import escape

from hypothesis import strategies as st

FINE = "A perfectly fine report about the port of Antwerp reopening after a week-long dock strike."


def _line(record: dict) -> str:
    # ensure_ascii: a lone surrogate is written as its escape, "\ud800", the way other programs write it.
    return json.dumps(record, ensure_ascii=True)


def write_hostile_corpus(folder: Path) -> dict[str, int]:
    """Write the corpus into ``folder``; returns how many records each file holds."""
    folder.mkdir(parents=True, exist_ok=True)
    deep = "[" * 100_000 + "]" * 100_000
    records = [
        {"id": "surrogate-text", "text": f"{FINE} \ud800"},
        {"id": "surrogate-title", "title": "Strike \ud800 ends", "text": FINE},
        {"id": "surrogate-\ud800-id", "text": FINE},
        {"id": "surrogate-source", "source": "\udcff Times", "text": FINE},
        {"id": "surrogate-extra", "text": FINE, "tags": ["port", {"deep": "\ud800"}]},
        {"id": "year-9999", "text": FINE, "published": "9999-12-31T23:59:59-12:00"},
        {"id": "year-1", "text": FINE, "published": "0001-01-01T00:00:00+01:00"},
        {"id": "epoch-huge", "text": FINE, "published": 10**20},
        {"id": "epoch-negative", "text": FINE, "published": -(10**15)},
        {"id": "url-ipv6", "text": FINE, "url": "http://[::1"},
        {"id": "url-port", "text": FINE, "url": "http://example.com:port/x"},
        {"id": "p\x1fq", "text": f"{FINE} Control characters in an id are kept."},
        {"id": "line\u2028break", "title": "A title\x85with a next-line", "text": f"{FINE} Line separators."},
        {"id": "title-list", "title": ["not", "text"], "text": FINE},
        {"id": "ok-jsonl", "text": f"{FINE} It is the only clean record of this file."},
    ]
    lines = [_line(record) for record in records] + [deep, '{"id": "digits", "text": 1' + "0" * 5000 + "}"]
    (folder / "hostile.jsonl").write_text("\n".join(lines) + "\n", encoding="ascii")

    # 1,000 CSV rows, one bad byte in row 901: one reject, 999 articles.
    rows = io.StringIO()
    writer = csv.writer(rows)
    writer.writerow(["id", "title", "text"])
    for number in range(1, 1001):
        writer.writerow([f"row-{number}", f"Row {number}", f"Row {number} of the ledger: {FINE} Entry {number * 7}."])
    data = rows.getvalue().encode("utf-8")
    marker = b"Row 901 of the ledger"
    data = data.replace(marker, b"Row 901 of the \xff ledger")
    (folder / "ledger.csv").write_bytes(data)

    # A file name that is not UTF-8: its id is escaped, the article kept.
    (folder / os.fsdecode(b"caf\xe9.txt")).write_text(f"Caf\u00e9 strike\n\n{FINE}", encoding="utf-8")
    return {"hostile.jsonl": len(lines), "ledger.csv": 1000, "txt": 1, **write_oversized_and_special(folder)}


XHTML = f"""<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">
<html xmlns="http://www.w3.org/1999/xhtml"><head><title>Dock strike spreads</title></head>
<body><article><h1>Dock strike spreads</h1><p>{FINE}</p><p>{FINE} Talks resume on Monday.</p></article></body></html>"""


def write_oversized_and_special(folder: Path) -> dict[str, int]:
    """Records and files over the reading limits, and files that are not regular files: each one reject
    (read no further than its limit, never opened when special); and a well-formed XHTML page, one article.
    Returns how many records each holds."""
    lines = [
        # A megabyte of empty objects in an extra field: about 200,000 values, parsed whole it took GBs.
        _line({"id": "many-values", "text": FINE, "extra": [{}] * 200_000}),
        # Over the 16 MB record limit.
        _line({"id": "huge-line", "text": "word " * 3_400_000}),
    ]
    (folder / "oversized.jsonl").write_text("\n".join(lines) + "\n", encoding="ascii")
    (folder / "big.html").write_text("<html><body><p>" + "x" * 10_500_000 + "</p></body></html>")
    (folder / "xhtml.html").write_text(XHTML, encoding="utf-8")
    os.mkfifo(folder / "pipe.jsonl")  # opened, it would block the run for ever
    (folder / "zero.txt").symlink_to("/dev/zero")  # read, it would never end
    outside = folder.parent / f"{folder.name}-outside.txt"
    outside.write_text(f"Outside\n\n{FINE}", encoding="utf-8")
    (folder / "outside.txt").symlink_to(outside)  # a file beyond the folder given
    return {"oversized.jsonl": 2, "big.html": 1, "xhtml.html": 1, "special": 3}


# The property test's space: every field may be any JSON value, strings hold lone surrogates and control
# characters, dates reach past datetime's bounds, URLs are malformed, extra fields nest.
_hostile_text = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),
        st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),
        st.characters(max_codepoint=0x1F),
    ),
    max_size=60,
)
_prose = st.lists(st.sampled_from([*FINE.split(), "\ud800", "\x00", "\x1f", "é", "中文"]), max_size=40).map(" ".join)
_dates = st.one_of(
    st.none(),
    st.sampled_from(
        [
            "9999-12-31T23:59:59-12:00",
            "0001-01-01T00:00:00+01:00",
            "2017-11-09T10:00:00Z",
            "2017-11-09",
            "1e400",
            "NaN",
            "",
            "-1",
        ]
    ),
    st.integers(min_value=-(10**25), max_value=10**25),
    st.floats(allow_nan=True, allow_infinity=True),
    _hostile_text,
)
_urls = st.one_of(
    st.none(),
    st.sampled_from(["http://[::1", "http://[::1]:80/x", "http://example.com:99999/", "https://x.org/a?b#c", "::"]),
    _hostile_text,
)
_nested = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), _hostile_text),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_hostile_text, inner, max_size=3)),
    max_leaves=8,
)
hostile_records = st.lists(
    st.fixed_dictionaries(
        {"text": st.one_of(_prose, _hostile_text, st.none(), st.integers(), _nested)},
        optional={
            "id": st.one_of(_hostile_text, st.integers(0, 3)),
            "title": st.one_of(_hostile_text, st.none(), _nested),
            "source": st.one_of(_hostile_text, st.none()),
            "url": _urls,
            "published": _dates,
            "extra": _nested,
        },
    ),
    min_size=1,
    max_size=8,
)


def _cell(value: object) -> str:
    return "" if value is None else value if isinstance(value, str) else json.dumps(value, ensure_ascii=True)


_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_text(value: object) -> str:
    """A value as XML text: escaped, without the characters XML 1.0 cannot carry at all."""
    return escape(_XML_ILLEGAL.sub("", _cell(value)))


def write_records(folder: Path, records: list[dict]) -> int:
    """``records`` written five times: as JSONL, as CSV, as one .txt file and one saved web page (.html)
    each (strings that UTF-8 cannot hold written as the bytes a careless encoder makes), and as the items of
    one RSS feed (which, being XML, cannot hold some characters at all: those are left out there); returns
    how many records were written."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "records.jsonl").write_text("".join(_line(record) + "\n" for record in records), encoding="ascii")
    rows = io.StringIO()
    writer = csv.writer(rows)
    writer.writerow(["id", "title", "text", "source", "url", "published"])
    for record in records:
        writer.writerow([_cell(record.get(name)) for name in ("id", "title", "text", "source", "url", "published")])
    (folder / "records.csv").write_bytes(rows.getvalue().encode("utf-8", "surrogatepass"))
    for number, record in enumerate(records):
        content = f"{_cell(record.get('title'))}\n\n{_cell(record.get('text'))}"
        (folder / f"record-{number}.txt").write_bytes(content.encode("utf-8", "surrogatepass"))
        page = (
            f"<html><head><title>{escape(_cell(record.get('title')))}</title></head><body><article>"
            f"<h1>{escape(_cell(record.get('title')))}</h1><p>{escape(_cell(record.get('text')))}</p>"
            "</article></body></html>"
        )
        (folder / f"record-{number}.html").write_bytes(page.encode("utf-8", "surrogatepass"))
    items = "".join(
        f"<item><guid>item-{number}</guid><title>{_xml_text(record.get('title'))}</title>"
        f"<link>{_xml_text(record.get('url'))}</link><description>{_xml_text(record.get('text'))}</description></item>"
        for number, record in enumerate(records)
    )
    feed = (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Feed</title>{items}</channel></rss>'
    )
    (folder / "records.rss").write_text(feed, encoding="utf-8")
    return 5 * len(records)
