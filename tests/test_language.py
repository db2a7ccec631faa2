"""Each article's language: detected by cleaning, stored, published, and a filter of the dashboard."""

from hypothesis import given, settings
from hypothesis import strategies as st

from clustering.ingest.clean import clean_article
from clustering.ingest.language import UNDETERMINED, detect_language
from clustering.records import Article

REPORTS = {
    "en": "A gunman opened fire on a crowd at a country music festival in Las Vegas, killing at least 50 people.",
    "fr": "Un tireur a ouvert le feu sur la foule lors d'un festival de musique country à Las Vegas, faisant au "
    "moins 50 morts.",
    "de": "Ein Schütze hat bei einem Country-Musikfestival in Las Vegas das Feuer auf die Menge eröffnet und "
    "mindestens 50 Menschen getötet.",
    "ar": "فتح مسلح النار على حشد في مهرجان لموسيقى الريف في لاس فيغاس مما أسفر عن مقتل 50 شخصا على الأقل.",
    "zh": "一名枪手在拉斯维加斯的一个乡村音乐节上向人群开枪，造成至少50人死亡。",
    "ru": "Стрелок открыл огонь по толпе на фестивале кантри-музыки в Лас-Вегасе, погибли не менее 50 человек.",
}


def test_the_language_of_a_report_in_each_script():
    assert {language: detect_language(text) for language, text in REPORTS.items()} == {
        language: language for language in REPORTS
    }


def test_a_text_without_letters_has_no_language():
    assert detect_language("") == UNDETERMINED
    assert detect_language("2017-10-02 12:00 — 59 / 527 %") == UNDETERMINED


def test_a_headline_too_short_to_tell_has_no_language():
    """Two words give the identifier no majority (it leans to Kannada here): not sure is said, not a guess."""
    assert detect_language("Bond default") == UNDETERMINED
    assert detect_language("Bond default: the company missed a coupon payment on its bonds due in 2019.") == "en"


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_any_text_gets_a_code(text):
    language = detect_language(text)
    assert language == UNDETERMINED or (language.isascii() and language.isalpha() and language.islower())


def test_cleaning_finds_the_language_of_title_and_body_and_the_store_keeps_it():
    article = Article("de-1", "Share this article\n\n" + REPORTS["de"], title="Schüsse in Las Vegas")
    cleaned = clean_article(article)
    assert cleaned.language == "de"
    stored = Article.from_json(cleaned.to_json(), cleaned.cleaning_json())
    assert stored.language == "de" and stored == cleaned


def test_keywords_leave_out_the_common_words_of_the_storys_language():
    from clustering.stories.keywords import describe_keywords
    from clustering.stories.sentences import first_sentences

    bodies = [
        "Der Kurs des Bitcoin ist am Montag um ein Fünftel gefallen. Die Aufsicht in Peking untersagte den Handel.",
        "Der Bitcoin verlor am Montag ein Fünftel. Die Börsen in Peking müssen den Handel einstellen.",
    ]
    candidates = ["der", "die", "bitcoin", "peking", "handel"]
    sentences = [first_sentences(body, 40) for body in bodies]
    in_german = describe_keywords(candidates, sentences, 5, "de")
    assert "Bitcoin" in in_german and not {"Der", "der", "Die", "die"} & set(in_german)
    # Read as English, "der" and "die" are rare words, and would be keywords.
    assert {"der", "die"} & {keyword.lower() for keyword in describe_keywords(candidates, sentences, 5)}
