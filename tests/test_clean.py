import re
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clustering.ingest.clean import _lines_with_spans, clean_article, clean_or_reject, find_agencies
from clustering.ingest.dates import parse_date_line
from clustering.ingest.line_kinds import _words, normalised
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


def test_a_paragraph_opening_with_a_comments_heading_s_words_is_not_the_comments():
    lead = "Join the conversation about the new bridge, the council said. Work starts in May on the east bank."
    heading = "The council approved the bridge on Tuesday after a two-year review of its cost.\n\nJoin the conversation"
    kept = clean_article(Article(id="a", text=f"{lead}\n\nThe vote was 7 to 2."))
    assert kept.body.startswith("Join the conversation about") and not kept.comments
    cut = clean_article(Article(id="b", text=f"{heading}\n\nGreat news for the town!"))
    assert cut.comments == "Join the conversation\nGreat news for the town!"


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
    assert cleaned["000"].agencies == ("AFP", "SANA")  # "State news agency SANA also reported…"
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
    kept, rejects = clean_or_reject([empty])
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


LEAD = "Rescuers worked through the night at the collapsed school in Amatrice, officials said on Monday."


@pytest.mark.parametrize(
    "line",
    [
        "Image copyright Getty Images Image caption Rescuers have spent days trying to reach the boy",
        "Enlarge this image toggle caption Alastair Grant/AP Alastair Grant/AP",
        "FILE - In this May 18, 2017 file photo, the actress poses for photographers. (Alastair Grant/AP)",
        "The app was removed from the store after the company found inappropriate content Dado Ruvic/Reuters",
        "Research found teens spend nine hours a day on media. Photograph: Graeme Robertson for the Guardian",
        "Photos: Mass shooting at a music festival Police take position outside the hotel. Hide Caption 8 of 30",
        "Play Video 0:53",
        "Justin Timberlake's Super Bowl show: a flashy medley of hits 3 / 5 stars",
        "Updated: 2016-07-15 06:50 (Xinhua)",
        "PUBLISHED: 02:31 GMT, 12 March 2013 | UPDATED: 22:19 GMT, 12 March 2013",
        "Copyright 2018 The Associated Press. All rights reserved. This material may not be published.",
        "© 2017 NPR. Visit our website terms of use and permissions pages for further information.",
        "Read or Share this story: https://usat.ly/2Cc6gQo",
        "Lloyds Bank bans customers from buying bitcoins using credit cards Read more",
        "CLOSE A group of tech experts founded an organization to raise awareness. Buzz60",
    ],
)
def test_captions_credits_widgets_and_stamps_are_furniture_by_shape(line):
    article = clean_article(Article(id="a", text=f"{line}\n{LEAD}"))
    assert article.body == LEAD
    assert [article.text[start:end] for start, end in article.furniture_spans] == [line]


@pytest.mark.parametrize(
    "line",
    [
        "9/11 changed how the city guards its schools, the mayor said in a speech on Monday.",
        "Copyright law reform was debated in parliament for the third time this year.",
        "Children who play video games for hours were studied by the university team.",
        "Tramlink confirmed no trams are running between Reeves Corner and Addington Village/Harrington Road.",
        "Published accounts of the rescue differ on how many children were inside when the roof fell.",
        "Video accompanying the article online shows the actress struggling to control the car.",
    ],
)
def test_prose_that_holds_a_furniture_word_stays(line):
    article = clean_article(Article(id="a", text=f"{LEAD}\n{line}"))
    assert article.body == f"{LEAD}\n\n{line}"


def test_a_page_header_restating_the_title_is_furniture_but_a_lead_opening_with_it_is_not():
    title = "Former Facebook and Google workers launch campaign to fight tech addiction"
    header = f"Technology {title} Campaign to highlight the harm of digital platforms"
    lead = f"{title}. The campaign will lobby lawmakers in Washington."
    article = clean_article(Article(id="a", title=title, text=f"{header}\n{lead}"))
    assert article.body == lead


def test_a_page_of_one_paragraph_that_opens_with_the_title_is_that_paragraph():
    """A scraper that puts the title before the text on one line: not a header, but the whole article (34
    of SemEval's 2,419 articles were left with no text)."""
    title = "Easyjet to cut up to 30 percent of jobs because of the crisis"
    text = (
        f"{title} LUTON (dpa-AFX) - The British low-cost airline easyJet wants to cut up to 30 percent of its jobs "
        "because of the corona crisis. The fleet is also to shrink at first instead of growing, the airline "
        "said on Thursday in Luton near London. More on page 4 /~/media/Files/E/Easyjet/pdf/investors/h1-update"
    )
    article = clean_article(Article(id="a", title=title, text=text))
    assert article.body == text and article.furniture_spans == ()


def test_a_photo_gallery_keeps_its_captions_as_its_text():
    captions = [
        "Photos: Shocking celebrity splits The comic and the actor broke up after four years. Hide Caption 1 of 40",
        "Photos: Shocking celebrity splits The singer and the producer split in 2016. Hide Caption 2 of 40",
    ]
    article = clean_article(Article(id="a", title="Comic and actor split", text="\n".join(captions)))
    assert article.body == "\n\n".join(captions) and article.furniture_spans == ()


@given(st.text(alphabet=st.sampled_from("ab \t\n\r\x0b\x0c\xa0\u2009\u3000\u2028\x85é")))
def test_the_lines_cleaning_reads_have_their_words_counted_by_their_spaces(text):
    assert all(_words(line) == len(line.split()) for line, _ in _lines_with_spans(text))


# Letters, digits, white space, ASCII and typographic punctuation, accented and other scripts' letters.
_LINE_CHARACTERS = st.sampled_from(list("aZ9_ .,;:'\"-/()!?\t’‘“”—–…«»\u00a0éÉßİıΣσ中文ا\u0307"))


@given(st.text(_LINE_CHARACTERS, max_size=60) | st.text(max_size=60))
def test_normalised_is_the_lowered_words_joined_by_single_spaces(line):
    assert normalised(line) == " ".join(re.findall(r"\w+", line.lower()))
