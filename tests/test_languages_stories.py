"""Stories across languages: the same event reported in English, French, German and Arabic is one story;
different events of one day stay apart, in any language."""

import json
import re

import pytest

# Three events of 2 October 2017, each reported by an outlet in four languages. Written for this test.
EVENTS = {
    "shooting": {
        "en": (
            "Gunman kills dozens at Las Vegas country music festival",
            "A gunman opened fire from the 32nd floor of the Mandalay Bay hotel on a crowd of 22,000 people at a "
            "country music festival in Las Vegas on Sunday night, killing at least 58 people and wounding more "
            "than 500, police said. The shooter, a 64-year-old local man named Stephen Paddock, was found dead "
            "in his room when officers broke in. Police found 23 guns in the hotel suite.",
        ),
        "fr": (
            "Un tireur tue des dizaines de personnes lors d'un festival de musique country à Las Vegas",
            "Un tireur a ouvert le feu dimanche soir depuis le 32e étage de l'hôtel Mandalay Bay sur une foule de "
            "22 000 personnes réunies pour un festival de musique country à Las Vegas, tuant au moins 58 "
            "personnes et en blessant plus de 500, selon la police. Le tireur, Stephen Paddock, un homme de 64 "
            "ans de la région, a été retrouvé mort dans sa chambre. La police a découvert 23 armes dans la suite.",
        ),
        "de": (
            "Schütze tötet Dutzende Menschen bei Country-Festival in Las Vegas",
            "Ein Schütze hat am Sonntagabend aus dem 32. Stock des Hotels Mandalay Bay auf eine Menge von 22.000 "
            "Menschen bei einem Country-Musikfestival in Las Vegas geschossen und mindestens 58 Menschen getötet "
            "und mehr als 500 verletzt, teilte die Polizei mit. Der Schütze, der 64-jährige Stephen Paddock aus "
            "der Gegend, wurde tot in seinem Zimmer gefunden. Die Polizei fand 23 Waffen in der Suite.",
        ),
        "ar": (
            "مسلح يقتل العشرات في مهرجان لموسيقى الريف في لاس فيغاس",
            "فتح مسلح النار مساء الأحد من الطابق الثاني والثلاثين في فندق ماندالاي باي على حشد من 22 ألف شخص "
            "في مهرجان لموسيقى الريف في لاس فيغاس، مما أسفر عن مقتل 58 شخصا على الأقل وإصابة أكثر من 500، "
            "بحسب الشرطة. وعثر على مطلق النار ستيفن بادوك، وهو رجل محلي يبلغ من العمر 64 عاما، ميتا في غرفته. "
            "وعثرت الشرطة على 23 قطعة سلاح في الجناح.",
        ),
    },
    "crash": {
        "en": (
            "Bitcoin plunges 20 percent as China moves to shut exchanges",
            "The price of bitcoin fell by a fifth on Monday, its steepest one-day drop in two years, after "
            "Chinese regulators ordered the country's cryptocurrency exchanges to stop trading. The digital "
            "currency slid from about 4,900 dollars to below 3,900 dollars, wiping tens of billions of dollars off "
            "its market value, as investors rushed to sell before the Beijing deadline.",
        ),
        "fr": (
            "Le bitcoin chute de 20 % après la fermeture des plateformes chinoises",
            "Le cours du bitcoin a perdu un cinquième de sa valeur lundi, sa plus forte baisse en une journée "
            "depuis deux ans, après que les régulateurs chinois ont ordonné aux plateformes d'échange de "
            "cryptomonnaies du pays de cesser leurs activités. La monnaie numérique est passée d'environ 4 900 "
            "dollars à moins de 3 900 dollars, les investisseurs se précipitant pour vendre avant l'échéance "
            "fixée par Pékin.",
        ),
        "de": (
            "Bitcoin stürzt um 20 Prozent ab, weil China Börsen schließt",
            "Der Kurs des Bitcoin ist am Montag um ein Fünftel gefallen, der stärkste Tagesverlust seit zwei "
            "Jahren, nachdem die chinesischen Aufsichtsbehörden den Kryptowährungsbörsen des Landes den Handel "
            "untersagt hatten. Die Digitalwährung rutschte von etwa 4.900 Dollar auf unter 3.900 Dollar, da "
            "Anleger vor Ablauf der Frist aus Peking eilig verkauften.",
        ),
        "ar": (
            "البيتكوين يهوي 20 بالمئة بعد إغلاق الصين منصات التداول",
            "هبط سعر البيتكوين بمقدار الخمس يوم الاثنين، في أكبر تراجع له في يوم واحد منذ عامين، بعد أن أمرت "
            "الجهات التنظيمية الصينية منصات تداول العملات المشفرة في البلاد بوقف التداول. وتراجعت العملة "
            "الرقمية من نحو 4900 دولار إلى أقل من 3900 دولار، مع تسارع المستثمرين إلى البيع قبل انتهاء "
            "المهلة التي حددتها بكين.",
        ),
    },
    "missile": {
        "en": (
            "North Korea fires ballistic missile over Japan",
            "North Korea launched a ballistic missile early on Monday that flew over the northern Japanese island "
            "of Hokkaido before falling into the Pacific Ocean, Japan's defence ministry said. Residents received "
            "text alerts telling them to take shelter. The missile travelled about 3,700 kilometres and reached "
            "an altitude of 770 kilometres, South Korea's military said.",
        ),
        "fr": (
            "La Corée du Nord tire un missile balistique au-dessus du Japon",
            "La Corée du Nord a lancé lundi matin un missile balistique qui a survolé l'île japonaise de Hokkaido "
            "avant de tomber dans l'océan Pacifique, a indiqué le ministère japonais de la Défense. Les habitants "
            "ont reçu des alertes leur demandant de se mettre à l'abri. Le missile a parcouru environ 3 700 "
            "kilomètres et atteint une altitude de 770 kilomètres, selon l'armée sud-coréenne.",
        ),
        "de": (
            "Nordkorea feuert ballistische Rakete über Japan ab",
            "Nordkorea hat am Montagmorgen eine ballistische Rakete abgefeuert, die über die nordjapanische "
            "Insel Hokkaido flog und dann in den Pazifik stürzte, teilte das japanische Verteidigungsministerium "
            "mit. Die Bewohner erhielten Warnungen, sich in Sicherheit zu bringen. Die Rakete flog etwa 3700 "
            "Kilometer weit und erreichte eine Höhe von 770 Kilometern, so das südkoreanische Militär.",
        ),
        "ar": (
            "كوريا الشمالية تطلق صاروخا بالستيا فوق اليابان",
            "أطلقت كوريا الشمالية صباح الاثنين صاروخا بالستيا حلق فوق جزيرة هوكايدو اليابانية الشمالية قبل أن "
            "يسقط في المحيط الهادئ، بحسب وزارة الدفاع اليابانية. وتلقى السكان رسائل تحذير تطلب منهم الاحتماء. "
            "وقطع الصاروخ نحو 3700 كيلومتر ووصل إلى ارتفاع 770 كيلومترا، بحسب الجيش الكوري الجنوبي.",
        ),
    },
}
OUTLETS = {"en": "Daily Courier", "fr": "Le Quotidien", "de": "Tagesblatt", "ar": "الصحيفة"}


@pytest.fixture(scope="module")
def four_languages(tmp_path_factory):
    folder = tmp_path_factory.mktemp("in")
    records = [
        {
            "id": f"{event}-{language}",
            "title": title,
            "text": text,
            "source": OUTLETS[language],
            "published": "2017-10-02",
        }
        for event, reports in EVENTS.items()
        for language, (title, text) in reports.items()
    ]
    (folder / "feed.jsonl").write_text("".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records))
    return folder / "feed.jsonl"


def test_the_same_event_in_four_languages_is_one_story_and_events_of_one_day_stay_apart(four_languages, tmp_path):
    from typer.testing import CliRunner

    from flows.cli import app

    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", str(four_languages), "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in (out / "articles.jsonl").read_text().splitlines()]
    assert {row["id"]: row["language"] for row in rows} == {
        f"{event}-{language}": language for event in EVENTS for language in OUTLETS
    }
    stories: dict[str, set[str]] = {}
    for row in rows:
        stories.setdefault(row["story_id"], set()).add(row["id"])
    assert sorted(map(sorted, stories.values())) == sorted(
        sorted(f"{event}-{language}" for language in OUTLETS) for event in EVENTS
    )
    # Described in one language, English where the story has it: headline, summary and keywords; and the
    # headline of each other language beside it.
    english = {reports["en"][0]: reports["en"][1] for reports in EVENTS.values()}
    for story in json.loads((out / "stories.json").read_text()):
        assert story["headline"] in english and story["language"] == "en"
        event = next(name for name, reports in EVENTS.items() if reports["en"][0] == story["headline"])
        assert dict(story["headlines"]) == {language: EVENTS[event][language][0] for language in ("fr", "de", "ar")}
        sentences = re.split(r"(?<=\.) ", story["summary"])
        assert sentences and all(sentence in english[story["headline"]] for sentence in sentences)
        assert all(keyword.lower() in english[story["headline"]].lower() for keyword in story["keywords"])
    # The API and the story's page carry them too.
    from fastapi.testclient import TestClient

    from clustering.publish.dashboard import create_app

    client = TestClient(create_app(out), base_url="http://localhost")
    listed = client.get("/api/stories", params={"language": "ar"}).json()["stories"]
    assert len(listed) == 3 and all(story["languages"] == ["ar", "de", "en", "fr"] for story in listed)
    shooting = next(story for story in listed if story["headline"] == EVENTS["shooting"]["en"][0])
    assert shooting["language"] == "en" and dict(shooting["headlines"])["de"] == EVENTS["shooting"]["de"][0]
    page = client.get(f"/story/{shooting['story_id']}").text
    assert '<h1 lang="en">' in page and f'<li lang="ar"><code>ar</code> {EVENTS["shooting"]["ar"][0]}</li>' in page


def test_a_story_without_english_is_described_in_the_language_most_of_it_is_in():
    from clustering.records import Article
    from clustering.stories.summarize import summary_language

    def article(identifier: str, language: str) -> Article:
        return Article(identifier, "text", language=language)

    story = [article("a", "fr"), article("b", "de"), article("c", "de"), article("d", "")]
    assert [a.id for a in summary_language(story, ("en",))] == ["b", "c"]
    assert [a.id for a in summary_language(story, ("fr", "en"))] == ["a"]
    tie = [article("a", "fr"), article("b", "de")]
    assert [a.id for a in summary_language(tie, ("en",))] == ["a"]  # the earliest article's language
    assert summary_language(story[1:], ("en",)) == story[1:]  # one language known: all of them


def test_without_the_multilingual_model_language_decides(four_languages):
    """The failure the multilingual model fixes, kept measurable: MiniLM alone does not join the languages."""
    from clustering.config import Config, EmbedConfig
    from clustering.evaluate import evaluate_files

    labelled = four_languages.with_name("labelled.jsonl")
    rows = [json.loads(line) for line in four_languages.read_text().splitlines()]
    labelled.write_text("".join(json.dumps({**row, "label": row["id"].split("-")[0]}) + "\n" for row in rows))
    english_only = evaluate_files([labelled], "label", Config(embed=EmbedConfig(multilingual_model="")))
    multilingual = evaluate_files([labelled], "label")
    assert multilingual.scores.pairwise_f1 == 1.0
    assert english_only.scores.pairwise_f1 < 0.6


def test_pairs_with_a_foreign_article_are_compared_by_the_multilingual_model():
    import numpy as np

    from clustering.stories.vectors import article_vectors

    rng = np.random.default_rng(0)
    primary = rng.normal(size=(4, 8)).astype(np.float32)
    multilingual = rng.normal(size=(4, 6)).astype(np.float32)
    primary /= np.linalg.norm(primary, axis=1, keepdims=True)
    multilingual /= np.linalg.norm(multilingual, axis=1, keepdims=True)
    vectors = article_vectors(primary, multilingual, ["en", "de", "und", "fr"], ("en",))
    rows, cols = np.array([0, 0, 1, 0]), np.array([2, 1, 3, 3])
    routed = zip(rows[1:], cols[1:], strict=True)
    expected = [primary[0] @ primary[2], *(multilingual[r] @ multilingual[c] for r, c in routed)]
    assert np.allclose(vectors.cosines(rows, cols), expected)
    # "und" counts as the main model's language; a pair across two known languages is across languages.
    assert vectors.across_languages(rows, cols).tolist() == [False, True, True, True]
    assert vectors[[1, 3]].routed and not vectors[[0, 2]].routed
    # Neighbours from both spaces: every pair of a corpus this small.
    assert len(np.stack(vectors.neighbour_pairs(5), axis=1)) == 6
    # English alone: no multilingual vectors are kept, and every pair is the main model's.
    english = article_vectors(primary, multilingual, ["en", "en", "", "en"], ("en",))
    assert english.multilingual is None and not english.routed
    assert np.allclose(english.cosines(rows, cols), np.einsum("ij,ij->i", primary[rows], primary[cols]))


def test_an_english_run_does_not_load_the_multilingual_model(labelled_seeds, monkeypatch):
    """The second model costs only corpora that hold another language."""
    import clustering.embed.embedding as embedding
    from clustering.evaluate import evaluate_files

    def refuse() -> None:
        raise AssertionError("the multilingual model was loaded for an English corpus")

    monkeypatch.setattr(embedding, "_multilingual_encoder", refuse)
    assert evaluate_files([labelled_seeds], "label").scores.pairwise_f1 == 1.0


def test_a_chinese_story_is_summarised_from_its_sentences(tmp_path):
    """Chinese sentences end in "。" and hold no spaces: they are whole sentences of a countable length."""
    from test_reuse import CHINESE_REPORT
    from typer.testing import CliRunner

    from flows.cli import app

    other = (
        "叙利亚军队周三宣布收复阿布卡迈勒，这是伊斯兰国在叙利亚的最后一个重要据点。"
        "军方发言人说，部队正在清除城内残余的武装分子。分析人士认为，这标志着该组织在叙利亚的领土控制基本结束。"
    )
    records = [
        {"id": "zh1", "title": "叙利亚军队攻占伊斯兰国最后据点", "text": CHINESE_REPORT, "published": "2017-11-09"},
        {"id": "zh2", "title": "叙军收复阿布卡迈勒", "text": other, "published": "2017-11-09"},
    ]
    feed = tmp_path / "feed.jsonl"
    feed.write_text("".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records))
    result = CliRunner().invoke(app, ["run", str(feed), "--out", str(tmp_path / "out"), "--quiet"])
    assert result.exit_code == 0, result.output
    [story] = json.loads((tmp_path / "out" / "stories.json").read_text())
    sentences = story["summary"].split()
    assert len(sentences) >= 2 and all(s.endswith("。") and s in CHINESE_REPORT + other for s in sentences)
    # Keywords are words of the text, cut as Chinese is written: no clause, no lone character.
    assert len(story["keywords"]) >= 3
    assert all(1 < len(keyword) < 8 and keyword in CHINESE_REPORT + other for keyword in story["keywords"])


def test_a_chinese_story_with_latin_names_gets_keywords_without_a_chinese_tokenizer(tmp_path):
    """wordfreq reads Chinese with jieba, an extra not installed: looking a word up through it stopped the
    whole run (ModuleNotFoundError) once a Chinese sentence held five spaced words."""
    from clustering.config import Config
    from clustering.pipeline import Pipeline
    from clustering.storage.workspace import Workspace

    texts = [
        "美国总统 Donald Trump 周三 在 White House 表示，叙利亚军队攻占了阿布卡迈勒。"
        "伊斯兰国失去了在叙利亚的最后据点，指挥官说战斗已经结束。",
        "美国总统 Donald Trump 在 White House 说，伊斯兰国在叙利亚的最后据点阿布卡迈勒已被攻占。"
        "叙利亚军队的指挥官表示，残余的武装分子正在被清除。",
    ]
    records = [
        {"id": f"zh{number}", "title": text[:20], "text": text, "published": "2017-11-09"}
        for number, text in enumerate(texts)
    ]
    result = Pipeline(Workspace(tmp_path / "out"), Config()).run(records=records)
    [story] = result.stories
    assert story.language == "zh" and "Donald Trump" in story.keywords
    assert any(keyword in ("叙利亚", "据点", "伊斯兰国", "指挥官") for keyword in story.keywords)


def test_summary_sentences_in_another_language_are_compared_by_the_multilingual_model(monkeypatch):
    """The main model reads English: Arabic sentences looked alike to it, and the paraphrase check dropped
    sentences of half of SemEval's Arabic summaries."""
    from dataclasses import replace
    from types import SimpleNamespace

    import numpy as np

    from clustering.config import Config
    from clustering.stages import embed as embed_stage

    calls: list[tuple[list[str], str]] = []

    def record(texts, context, embed_shards=None, config=None):
        calls.append((list(texts), config.model))
        return np.ones((len(texts), 3 if config.model == Config().embed.model else 5), dtype=np.float32)

    monkeypatch.setattr(embed_stage, "embed_run_texts", record)
    config = Config()
    vectors = embed_stage.embed_run_sentences(["a", "b", "c"], ["en", "ar", "und"], SimpleNamespace(config=config))
    assert calls == [(["a", "c"], config.embed.model), (["b"], config.embed.multilingual_model)]
    assert [len(vector) for vector in vectors] == [3, 5, 3]
    # Without a multilingual model, the main model reads them all.
    calls.clear()
    english_only = replace(config, embed=replace(config.embed, multilingual_model=""))
    embed_stage.embed_run_sentences(["a", "b"], ["en", "ar"], SimpleNamespace(config=english_only))
    assert calls == [(["a", "b"], config.embed.model)]


def test_a_hindi_storys_keywords_are_whole_words(tmp_path):
    """Words keep their vowel signs: keywords were "बड" and "पह", pieces of "बड़ी" and "पहुंचे"."""
    from clustering.config import Config
    from clustering.pipeline import Pipeline
    from clustering.storage.workspace import Workspace

    text = (
        "दिल्ली में एक बड़ी आग लगी। दमकल विभाग के 200 कर्मचारी मौके पर पहुंचे। "
        "पुलिस आग के कारणों की जांच कर रही है। सैकड़ों लोगों को सुरक्षित निकाला गया।"
    )
    records = [
        {"id": f"hi{n}", "title": "दिल्ली में बड़ी आग", "text": text if n else text + " " + text, "published": "2024-01-01"}
        for n in range(2)
    ]
    [story] = Pipeline(Workspace(tmp_path / "out"), Config()).run(records=records).stories
    assert story.language == "hi" and story.keywords
    words = set(re.findall(r"\S+", re.sub(r"[।.,]", " ", text)))
    assert all(set(keyword.split()) <= words for keyword in story.keywords), story.keywords
