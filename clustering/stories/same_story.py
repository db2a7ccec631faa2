"""P(same story | pair): a logistic model over pair features, one set of coefficients per length regime,
learned from labelled news and shipped as plain coefficients in JSON (no pickles).

Features of a pair (``FEATURES``): embedding cosine, TF-IDF cosine of words and word pairs, cosine of
rarity-weighted proper names, nearness in time (exp(-days / 7), 0 when a date is missing), distance in time
beyond a fortnight (0 to 1 at four weeks), whether a date is missing, whether both come from one outlet.
A headline and a full article carry different evidence (a headline has few names and words to share), so
each feature has a coefficient for full text and one for headlines, blended by the pair's ``evidence``:
the shorter text's words over ``full_length_words``, capped at 1 (``design``).

``fit_same_story_model`` weighs each labelled set equally, whatever its number of pairs, so that a set of
thousands of headlines does not decide the full-text coefficients. ``train`` makes the training
pairs a run would score: each article with its nearest neighbours by embedding
(``StoryClusterer.candidate_pairs``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy import sparse

from clustering.stories.similarity import day_gaps, pair_cosines

FEATURES = ("embedding", "lexical", "names", "days_near", "days_far", "undated", "same_outlet")
MODEL_FORMAT = "storyline-same-story/1"
# The model trained on the dev sets (bench/bench_same_story.py writes it); ``pair_model = "builtin"``.
BUILTIN_MODEL = Path(__file__).with_name("same_story.json")
_NEAR_DAYS = 7.0
_FAR_DAYS = 14.0


@dataclass(frozen=True, slots=True)
class PairFeatures:
    """Features of article pairs: ``values`` (pairs x ``FEATURES``) and each pair's ``evidence`` (0 for
    two headlines, 1 when both texts are full length)."""

    values: np.ndarray
    evidence: np.ndarray

    def __len__(self) -> int:
        return len(self.evidence)


def pair_features(
    embedding_cosines: np.ndarray,
    tfidf: sparse.csr_matrix,
    names: sparse.csr_matrix,
    word_counts: np.ndarray,
    seconds: np.ndarray,
    outlets: np.ndarray,
    rows: np.ndarray,
    cols: np.ndarray,
    full_length_words: int = 50,
) -> PairFeatures:
    """The features of pairs ``(rows[k], cols[k])`` of articles, from the pairs' embedding cosines, the
    articles' L2-normalised TF-IDF and name vectors, their word counts, ``timestamps`` (``seconds``) and
    ``outlet_codes`` (``outlets``)."""
    gaps = day_gaps(seconds, rows, cols)
    undated = np.isnan(gaps)
    gaps = np.nan_to_num(gaps, nan=0.0)
    values = np.column_stack(
        [
            np.clip(embedding_cosines, -1.0, 1.0),
            pair_cosines(tfidf, rows, cols),
            pair_cosines(names, rows, cols),
            np.where(undated, 0.0, np.exp(-gaps / _NEAR_DAYS)),
            np.clip((gaps - _FAR_DAYS) / _FAR_DAYS, 0.0, 1.0),
            undated,
            (outlets[rows] == outlets[cols]) & (outlets[rows] >= 0),
        ]
    ).astype(np.float64)
    lengths = np.asarray(word_counts, dtype=np.float64)
    evidence = np.minimum(1.0, np.minimum(lengths[rows], lengths[cols]) / full_length_words)
    return PairFeatures(values, evidence)


def design(features: PairFeatures) -> np.ndarray:
    """The model's inputs: each feature times ``evidence`` (full text), each times ``1 - evidence``
    (headlines), and ``evidence`` itself (the full-text regime's own offset)."""
    evidence = features.evidence[:, None]
    return np.hstack([features.values * evidence, features.values * (1 - evidence), evidence])


@dataclass(frozen=True, slots=True)
class SameStoryModel:
    """A fitted same-story model: logistic coefficients per regime, as ``to_json`` writes them."""

    full_text: tuple[float, ...]
    headline: tuple[float, ...]
    full_text_offset: float
    intercept: float
    trained_on: tuple[str, ...] = ()
    pairs: int = 0

    def probability(self, features: PairFeatures) -> np.ndarray:
        """P(same story) of each pair."""
        weights = np.array([*self.full_text, *self.headline, self.full_text_offset])
        return 1.0 / (1.0 + np.exp(-(design(features) @ weights + self.intercept)))

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": MODEL_FORMAT,
                "features": list(FEATURES),
                "full_text": dict(zip(FEATURES, self.full_text, strict=True)),
                "headline": dict(zip(FEATURES, self.headline, strict=True)),
                "full_text_offset": self.full_text_offset,
                "intercept": self.intercept,
                "trained_on": list(self.trained_on),
                "pairs": self.pairs,
            },
            indent=2,
        )

    @classmethod
    def from_json(cls, text: str, where: str = "model") -> SameStoryModel:
        """The model ``to_json`` wrote; a clear ``ValueError`` for anything else."""
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as error:
            raise ValueError(f"{where}: not JSON ({error})") from None
        if not isinstance(raw, dict) or raw.get("format") != MODEL_FORMAT:
            raise ValueError(f"{where}: not a same-story model (expected format {MODEL_FORMAT!r})")
        if raw.get("features") != list(FEATURES):
            raise ValueError(f"{where}: made for features {raw.get('features')}, this version has {list(FEATURES)}")
        try:
            return cls(
                full_text=tuple(float(raw["full_text"][name]) for name in FEATURES),
                headline=tuple(float(raw["headline"][name]) for name in FEATURES),
                full_text_offset=float(raw["full_text_offset"]),
                intercept=float(raw["intercept"]),
                trained_on=tuple(map(str, raw.get("trained_on", ()))),
                pairs=int(raw.get("pairs", 0)),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"{where}: a coefficient is missing or not a number ({error!r})") from None

    def save(self, path: Path | str) -> None:
        Path(path).write_text(self.to_json() + "\n", encoding="utf-8")


@lru_cache(maxsize=8)
def load_same_story_model(path: str) -> SameStoryModel:
    """The model in the file at ``path``, or the built-in one for ``"builtin"``."""
    file = BUILTIN_MODEL if path == "builtin" else Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as error:
        raise ValueError(f"cannot read the same-story model {file}: {error.strerror or error}") from None
    return SameStoryModel.from_json(text, str(file))


def fit_same_story_model(
    labelled: Sequence[tuple[str, PairFeatures, np.ndarray]], regularisation: float = 1.0
) -> SameStoryModel:
    """A logistic model of ``(name, features, same_story)`` sets of pairs, each set weighing the same in
    all. ``regularisation`` is scikit-learn's ``C``."""
    from sklearn.linear_model import LogisticRegression

    labelled = [(name, features, labels) for name, features, labels in labelled if len(features)]
    if not labelled:
        raise ValueError("no labelled pairs to learn from")
    inputs = np.vstack([design(features) for _, features, _ in labelled])
    outcomes = np.concatenate([np.asarray(labels, dtype=int) for _, _, labels in labelled])
    if len(set(outcomes.tolist())) < 2:
        raise ValueError("the labelled pairs are all of one kind (same story or not): nothing to learn")
    weights = np.concatenate([np.full(len(features), len(outcomes) / len(features)) for _, features, _ in labelled])
    fitted = LogisticRegression(C=regularisation, max_iter=5000).fit(inputs, outcomes, sample_weight=weights)
    coefficients = fitted.coef_[0].tolist()
    count = len(FEATURES)
    return SameStoryModel(
        full_text=tuple(coefficients[:count]),
        headline=tuple(coefficients[count : 2 * count]),
        full_text_offset=coefficients[2 * count],
        intercept=float(fitted.intercept_[0]),
        trained_on=tuple(name for name, _, _ in labelled),
        pairs=len(outcomes),
    )
