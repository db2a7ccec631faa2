from datetime import UTC, datetime

import pytest

from clustering.ingest.clean import clean_article, clean_articles, find_agencies, parse_date_line
from clustering.ingest.read import read_inputs
from clustering.records import Article


@pytest.fixture(scope="module")
def cleaned(seeds_dir):
    return {a.id[:3]: clean_article(a) for a in read_inputs([seeds_dir]).articles}


def test_comments_are_kept_out_of_the_body(cleaned):
    assert "5thDrawer" in cleaned["001"].comments
    assert "5thDrawer" not in cleaned["001"].body
    assert "Leave a Reply" not in cleaned["001"].body
    assert "scottincary" in cleaned["004"].comments
    assert "Sykes" not in cleaned["004"].body
    assert cleaned["004"].body.endswith("PMF spokesman Ahmed al-Asadi said.")


def test_furniture_is_cut(cleaned):
    for article in cleaned.values():
        assert "Share:" not in article.body
        assert "min read" not in article.body
    assert "2 min read" in cleaned["000"].furniture
    assert "[Anadolu]" not in cleaned["000"].body
    assert "REUTERS/Stringer" not in cleaned["004"].body
    assert "By Laila Bassam and Angus McDowall" in cleaned["004"].furniture
    assert "via AP" not in cleaned["003"].body
    assert "World Today" not in cleaned["003"].body
    # The caption and its alt text are both furniture; the article starts with its first paragraph.
    assert cleaned["001"].body.startswith("Iran’s shadowy top military commander")
    assert cleaned["004"].body.startswith("BEIRUT (Reuters)")
    # The title line is not repeated in the body.
    assert not cleaned["000"].body.startswith("Iran's General Soleimani spotted")


def test_datelines(cleaned):
    assert cleaned["000"].dateline == datetime(2017, 11, 20, tzinfo=UTC)
    assert cleaned["002"].dateline == datetime(2016, 11, 6, tzinfo=UTC)
    assert cleaned["004"].dateline == datetime(2017, 11, 8, tzinfo=UTC)
    assert cleaned["003"].dateline == datetime(2017, 11, 8, tzinfo=UTC)  # from the caption near the top
    assert cleaned["001"].dateline is None


def test_agency_credits(cleaned):
    assert cleaned["000"].agencies == ("AFP",)
    assert set(cleaned["001"].agencies) == {"AP", "Reuters"}
    assert cleaned["002"].agencies == ()
    assert cleaned["003"].agencies == ()  # "via AP" credits only the photo
    assert cleaned["004"].agencies == ("Reuters",)


def test_original_text_is_untouched(seeds_dir, cleaned):
    assert cleaned["001"].text == (seeds_dir / "001_784272937f8abc39.txt").read_text()


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("20 November, 2017", datetime(2017, 11, 20, tzinfo=UTC)),
        ("November 8, 2017", datetime(2017, 11, 8, tzinfo=UTC)),
        ("Wednesday, Nov. 8th, 2017 10:15 AM", datetime(2017, 11, 8, tzinfo=UTC)),
        ("Updated: 2016-03-01", datetime(2016, 3, 1, tzinfo=UTC)),
        ("The army took the town on November 8, 2017.", None),
        ("February 30, 2017", None),
    ],
)
def test_parse_date_line(line, expected):
    assert parse_date_line(line) == expected


def test_agency_patterns():
    assert find_agencies("BEIRUT (Reuters) - text") == ("Reuters",)
    assert find_agencies("a source told AFP. Later (AP) said") == ("AFP", "AP")
    assert find_agencies("The Associated Press reported") == ("AP",)
    assert find_agencies("A tap and a cap") == ()


def test_article_of_nothing_but_furniture_is_rejected():
    empty = Article(id="x", text="Share:\n\n2 min read\n\nComments\nGreat article!", origin="x.txt")
    kept, rejects = clean_articles([empty])
    assert kept == []
    assert rejects[0].id == "x"
    assert "no article text left" in rejects[0].reason


def test_body_spans_point_into_the_original_text(cleaned):
    for article in cleaned.values():
        paragraphs = article.body.split("\n\n")
        assert len(paragraphs) == len(article.body_spans)
        for paragraph, (start, end) in zip(paragraphs, article.body_spans, strict=True):
            assert " ".join(article.text[start:end].split()) == paragraph


def test_headline_only_record_keeps_its_headline_as_body():
    headline = "ECB unlikely to end sterilisation of SMP purchases - traders"
    article = clean_article(Article(id="h", text=headline, title=headline))
    assert article.body == headline
    assert article.body_spans == ((0, len(headline)),)
