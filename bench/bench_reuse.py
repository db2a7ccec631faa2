"""Wire-copy reuse: Storyline's passage-level detection against datasketch document-level MinHashLSH.

    .venv/bin/python bench/bench_reuse.py [--count 120] [--paste-seeds 1 2 ... 8]

Builds reprints, trims and pasted blocks from ECB+ (bench/reprints.py) and prints pair precision, recall
and F1, span precision and coverage of the truly shared characters, and seconds, all measured in one run.
Then the same corpus with each block pasted by the outlet that reprinted the wire whole, into a report of
its own on another event (the block recurs in two of its articles about different things, as furniture
does): the pasted pairs found and covered with page-furniture learning off and on, in a corpus generated
from each of eight seeds, and the worst of them.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from datasketch import MinHash, MinHashLSH

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import print_table, save, timed
from reprints import _AGENCIES, generate

from clustering.ingest.clean import clean_or_reject
from clustering.ingest.fields import parse_date
from clustering.ingest.furniture import FurnitureLearner
from clustering.records import Article
from clustering.reuse.batch import find_reuse
from clustering.reuse.minhash import normalised_words


def _pair_scores(predicted: set[tuple[str, str]], truth: set[tuple[str, str]]) -> tuple[float, float, float]:
    hits = len(predicted & truth)
    precision = hits / len(predicted) if predicted else 1.0
    recall = hits / len(truth) if truth else 1.0
    return precision, recall, 2 * precision * recall / (precision + recall) if hits else 0.0


def _covered(spans: list[list[int]] | tuple, other: list[list[int]] | tuple) -> int:
    return sum(max(0, min(end, o_end) - max(start, o_start)) for start, end in spans for o_start, o_end in other)


def document_lsh(articles: list[Article], threshold: float) -> set[tuple[str, str]]:
    """datasketch as users would run it: a MinHash of each body's word 5-grams, MinHashLSH, no verification."""
    lsh = MinHashLSH(threshold=threshold, num_perm=128)
    pairs = set()
    for article in articles:
        words = normalised_words(article.body)
        minhash = MinHash(num_perm=128)
        minhash.update_batch([" ".join(words[i : i + 5]).encode() for i in range(max(1, len(words) - 4))])
        pairs.update(tuple(sorted((other, article.id))) for other in lsh.query(minhash))
        lsh.insert(article.id, minhash)
    return pairs


_GROUP_COLUMNS = ["copies of one wire", "group original right"]


def _unnamed(source: str | None) -> str | None:
    return "Wire Desk" if source in _AGENCIES else source


def _pairs_by_key(pairs: list) -> dict:
    return {tuple(sorted((pair.a, pair.b))): pair for pair in pairs}


def _attribution_rows(label: str, corpus, truth: set, found: dict) -> list[list[object]]:
    """Per kind of copy: the true pairs whose original is known, how often the found pair names it, and how
    often its ``group_original`` is the wire every copy in the pair comes from (for every true pair of one
    wire's copies, including two copies neither of which copied the other)."""
    tally: dict[str, list[int]] = {}
    for key in sorted(truth):
        wires = {corpus.wire_of.get(article_id, article_id) for article_id in key}
        original = corpus.true_original(*key)
        kinds = sorted({corpus.kinds[article_id].replace("original", "wire") for article_id in key})
        counts = tally.setdefault(" + ".join(kinds), [0, 0, 0, 0, 0, 0])
        pair = found.get(key)
        if original is not None:
            named = pair.original if pair is not None else None
            counts[0] += 1
            counts[1 if named == original else 2 if named is None else 3] += 1
        if len(wires) == 1:
            counts[4] += 1
            counts[5] += pair is not None and pair.group_original == wires.pop()
    return [[label, kind, *counts] for kind, counts in sorted(tally.items()) if counts[0] or counts[4]]


def _cleaned(records: list[dict]) -> list[Article]:
    raw = [
        Article(id=r["id"], title=r["title"], text=r["text"], source=r["source"], published=parse_date(r["published"]))
        for r in records
    ]
    return clean_or_reject(raw)[0]


def own_pastes(count: int, seed: int) -> list[list[object]]:
    """Pasted blocks in the reprinting outlet's own reports, in the corpus of ``seed``: pairs holding a paste,
    found and covered, with furniture learning off (the shape rules) and on."""
    corpus = generate(count=count, seed=seed, own_pastes=True)
    articles = _cleaned(corpus.articles)
    truth = {tuple(sorted(pair)): spans for pair, spans in corpus.truth.items()}
    pasted = {pair: spans for pair, spans in truth.items() if "paste" in (corpus.kinds[pair[0]], corpus.kinds[pair[1]])}
    rows = []
    for label, learn in (("off", False), ("on (default)", True)):
        learned = FurnitureLearner().fit(articles).transform(articles) if learn else articles
        found = _pairs_by_key(find_reuse(learned).pairs)
        true_chars = covered = 0
        for key, spans in pasted.items():
            pair = found.get(key)
            for article_id, true_spans in spans.items():
                true_chars += sum(end - start for start, end in true_spans)
                predicted = () if pair is None else pair.a_spans if article_id == pair.a else pair.b_spans
                covered += _covered(true_spans, predicted)
        taken = sum(len(a.furniture_spans) - len(b.furniture_spans) for a, b in zip(learned, articles, strict=True))
        rows.append([seed, label, len(pasted), len(pasted.keys() & found.keys()), covered / max(true_chars, 1), taken])
    return rows


def own_pastes_over_seeds(count: int, seeds: list[int]) -> list[list[object]]:
    """``own_pastes`` in the corpus of each seed, and the worst seed's row for each setting (fewest found)."""
    rows = [row for seed in seeds for row in own_pastes(count, seed)]
    for label in dict.fromkeys(row[1] for row in rows):
        mine = [row for row in rows if row[1] == label]
        worst = min(mine, key=lambda row: (row[3] / row[2], row[4]))
        total = [sum(row[column] for row in mine) for column in (2, 3)]
        rows.append([f"worst ({worst[0]})", label, worst[2], worst[3], worst[4], worst[5]])
        rows.append(["all", label, total[0], total[1], "", ""])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=120, help="source articles (about 2.5x as many derived)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--paste-seeds",
        type=int,
        nargs="+",
        default=list(range(1, 9)),
        help="seeds of the corpora with pasted blocks (the last table): one corpus each",
    )
    arguments = parser.parse_args()
    corpus = generate(count=arguments.count, seed=arguments.seed)
    raw = [
        Article(id=r["id"], title=r["title"], text=r["text"], source=r["source"], published=parse_date(r["published"]))
        for r in corpus.articles
    ]
    articles, _ = clean_or_reject(raw)
    truth = {tuple(sorted(pair)) for pair in corpus.truth}
    spans_truth = {tuple(sorted(pair)): spans for pair, spans in corpus.truth.items()}

    result, seconds = timed(lambda: find_reuse(articles))
    found = _pairs_by_key(result.pairs)
    rows = [["storyline (passages + alignment)", *_pair_scores(set(found), truth), seconds]]
    for threshold in (0.3, 0.5):
        pairs, lsh_seconds = timed(lambda threshold=threshold: document_lsh(articles, threshold))
        rows.append([f"datasketch document LSH @ {threshold}", *_pair_scores(pairs, truth), lsh_seconds])
    print(
        f"{len(articles)} articles, {len(truth)} true pairs sharing >= 40 words "
        f"({sum(1 for k in corpus.kinds.values() if k == 'reprint')} reprints, "
        f"{sum(1 for k in corpus.kinds.values() if k == 'trim')} trims, "
        f"{sum(1 for k in corpus.kinds.values() if k == 'paste')} pasted blocks)"
    )
    print_table("Pairs sharing text", ["method", "precision", "recall", "F1", "seconds"], rows)

    # Per kind of pair (the kinds of its two articles), and over all: characters truly shared, covered by
    # the found spans, and the found spans' characters that are truly shared. Coverage is also averaged
    # per pair, and its lowest pair reported.
    tallies: dict[str, list[float]] = {}
    for key, spans in spans_truth.items():
        pair = found.get(key)
        kind = " + ".join(sorted(corpus.kinds[article_id].replace("original", "wire") for article_id in key))
        pair_true = pair_covered = 0
        for name in (kind, "all"):
            tallies.setdefault(name, [0, 0, 0, 0, 0.0, 0, 1.0])
        for article_id, true_spans in spans.items():
            true_chars = sum(end - start for start, end in true_spans)
            pair_true += true_chars
            predicted = () if pair is None else pair.a_spans if article_id == pair.a else pair.b_spans
            covered = _covered(true_spans, predicted)
            pair_covered += covered
            for name in (kind, "all"):
                tally = tallies[name]
                tally[0] += true_chars
                tally[1] += covered
                tally[2] += sum(end - start for start, end in predicted)
                tally[3] += _covered(predicted, true_spans)
        for name in (kind, "all"):
            tallies[name][4] += pair_covered / max(pair_true, 1)
            tallies[name][5] += 1
            tallies[name][6] = min(tallies[name][6], pair_covered / max(pair_true, 1))
    span_rows = [
        [name, t[1] / t[0], t[3] / max(t[2], 1), t[4] / t[5], t[6], t[5]]
        for name, t in sorted(tallies.items(), key=lambda item: (item[0] == "all", item[0]))
    ]
    print_table(
        "Shared characters (true pairs), by kinds of the two articles",
        ["kinds", "coverage", "precision", "mean pair coverage", "lowest pair coverage", "pairs"],
        span_rows,
    )
    kinds = {}
    for kind in ("reprint", "trim", "paste"):
        pairs = {key for key in truth if kind in (corpus.kinds[key[0]], corpus.kinds[key[1]])}
        kinds[kind] = {"true_pairs": len(pairs), "recall": len(pairs & set(found)) / max(len(pairs), 1)}
    print_table(
        "Recall by kind of reuse",
        ["kind", "true pairs", "recall"],
        [[kind, value["true_pairs"], value["recall"]] for kind, value in kinds.items()],
    )
    attribution_rows = []
    # The same corpus without publication times, and then without the agency named as the wire's source
    # either: what the other evidence (direction of copy, datelines) decides alone.
    variants = {
        "dated": lambda article: article,
        "undated": lambda article: dataclasses.replace(article, published=None, dateline=None),
        "undated, agency unnamed": lambda article: dataclasses.replace(
            article,
            published=None,
            dateline=None,
            source="Wire Desk" if article.source in _AGENCIES else article.source,
        ),
    }
    for label, variant in variants.items():
        pairs = found if label == "dated" else _pairs_by_key(find_reuse([variant(a) for a in articles]).pairs)
        attribution_rows += _attribution_rows(label, corpus, truth, pairs)
    print_table(
        "Likely original: of true pairs with a true original (a copy and what it copied), and the group's",
        ["dates", "kinds in the pair", "with a true original", "right", "undecided", "wrong", *_GROUP_COLUMNS],
        attribution_rows,
    )
    pasted_rows = own_pastes_over_seeds(arguments.count, arguments.paste_seeds)
    print_table(
        "Blocks pasted by the reprinting outlet into its own reports on other events: furniture learning off and "
        "on, in a corpus generated from each seed",
        ["corpus (seed)", "learning", "pairs with a paste", "found", "coverage", "furniture runs learned"],
        pasted_rows,
    )
    save(
        "reuse",
        {
            "own_pastes": [
                dict(zip(["seed", "learning", "pairs", "found", "coverage", "learned_runs"], row, strict=True))
                for row in pasted_rows
            ],
            "articles": len(articles),
            "true_pairs": len(truth),
            "pairs": {
                row[0]: dict(zip(["precision", "recall", "f1", "seconds"], row[1:], strict=True)) for row in rows
            },
            "spans": {
                row[0]: dict(zip(["coverage", "precision", "mean_pair", "lowest_pair", "pairs"], row[1:], strict=True))
                for row in span_rows
            },
            "recall_by_kind": kinds,
            "original_by_kind": [
                dict(
                    zip(
                        ["dates", "kinds", "pairs", "right", "undecided", "wrong", "one_wire", "group_right"],
                        row,
                        strict=True,
                    )
                )
                for row in attribution_rows
            ],
        },
    )


if __name__ == "__main__":
    main()
