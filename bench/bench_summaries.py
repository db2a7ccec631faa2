"""What a story's headline, summary and keywords hold, counted: the failures an editor would not sign.

    .venv/bin/python bench/bench_summaries.py [INPUT ...]   (default: every dev set: ECB+, UCI, giveme-dev, seeds)

Runs the pipeline (the library's ``Pipeline``) over each input and counts, over its stories: summaries
with two sentences saying the same thing (word-set Jaccard ≥ 0.6), a sentence after the first that opens by
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
from pathlib import Path

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
_GENERIC = {"said", "says", "people", "new", "year", "time", "state", "government", "sunday", "monday", "tuesday"}
_GENERIC |= {"wednesday", "thursday", "friday", "saturday", "told", "also", "one", "two"}


def _words(sentence: str) -> set[str]:
    return set(re.findall(r"[a-z]+", sentence.lower()))


def _overlap(first: str, second: str) -> float:
    return len(_words(first) & _words(second)) / max(1, len(_words(first) | _words(second)))


def check(stories: list[Story]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {name: [] for name in ("repeat", "dangling", "cut", "dateline or tag", "furniture")}
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


# Every dev set, read as storyline evaluate reads it: (path, field names).
DEV_SETS = [
    (ECBPLUS_DEV[0], ECBPLUS_DEV[2]),
    (UCI_DEV[0], UCI_DEV[2]),
    (DATA / "giveme-dev.jsonl", {}),
    (Path(__file__).resolve().parent.parent / "seeds", {}),
]


def main() -> None:
    # An input is a corpus to run, or the stories.json of a run (of other code) to check as it is.
    inputs = [(Path(path), {}) for path in sys.argv[1:]] or DEV_SETS
    for path, field_names in inputs:
        if path.name.endswith("stories.json"):  # the stories of an earlier run, to compare
            stories = [story_from_json(json.dumps(row)) for row in json.loads(path.read_text())]
        else:
            with tempfile.TemporaryDirectory() as folder:
                config = Config(read=ReadConfig(field_names=field_names))
                stories = Pipeline(folder, config).run([str(path)]).stories
        found = check(stories)
        print_table(f"{path}: {len(stories)} stories", ["failure", "count"], [[k, len(v)] for k, v in found.items()])
        for kind, cases in found.items():
            for case in cases:
                print(f"  {kind}: {case[:160]}")


if __name__ == "__main__":
    main()
