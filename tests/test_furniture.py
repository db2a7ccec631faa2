"""Page furniture learned from the corpus: what an outlet repeats across articles about different things goes;
agency copy that outlets share about one event stays reuse; the store keeps what was learned."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from clustering.config import Config, FurnitureConfig, ReuseConfig
from clustering.ingest.clean import CLEANING_VERSION, clean_article
from clustering.ingest.furniture import FurnitureLearner
from clustering.ingest.furniture_rule import FurnitureRule
from clustering.ingest.shared_copy import _LETTERS, names, rare_words
from clustering.ingest.streaming_furniture import StreamingFurniture
from clustering.pipeline import Pipeline
from clustering.records import Article
from clustering.storage.store import StoryStore
from clustering.words import zipf

# Stories about different things: each its own rare words (names, places).
TOPICS = {
    "ferry": [
        "A ferry capsized off Zanzibar on Tuesday with more than three hundred passengers aboard, officials said.",
        "Divers from Pemba and Unguja searched the wreck through the night as relatives waited at the Malindi jetty.",
        "The Tanzanian transport minister ordered an inquiry into overloading by the ferry operator.",
    ],
    "volcano": [
        "The Eyjafjallajokull volcano sent a plume of ash over Reykjavik, grounding flights across Iceland.",
        "Geologists at the Icelandic Meteorological Office said magma was rising beneath the glacier.",
        "Farmers near Hvolsvollur moved sheep to shelters as ash settled on the pastures.",
    ],
    "chess": [
        "Magnus Carlsen retained his chess crown in Sochi after a marathon tiebreak against Viswanathan Anand.",
        "The Norwegian grandmaster sacrificed a bishop in the Berlin defence to force a decisive endgame.",
        "Fans in Tromso watched the final game on a giant screen in the town square.",
    ],
    "vineyard": [
        "Hailstorms shredded vineyards across Burgundy, leaving growers in Meursault and Pommard counting losses.",
        "Winemakers said the chardonnay harvest could fall by half after the third storm in a fortnight.",
        "Insurers in Dijon expect claims from hundreds of domaines along the Cote d'Or.",
    ],
}
# One outlet's furniture: a newsletter box that reads as prose, and a footer.
BOX = (
    "Get our morning briefing delivered to your inbox. Enter your email address to sign up. "
    "You can unsubscribe at any time from the Harbor Gazette. By signing up you agree to receive occasional "
    "updates and special offers for the products and services of the Harbor Gazette and its partners. "
    "Thank you for subscribing; an error has occurred, please try again later."
)
FOOTER = "Harbor Gazette Media 2016. Reproduction without written consent is prohibited."
AGENCY = (
    "Rescuers pulled twelve survivors from the water near Zanzibar, the Tanzanian police commissioner "
    "told the Associated Press, adding that the ferry had been licensed for fewer than two hundred "
    "passengers and that the captain had been detained for questioning in Stone Town."
)


def _page(outlet: str, topic: str, number: int, *, box: bool = True, extra: str = "") -> dict:
    paragraphs = list(TOPICS[topic])
    if extra:
        paragraphs.insert(1, extra)
    if box:
        paragraphs.insert(2, BOX)
        paragraphs.append(FOOTER)
    title = f"{topic.title()} report {number}"
    return {
        "id": f"{outlet}-{topic}-{number}",
        "title": title,
        "text": "\n".join([title, *paragraphs]),
        "source": outlet,
    }


def _article(record: dict) -> Article:
    return clean_article(Article(id=record["id"], text=record["text"], title=record["title"], source=record["source"]))


def _furniture_text(article: Article) -> list[str]:
    return [article.text[start:end] for start, end in article.furniture_spans]


def test_what_one_outlet_repeats_across_unrelated_articles_is_taken_out_and_recorded():
    articles = [_article(_page("gazette.example", topic, 1)) for topic in ("ferry", "volcano", "chess")]
    learner = FurnitureLearner().fit(articles)
    cleaned = learner.transform(articles)
    for before, after in zip(articles, cleaned, strict=True):
        assert after.text == before.text  # the text as read never changes
        assert BOX not in after.body and FOOTER not in after.body
        assert BOX in _furniture_text(after) and FOOTER in _furniture_text(after)
        assert TOPICS[after.id.split("-")[1]][0] in after.body
        assert all(after.text[s:e] in before.body for s, e in after.body_spans)


def test_text_an_outlet_repeats_about_one_thing_is_kept():
    # Two updates of one report by one outlet share paragraphs: that is copy, not furniture.
    first = _article(_page("gazette.example", "ferry", 1, box=False))
    update = _article(_page("gazette.example", "ferry", 2, box=False, extra="Twelve survivors were found."))
    learner = FurnitureLearner().fit([first, update])
    assert learner.furniture_ == {}
    assert learner.transform([first, update]) == [first, update]


def test_an_outlet_seen_once_or_with_too_little_text_learns_nothing():
    single = _article(_page("gazette.example", "ferry", 1))
    assert FurnitureLearner().fit([single]).furniture_ == {}
    stubs = [_article({"id": str(n), "title": "t", "text": f"Short {n}.\n{BOX}", "source": "x"}) for n in range(2)]
    assert FurnitureLearner().fit(stubs).furniture_ == {}  # nothing to tell them apart by: as if one thing


def test_a_short_repeated_piece_inside_a_paragraph_stays():
    # "Mr." or "He said." recur everywhere; only runs of min_run_words words, or whole paragraphs, go.
    records = [_page("gazette.example", topic, 1, box=False) for topic in ("ferry", "volcano")]
    for record in records:
        record["text"] = record["text"].replace("officials said.", "officials said. He said.")
        record["text"] = record["text"].replace("across Iceland.", "across Iceland. He said.")
    articles = [_article(record) for record in records]
    cleaned = FurnitureLearner().fit(articles).transform(articles)
    assert all("He said." in article.body for article in cleaned)


def test_a_run_of_furniture_never_reaches_across_a_paragraph_edge():
    # "He said." ends the paragraph just before the box in two unrelated articles: the box goes, it stays.
    records = [_page("gazette.example", topic, 1) for topic in ("ferry", "volcano", "chess")]
    for record, topic in zip(records, ("ferry", "volcano", "chess"), strict=True):
        record["text"] = record["text"].replace(TOPICS[topic][1], TOPICS[topic][1] + " He said.")
    articles = [_article(record) for record in records]
    cleaned = FurnitureLearner().fit(articles).transform(articles)
    assert all(BOX not in article.body and "He said." in article.body for article in cleaned)


def test_an_article_of_nothing_but_furniture_keeps_its_headline():
    articles = [_article(_page("gazette.example", topic, 1)) for topic in ("ferry", "volcano")]
    only_furniture = _article(
        {"id": "f", "title": "Ferry news", "text": f"Ferry news\n{BOX}", "source": "gazette.example"}
    )
    cleaned = FurnitureLearner().fit(articles).transform([only_furniture])[0]
    assert cleaned.body == "Ferry news"


def _write(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    return path


def test_a_run_keeps_agency_copy_as_reuse_and_drops_furniture_pairs(tmp_path):
    records = [_page("gazette.example", topic, 1) for topic in TOPICS]
    # Two other outlets reprint the same agency copy about the ferry (with the Gazette): reuse that stays.
    records[0]["text"] += "\n" + AGENCY
    records += [
        {**_page(outlet, "ferry", 2, box=False, extra=AGENCY), "title": f"Ferry disaster ({outlet})"}
        for outlet in ("courier.example", "ledger.example")
    ]
    for day, record in enumerate(records, start=10):
        record["published"] = f"2016-03-{day}T10:00:00+00:00"  # who copied whom goes by date
    inputs = [str(_write(tmp_path / "in.jsonl", records))]
    learned = Pipeline(tmp_path / "on", Config(), log=lambda _: None).run(inputs)
    shape_only = Pipeline(tmp_path / "off", Config(furniture=FurnitureConfig(learn=False)), log=lambda _: None)
    unlearned = shape_only.run(inputs)
    outlets_of = {record["id"]: record["source"] for record in records}

    def pairs(folder: Path) -> set[frozenset[str]]:
        rows = [json.loads(line) for line in (folder / "reuse.jsonl").read_text().splitlines()]
        return {frozenset((row["a"], row["b"])) for row in rows}

    gazette = {record["id"] for record in records if record["source"] == "gazette.example"}
    assert any(len(pair & gazette) == 2 for pair in pairs(tmp_path / "off"))  # the box made pairs
    found = pairs(tmp_path / "on")
    assert not any(len(pair & gazette) == 2 for pair in found)
    assert {frozenset(("courier.example-ferry-2", "ledger.example-ferry-2"))} <= found
    assert frozenset(("gazette.example-ferry-1", "courier.example-ferry-2")) in found
    self_credit = [row for row in learned.report.attribution if row["outlet"] == row["source"]]
    assert self_credit == [] and [r for r in unlearned.report.attribution if r["outlet"] == r["source"]]
    assert all(outlets_of[i] for story in learned.stories for i in story.article_ids)


def test_the_store_keeps_what_was_learned_so_one_new_article_is_cleaned_at_once(tmp_path):
    first = [_page("gazette.example", topic, 1) for topic in ("ferry", "volcano", "chess")]
    Pipeline(tmp_path / "out", Config(), log=lambda _: None).run([str(_write(tmp_path / "a.jsonl", first))])
    one = [_page("gazette.example", "vineyard", 1)]
    result = Pipeline(tmp_path / "out", Config(), log=lambda _: None).run([str(_write(tmp_path / "b.jsonl", one))])
    store = StoryStore(tmp_path / "out" / "store.sqlite", CLEANING_VERSION)
    try:
        assert store.furniture()["gazette.example"]
        new = next(article for article in store.articles() if article.id == "gazette.example-vineyard-1")
    finally:
        store.close()
    assert BOX not in new.body and BOX in _furniture_text(new)
    assert sum(len(story.article_ids) for story in result.stories) == 4


def test_an_article_stored_before_its_outlet_furniture_was_known_is_cleaned_again_with_its_pairs(tmp_path):
    run = Pipeline(tmp_path / "out", Config(), log=lambda _: None)
    run.run([str(_write(tmp_path / "a.jsonl", [_page("gazette.example", "ferry", 1)]))])
    later = [_page("gazette.example", topic, 1) for topic in ("volcano", "chess")]
    Pipeline(tmp_path / "out", Config(), log=lambda _: None).run([str(_write(tmp_path / "b.jsonl", later))])
    store = StoryStore(tmp_path / "out" / "store.sqlite", CLEANING_VERSION)
    try:
        articles, pairs = store.articles(), store.pairs()
    finally:
        store.close()
    assert all(BOX not in article.body for article in articles)
    assert pairs == []  # the box made no pair, not even with the article stored first


_PARAGRAPH = st.sampled_from([text for paragraphs in TOPICS.values() for text in paragraphs] + [BOX, FOOTER, AGENCY])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a.example", "b.example"]), st.lists(_PARAGRAPH, min_size=1, max_size=6))))
def test_learning_only_ever_takes_body_text_out_and_taking_it_out_twice_changes_nothing(pages):
    articles = [
        _article({"id": str(n), "title": f"Title {n}", "text": "\n".join([f"Title {n}", *ps]), "source": outlet})
        for n, (outlet, ps) in enumerate(pages)
    ]
    learner = FurnitureLearner().fit(articles)
    cleaned = learner.transform(articles)
    for before, after in zip(articles, cleaned, strict=True):
        assert after.text == before.text
        inside = [any(s <= a and b <= e for s, e in before.body_spans) for a, b in after.body_spans]
        assert all(inside) or after.body == before.title  # a body of furniture alone falls back to the title
        for start, end in after.furniture_spans:
            assert not any(s < end and start < e for s, e in after.body_spans)
    assert FurnitureLearner().fit(cleaned, learner.furniture_).transform(cleaned) == cleaned


def test_the_dedup_filter_learns_furniture_from_the_stream_and_a_rebuilt_index_learns_the_same(tmp_path):
    from flows.dedup_files import dedup_files

    records = [_page("gazette.example", topic, 1) for topic in TOPICS]
    records[0]["text"] += "\n" + AGENCY
    records += [_page(outlet, "ferry", 2, box=False, extra=AGENCY) for outlet in ("courier.example", "ledger.example")]
    feed = _write(tmp_path / "feed.jsonl", records)
    out = tmp_path / "out.jsonl"
    dedup_files([feed], out, level="passage", index_path=tmp_path / "index.sqlite")
    shared = {row["id"]: {reuse["id"] for reuse in row["reuse"]} for row in map(json.loads, out.open())}
    gazette = {record["id"] for record in records if record["source"] == "gazette.example"}
    assert not any(shared[article_id] & gazette for article_id in gazette)  # the box made no pair
    assert "gazette.example-ferry-1" in shared["courier.example-ferry-2"]  # the agency copy did
    # Killed after two records and run again over the whole feed with the same index: the same answers.
    again = tmp_path / "again.sqlite"
    first = _write(tmp_path / "first.jsonl", records[:2])
    dedup_files([first], tmp_path / "lost.jsonl", level="passage", index_path=again)
    dedup_files([feed], tmp_path / "again.jsonl", level="passage", index_path=again)
    assert (tmp_path / "again.jsonl").read_text() == out.read_text()


_WORDS = st.sampled_from(
    ["the", "said", "minister", "ceasefire", "kirkuk", "Hokkaido", "équipe", "naïve", "zzyzx", "bank"]
)


@settings(max_examples=100, deadline=None)
@given(
    words=st.lists(_WORDS | st.text(st.characters(categories=("L", "Nd", "Zs")), max_size=12), max_size=30),
    rare_zipf=st.sampled_from([-1.0, 0.0, 1.5, 4.0, 6.5]),
)
def test_rare_words_are_the_words_below_the_rare_zipf(words, rare_zipf):
    """The set difference with wordfreq's frequent words picks what a lookup of every word would pick."""
    text = " ".join(words)
    found = _LETTERS.findall(text.lower())
    assert rare_words(text, rare_zipf) == {word for word in found if zipf(word) < rare_zipf}


def _pasting_outlet(with_agency: bool) -> list[dict]:
    """The Gazette prints the agency's ferry story, then pastes it as background into two reports on other
    things (its box in all three); the agency's own article is in the corpus or not."""
    records = [_page("gazette.example", "ferry", 1, extra=AGENCY)]
    records += [_page("gazette.example", topic, 1, extra=AGENCY) for topic in ("volcano", "chess")]
    if with_agency:
        records.append(
            {"id": "ap-ferry", "title": "Ferry capsizes", "text": f"Ferry capsizes\n{AGENCY}", "source": "AP"}
        )
    return records


def test_a_pasted_block_another_outlet_prints_is_copy_not_furniture():
    articles = [_article(record) for record in _pasting_outlet(with_agency=True)]
    learner = FurnitureLearner().fit(articles)
    cleaned = {article.id: article for article in learner.transform(articles)}
    for topic in ("ferry", "volcano", "chess"):
        gazette = cleaned[f"gazette.example-{topic}-1"]
        assert AGENCY in gazette.body and BOX not in gazette.body  # copy stays, furniture goes
    # Without the agency's article nothing says the block is copy: it is the Gazette's own, repeated.
    alone = [_article(record) for record in _pasting_outlet(with_agency=False)]
    assert AGENCY not in FurnitureLearner().fit(alone).transform(alone)[1].body


AGENCY_LEAD = (
    "The ferry capsized off Zanzibar early on Saturday with more than six hundred people aboard, officials "
    "said, in the worst maritime disaster in the island's history, as divers searched the hull for survivors "
    "through the night and relatives gathered at the port in the rain."
)
# The Gazette's copy-edit of the agency's paragraph: every sentence of it changed, no segment as it was.
EDITED = (
    "Rescuers pulled twelve survivors from the water near Zanzibar, the Tanzanian police commissioner told "
    "reporters, adding that the ferry had been licensed for fewer than two hundred passengers and that the "
    "captain had been detained in Stone Town."
)


def _gazette_and_agency(edited: str, agency_paragraph: str) -> list[Article]:
    """The Gazette reprints the agency's ferry story with its paragraph copy-edited (``edited``) and pastes
    that paragraph into its reports on two other events; the agency's article holds ``agency_paragraph``."""
    records = [_page("gazette.example", "ferry", 1, extra=f"{AGENCY_LEAD}\n{edited}")]
    records += [_page("gazette.example", topic, 1, extra=edited) for topic in ("volcano", "chess")]
    text = f"Ferry capsizes\n{AGENCY_LEAD}\n{agency_paragraph}"
    records.append({"id": "ap-ferry", "title": "Ferry capsizes", "text": text, "source": "AP"})
    return [_article(record) for record in records]


def test_a_pasted_block_copy_edited_throughout_is_copy_when_the_agency_prints_it_in_other_words():
    """Seen on the generated wire set: the outlet reprints an agency story, its paragraph copy-edited, and
    pastes that paragraph into its reports on other events; only the words say it is the agency's."""
    articles = _gazette_and_agency(EDITED, AGENCY)
    assert not {key for _, _, key in articles[3].segments} & {key for _, _, key in _article_of(EDITED).segments}
    cleaned = FurnitureLearner().fit(articles).transform(articles)
    assert all(EDITED in article.body and BOX not in article.body for article in cleaned[:3])
    # An agency article that shares the lead but not that paragraph: nothing says it is copy.
    other = _gazette_and_agency(EDITED, "Officials in Dar es Salaam declared three days of national mourning.")
    assert EDITED not in FurnitureLearner().fit(other).transform(other)[1].body


def test_a_copy_edited_paragraph_naming_one_rare_thing_is_copy_by_the_names_it_keeps():
    """Seen on the generated wire set: the paragraph's one rare word ("Ivory") is not enough evidence alone
    (a box worded like another site's shares one: "briefing"), but the names it keeps, common words
    among them ("Chris", "Saints", "Thomas"), stand in the agency's article too."""
    agency = (
        "One day after Chris Ivory was lost for the season, the Saints placed Thomas on injured reserve. "
        "The team's best running back also sat out in Week 17, the coach said on Monday."
    )
    edited = agency.replace("injured reserve. The", "injured reserve and the")
    assert rare_words(edited, FurnitureConfig().rare_zipf) == {"ivory"}
    cleaned = FurnitureLearner().fit(articles := _gazette_and_agency(edited, agency)).transform(articles)
    assert all(edited in article.body and BOX not in article.body for article in cleaned[:3])
    # The names alone, with no rare word among them, are no evidence away from copy by key (beside it, they
    # are: a block's quote): lines every site prints name things. Here the paragraph follows one copied in
    # other words, which is kept.
    common, brown = edited.replace("Chris Ivory", "Chris Brown"), agency.replace("Ivory", "Brown")
    cleaned = FurnitureLearner().fit(articles := _gazette_and_agency(f"{EDITED}\n{common}", f"{AGENCY}\n{brown}"))
    body = cleaned.transform(articles)[1].body
    assert EDITED in body and common not in body
    cleaned = FurnitureLearner().fit(articles := _gazette_and_agency(f"{EDITED}\n{edited}", f"{AGENCY}\n{agency}"))
    assert edited in cleaned.transform(articles)[1].body


def test_a_copy_edited_quote_beside_a_pasted_paragraph_is_copy_though_it_names_little():
    """Seen on the generated wire set: a block of a short paragraph and a quote is pasted, the quote copy-edited
    (a few words cut); the quote names one thing, the short paragraph alone is under the 40 words copy takes.
    Beside copy, one distinctive word the agency prints too will do; where the agency prints another quote,
    the Gazette's stays its own."""
    short = "Rescuers pulled twelve survivors from the water near Zanzibar on Sunday, the police commissioner said."
    quote = (
        "“We waited for hours and hours and nobody came to tell us anything at all,” said Amina, whose son was aboard."
    )
    edited = quote.replace("hours and hours", "hours").replace(" at all", "")
    assert len(rare_words(edited, FurnitureConfig().rare_zipf) | names(edited)) == 1
    cleaned = FurnitureLearner().fit(articles := _gazette_and_agency(f"{short}\n{edited}", f"{short}\n{quote}"))
    assert all(short in a.body and edited in a.body and BOX not in a.body for a in cleaned.transform(articles)[:3])
    other = "“The sea was calm when we left the harbour,” said Amina, whose son was aboard."
    cleaned = FurnitureLearner().fit(articles := _gazette_and_agency(f"{short}\n{edited}", f"{short}\n{other}"))
    assert edited not in cleaned.transform(articles)[1].body
    # The stream, holding the agency's article when the Gazette's arrive, learns the same.
    held: dict[str, Article] = {}
    stream = StreamingFurniture(FurnitureRule.of(FurnitureConfig(), ReuseConfig()), held=held.get)
    agency, *gazette = _gazette_and_agency(f"{short}\n{edited}", f"{short}\n{quote}")[::-1]
    for article in [agency, *gazette[::-1]]:
        held[article.id] = stream.observe(article)
    assert all(edited in held[article.id].body for article in gazette)


def test_boxes_two_sites_word_alike_stay_furniture_where_the_sites_reprint_one_story():
    """Sites on one template word their boxes alike: another site's box is its furniture, not copy."""
    records = []
    for site, name in (("gazette.example", "Harbor Gazette"), ("courier.example", "Plains Courier")):
        for topic in ("ferry", "volcano", "chess"):
            record = _page(site, topic, 1, extra=f"{AGENCY_LEAD}\n{AGENCY}" if topic == "ferry" else "")
            record["text"] = record["text"].replace("Harbor Gazette", name)
            records.append(record)
    articles = [_article(record) for record in records]
    cleaned = FurnitureLearner().fit(articles).transform(articles)
    assert all("morning briefing" not in article.body for article in cleaned)  # every box learned
    assert all(AGENCY in article.body for article in cleaned if "ferry" in article.id)


def test_the_stream_reads_a_paragraph_copy_edited_throughout_in_the_partners_it_holds():

    agency = _article({"id": "ap-ferry", "title": "Ferry", "text": f"Ferry\n{AGENCY_LEAD}\n{AGENCY}", "source": "AP"})
    gazette = [_article(_page("gazette.example", "ferry", 1, extra=f"{AGENCY_LEAD}\n{EDITED}"))]
    gazette += [_article(_page("gazette.example", topic, 1, extra=EDITED)) for topic in ("volcano", "chess")]
    for held_by_the_index, kept in ((True, True), (False, False)):
        held: dict[str, Article] = {}
        rule = FurnitureRule.of(FurnitureConfig(), ReuseConfig())
        stream = StreamingFurniture(rule, held=held.get if held_by_the_index else None)
        seen = []
        for article in [agency, *gazette]:
            seen.append(stream.observe(article))
            held[article.id] = seen[-1]
        assert all((EDITED in article.body) == kept for article in seen[2:])  # the pastes
        assert BOX not in seen[-1].body


def test_the_stream_learns_boxes_sites_word_alike_though_they_reprint_one_story_first():
    """Seen on a generated wire-heavy stream: two sites on one template reprint a story before either has
    repeated its box; the boxes share their template's words and one rare word ("briefing")."""

    def page(site: int, topic: str) -> Article:
        record = _page(f"outlet{site}.example", topic, 1, box=False, extra=f"{AGENCY_LEAD}\n{AGENCY}")
        box = f"Get the Outlet{site} briefing. Enter your email address to sign up for Outlet{site} news every morning."
        record["text"] = record["text"].replace(AGENCY_LEAD, f"{AGENCY_LEAD}\n{box}")
        return _article(record)

    held: dict[str, Article] = {}
    stream = StreamingFurniture(FurnitureRule.of(FurnitureConfig(), ReuseConfig()), held=held.get)
    seen = []
    for topic in ("ferry", "volcano", "chess"):
        for site in (1, 2):
            article = page(site, topic)
            seen.append(stream.observe(article))
            held[article.id] = seen[-1]
    assert all("briefing" not in article.body for article in seen[-2:])  # each site's box, learned


def _article_of(paragraph: str) -> Article:
    return _article({"id": "x", "title": "T", "text": f"T\n{paragraph}", "source": "AP"})


def test_furniture_another_outlet_turns_out_to_print_is_given_up_and_its_articles_cleaned_again(tmp_path):
    gazette = _pasting_outlet(with_agency=False)
    Pipeline(tmp_path / "out", Config(), log=lambda _: None).run([str(_write(tmp_path / "a.jsonl", gazette))])
    agency = _pasting_outlet(with_agency=True)[-1:]
    Pipeline(tmp_path / "out", Config(), log=lambda _: None).run([str(_write(tmp_path / "b.jsonl", agency))])
    store = StoryStore(tmp_path / "out" / "store.sqlite", CLEANING_VERSION)
    try:
        articles, pairs, furniture = store.articles(), store.pairs(), store.furniture()
    finally:
        store.close()
    assert all(AGENCY in article.body for article in articles)  # the Gazette's three, cleaned anew
    assert all(BOX not in article.body for article in articles)
    copied = {frozenset((pair.a, pair.b)) for pair in pairs}
    assert {frozenset(("ap-ferry", f"gazette.example-{topic}-1")) for topic in ("ferry", "volcano", "chess")} <= copied
    agency_keys = {key for _, _, key in _article(agency[0]).segments}
    assert not agency_keys & furniture["gazette.example"]  # the store gave the pieces up too


def test_the_stream_learns_that_a_block_another_outlet_prints_is_copy():

    gazette = [_article(record) for record in _pasting_outlet(with_agency=False)]
    agency = _article(_pasting_outlet(with_agency=True)[-1])
    # The agency's article first: the Gazette's pastes keep the block, and lose the box.
    stream = StreamingFurniture(FurnitureRule.of(FurnitureConfig(), ReuseConfig()))
    seen = [stream.observe(article) for article in [agency, *gazette]]
    assert all(AGENCY in article.body for article in seen)
    assert BOX not in seen[-1].body
    # The agency's article after them: the block, learned as the Gazette's, is given up for what follows.
    stream = StreamingFurniture(FurnitureRule.of(FurnitureConfig(), ReuseConfig()))
    for article in gazette:
        stream.observe(article)
    assert AGENCY not in stream.clean(gazette[0]).body
    stream.observe(agency)
    later = stream.clean(_article(_page("gazette.example", "vineyard", 1, extra=AGENCY)))
    assert AGENCY in later.body and BOX not in later.body


def test_a_page_that_is_not_an_article_is_rejected_with_its_reason_and_a_headline_alone_is_an_article(tmp_path):
    from clustering.stories.headline import NOT_AN_ARTICLE

    notice = "External links are provided for reference purposes. ABC News is not responsible for external sites."
    pages = [_page("abcnews.go.com", topic, 1, extra=notice) for topic in ("ferry", "volcano", "chess")]
    records = [
        *pages,
        # A page scraped as the site's notice alone: its notice is the site's furniture, its title the site.
        {"id": "abc-notice", "title": "ABC News", "text": f"ABC News\n{notice}", "source": "abcnews.go.com"},
        # A byline, a share bar and a call to subscribe, under a title that is one too.
        {
            "id": "subscribe",
            "title": "Subscribe to Valley Times",
            "text": "Subscribe to Valley Times\nBy Jane Doe\nShare on Facebook\nSubscribe today and save 50%.",
            "source": "valleytimes.example",
        },
        # An aggregator's item: a headline alone.
        {"id": "headline", "text": "Ferry capsizes off Zanzibar with 300 aboard", "source": "aggregator.example"},
        # Headlines alone ending on a colon: a real one, and a share widget's label scraped for one.
        {
            "id": "colon",
            "title": "Ferry Capsizes Off Zanzibar:",
            "text": "Ferry Capsizes Off Zanzibar:",
            "source": "aggregator.example",
        },
        {"id": "widget", "title": "Share this on:", "text": "Share this on:", "source": "aggregator.example"},
    ]
    result = Pipeline(tmp_path / "out", Config(), log=lambda _: None).run([str(_write(tmp_path / "in.jsonl", records))])
    reasons = {reject.id: reject.reason for reject in result.rejects}
    assert reasons == {"abc-notice": NOT_AN_ARTICLE, "subscribe": NOT_AN_ARTICLE, "widget": NOT_AN_ARTICLE}
    clustered = {article_id for story in result.stories for article_id in story.article_ids}
    assert {"headline", "colon", *(page["id"] for page in pages)} <= clustered
    assert not any(story.headline in ("ABC News", "Subscribe to Valley Times") for story in result.stories)
