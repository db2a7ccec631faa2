"""An outlet's learned page furniture as a rule: which repeated pieces are furniture, how two articles'
rare words tell whether they are about one thing, and the furniture taken out of an article. What the
batch learner (``furniture.FurnitureLearner``, an estimator) fits and the stream's learner
(``streaming_furniture``) grows; kept apart from both so that the dedup filter reads it without importing
scikit-learn (1 s and 70 MB of its start-up)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from clustering.config import FurnitureConfig, ReuseConfig
from clustering.ingest.clean import title_line_span
from clustering.ingest.segments import Segment
from clustering.records import Article, joined_paragraphs

_WORD = re.compile(r"\w+")


def _without(text: str, spans: Sequence[tuple[int, int]], cut: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """``spans`` of ``text`` less the parts inside ``cut`` (both in order), each part trimmed of white space
    and kept only if it holds a word."""
    kept: list[tuple[int, int]] = []
    for start, end in spans:
        position = start
        for cut_start, cut_end in cut:
            if cut_end <= position or cut_start >= end:
                continue
            if cut_start > position:
                kept.append((position, cut_start))
            position = max(position, cut_end)
        if position < end:
            kept.append((position, end))
    trimmed = []
    for start, end in kept:
        part = text[start:end]
        if _WORD.search(part):
            left = start + len(part) - len(part.lstrip())
            trimmed.append((left, start + len(part.rstrip())))
    return trimmed


@dataclass
class FurnitureRule:
    """``furniture``: the segment keys learned as furniture, by outlet, under ``config``'s settings;
    ``min_copy_words``: the words another outlet's article must print of a piece for it to be copy."""

    config: FurnitureConfig
    min_copy_words: int
    furniture: dict[str, set[int]] = field(default_factory=dict)

    @classmethod
    def of(cls, furniture: FurnitureConfig, reuse: ReuseConfig) -> FurnitureRule:
        """The rule a run's settings make, learned from nothing yet: copy as long as a reuse pair."""
        return cls(furniture, reuse.min_shared_words)

    def related(self, first: set[str], second: Collection[str]) -> bool:
        """Whether two articles' rare words say they are about one thing (or too few to tell)."""
        smaller = min(len(first), len(second))
        if smaller < self.config.min_rare_words:
            return True  # too little to tell apart: as if about one thing, so nothing is taken out
        return len(first.intersection(second)) / smaller > self.config.max_relatedness

    def furniture_runs(self, article: Article) -> list[tuple[int, int]]:
        """The spans of ``article.text`` that are its outlet's learned furniture: runs of furniture segments
        within a paragraph, of ``min_run_words`` words or more or filling the paragraph."""
        learned = self.furniture.get(article.outlet or "", set())
        if not learned:
            return []
        spans = article.body_spans
        runs: list[tuple[int, int]] = []
        run: list[Segment] = []
        paragraph = 0

        def close() -> None:
            if run:
                start, end = run[0][0], run[-1][1]
                if (
                    len(_WORD.findall(article.text, start, end)) >= self.config.min_run_words
                    or (start, end) == spans[paragraph]
                ):
                    runs.append((start, end))
                run.clear()

        for segment in article.segments:  # in the order of the paragraphs they are in
            while paragraph < len(spans) - 1 and segment[0] >= spans[paragraph][1]:
                close()
                paragraph += 1
            if segment[2] in learned:
                run.append(segment)
            else:
                close()
        close()
        return runs

    def clean(self, article: Article) -> Article:
        """``article`` without its outlet's learned furniture; the spans taken out are added to its
        ``furniture_spans`` (``text`` stays as it was read)."""
        runs = self.furniture_runs(article)
        if not runs:
            return article
        paragraphs = _without(article.text, article.body_spans, runs)
        if not paragraphs and (title_span := title_line_span(article)) is not None:
            paragraphs = [title_span]  # nothing but furniture: a headline-only record, as cleaning makes it
        return dataclasses.replace(
            article,
            body=joined_paragraphs(article.text, paragraphs),
            body_spans=tuple(paragraphs),
            segments=tuple(s for s in article.segments if not any(a <= s[0] and s[1] <= b for a, b in runs)),
            furniture=(*article.furniture, *(article.text[start:end] for start, end in runs)),
            furniture_spans=tuple(sorted({*article.furniture_spans, *runs})),
        )
