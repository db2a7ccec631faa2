import json
from datetime import UTC, datetime

import pytest

from clustering.ingest.read import InputError, parse_date, read_inputs


def test_seed_folder_reads_title_and_id(seeds_dir):
    result = read_inputs([seeds_dir])
    assert [a.id for a in result.articles] == [
        "000_8fe064ee60233dcc",
        "001_784272937f8abc39",
        "002_b078ee98dac8c13e",
        "003_73de7036e52b0233",
        "004_5a81d56bc7aaeb59",
    ]
    first = result.articles[0]
    assert first.title == "Iran's General Soleimani spotted with Iraqi fighters in Syria"
    assert first.text == (seeds_dir / "000_8fe064ee60233dcc.txt").read_text()
    assert result.rejects == []


def test_jsonl_fields_defaults_and_rejects(tmp_path):
    path = tmp_path / "feed.jsonl"
    lines = [
        json.dumps({"id": "a", "title": "T", "text": "Body one.", "source": "Wire", "published": "2017-11-08"}),
        json.dumps({"text": "No id here."}),
        "",
        "{not json",
        json.dumps({"id": "c", "text": "   "}),
        json.dumps({"id": "d", "text": "Bad date.", "published": "next Tuesday"}),
        json.dumps(["a list"]),
        json.dumps({"id": "a", "text": "Same id, other text."}),
        json.dumps({"id": "e", "title": "no text"}),
    ]
    path.write_text("\n".join(lines) + "\n")
    result = read_inputs([path])
    assert [a.id for a in result.articles] == ["a", "feed:2"]
    article = result.articles[0]
    assert (article.source, article.title) == ("Wire", "T")
    assert article.published == datetime(2017, 11, 8, tzinfo=UTC)
    reasons = {(r.id, r.line): r.reason for r in result.rejects}
    assert reasons[(None, 4)].startswith("malformed JSON")
    assert reasons[("c", 5)] == "empty text"
    assert "unparseable 'published'" in reasons[("d", 6)]
    assert reasons[(None, 7)] == "line is not a JSON object"
    assert reasons[("a", None)].startswith("duplicate id 'a'")
    assert reasons[("e", 9)] == "no 'text' field"
    # Nothing lost: every non-blank line is an article or a reject.
    assert len(result.articles) + len(result.rejects) == 8


def test_csv_with_extra_columns_and_epoch_dates(tmp_path):
    path = tmp_path / "feed.csv"
    path.write_text("id,title,text,published\n1,One,First text,1394470501265\n2,Two,Second,x,extra\n")
    result = read_inputs([path])
    assert [a.id for a in result.articles] == ["1"]
    assert result.articles[0].published == datetime(2014, 3, 10, 16, 55, 1, 265000, tzinfo=UTC)
    assert [r.reason for r in result.rejects] == ["more columns than the header"]


def test_unreadable_and_binary_files_are_rejected_not_fatal(tmp_path):
    (tmp_path / "good.txt").write_text("Title\n\nSome body text.")
    (tmp_path / "binary.txt").write_bytes(b"\xff\xfe\x00bad")
    result = read_inputs([tmp_path])
    assert [a.id for a in result.articles] == ["good"]
    assert result.rejects[0].reason.startswith("not UTF-8 text")


def test_bad_paths_raise_clear_errors(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_inputs([tmp_path / "missing"])
    odd = tmp_path / "report.pdf"
    odd.write_text("%PDF-1.4")
    with pytest.raises(InputError, match="unsupported file type"):
        read_inputs([odd])


def test_parse_date_forms():
    assert parse_date("2017-11-08T10:00:00+02:00") == datetime(2017, 11, 8, 8, tzinfo=UTC)
    assert parse_date("2017-11-08T10:00:00Z") == datetime(2017, 11, 8, 10, tzinfo=UTC)
    assert parse_date(1510099200) == datetime(2017, 11, 8, tzinfo=UTC)
    assert parse_date("") is None
    with pytest.raises(ValueError):
        parse_date("8/11/2017")


PAGE = """<html><head><title>Army takes town | Daily Courier</title>
<meta property="og:site_name" content="Daily Courier">
<meta property="article:published_time" content="2017-11-08T10:00:00+00:00"></head>
<body><nav>Home | World | Sport</nav><div class="share">Share: Twitter Facebook</div>
<article><h1>Army takes town</h1>
<p>The army took the border town of Albu Kamal on Wednesday, a commander in the alliance said, after weeks of
fighting along the Euphrates river.</p>
<p>Residents who fled the fighting said they hoped to return soon, once engineers had cleared the streets of
mines and explosives left behind.</p></article>
<footer>Copyright Daily Courier. All rights reserved.</footer></body></html>"""

FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Wire Feed</title><link>https://wire.example/</link>
<item><title>Quake hits island</title><link>https://wire.example/quake</link><guid>wire-1</guid>
<pubDate>Sun, 27 Nov 2005 10:22:00 GMT</pubDate>
<description>&lt;p&gt;A strong &lt;b&gt;earthquake&lt;/b&gt; struck the island of Qeshm.&lt;/p&gt;</description></item>
<item><title>Empty item</title><link>https://wire.example/empty</link><description></description></item>
</channel></rss>"""


def test_saved_web_page_is_extracted_without_its_furniture(tmp_path):
    (tmp_path / "page.html").write_text(PAGE)
    (tmp_path / "blank.html").write_text("<html><body></body></html>")
    result = read_inputs([tmp_path])
    (article,) = result.articles
    assert article.id == "page" and article.title.startswith("Army takes town")
    assert "Albu Kamal" in article.text and "Copyright" not in article.text and "Share:" not in article.text
    assert article.published == datetime(2017, 11, 8, tzinfo=UTC)
    assert [r.reason for r in result.rejects] == ["no article text found in the page"]


def test_rss_items_become_articles(tmp_path):
    (tmp_path / "wire.rss").write_text(FEED)
    (tmp_path / "broken.xml").write_text("<rss><channel><item>")
    result = read_inputs([tmp_path])
    (article,) = result.articles
    assert (article.id, article.title, article.source) == ("wire-1", "Quake hits island", "Wire Feed")
    assert article.text == "A strong earthquake struck the island of Qeshm."
    assert article.url == "https://wire.example/quake"
    assert article.published == datetime(2005, 11, 27, 10, 22, tzinfo=UTC)
    reasons = sorted(r.reason for r in result.rejects)
    assert reasons[0] == "empty text" and reasons[1].startswith("not a readable RSS/Atom feed")
