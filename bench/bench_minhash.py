"""MinHash signatures: Storyline beside datasketch (per-shingle update, update_batch, bulk) and rensa.

    .venv/bin/python bench/bench_minhash.py [--docs 2000]

Same documents (about 400-word articles built from ECB+ text), same shingles (word 5-grams), 128
permutations. Prints documents per second and the ratio to datasketch's per-document `update` loop and to
its fastest path (`MinHash.bulk`), and how closely each method's Jaccard estimates follow the exact Jaccard
on pairs of lightly edited copies. All measured in one run.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

import numpy as np
from datasketch import MinHash

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import print_table, save, timed
from reprints import ECBPLUS

from clustering.config import MinHashConfig
from clustering.reuse.align import align
from clustering.reuse.minhash import MinHasher, normalised_words, shingle_hashes, tokenize

PERMUTATIONS = 128
SHINGLE = 5


def _documents(count: int, rng: random.Random) -> list[str]:
    texts = [" ".join(json.loads(line)["text"].splitlines()[1:]) for line in ECBPLUS.read_text().splitlines()]
    documents = []
    while len(documents) < count:
        words: list[str] = []
        while len(words) < 400:
            words += rng.choice(texts).split()
        documents.append(" ".join(words[:400]))
    return documents


def _edited(text: str, rng: random.Random) -> str:
    words = text.split()
    for _ in range(rng.randint(5, 60)):
        words[rng.randrange(len(words))] = rng.choice(["said", "told", "reported", "on", "Monday"])
    return " ".join(words)


def _word_shingles(text: str) -> list[bytes]:
    words = normalised_words(text)
    return [" ".join(words[i : i + SHINGLE]).encode() for i in range(max(1, len(words) - SHINGLE + 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=2000)
    arguments = parser.parse_args()
    rng = random.Random(5)
    documents = _documents(arguments.docs, rng)
    shingles = [_word_shingles(text) for text in documents]
    hasher = MinHasher(MinHashConfig(num_perm=PERMUTATIONS, shingle_words=SHINGLE))

    def datasketch_update() -> list[MinHash]:
        result = []
        for items in shingles:
            minhash = MinHash(num_perm=PERMUTATIONS)
            for item in items:
                minhash.update(item)
            result.append(minhash)
        return result

    def datasketch_batch() -> list[MinHash]:
        result = []
        for items in shingles:
            minhash = MinHash(num_perm=PERMUTATIONS)
            minhash.update_batch(items)
            result.append(minhash)
        return result

    def storyline(texts: list[str] = documents) -> list[np.ndarray]:
        # From raw text: tokenising and shingling are part of Storyline's cost, not of the others'.
        return [hasher.signature(shingle_hashes(tokenize(text).hashes, SHINGLE)) for text in texts]

    # Once per process: the character table and loading the compiled code (compiling it, the first time).
    start_seconds = timed(lambda: storyline(documents[:1]))[1]

    methods = {
        "datasketch MinHash.update per shingle": datasketch_update,
        "datasketch MinHash.update_batch": datasketch_batch,
        "datasketch MinHash.bulk": lambda: MinHash.bulk(shingles, num_perm=PERMUTATIONS),
        "storyline (compiled, from raw text)": storyline,
    }
    try:
        import rensa

        def rensa_signatures() -> list:
            result = []
            for items in shingles:
                minhash = rensa.RMinHash(num_perm=PERMUTATIONS, seed=42)
                minhash.update([item.decode() for item in items])
                result.append(minhash)
            return result

        methods["rensa RMinHash (own signatures)"] = rensa_signatures
    except ImportError:
        pass
    seconds = {name: timed(method)[1] for name, method in methods.items()}
    print(f"storyline's one-time start in a process (character table, compiled code): {start_seconds:.2f} s")
    base, bulk = seconds["datasketch MinHash.update per shingle"], seconds["datasketch MinHash.bulk"]
    rows = [[name, len(documents) / value, base / value, bulk / value] for name, value in seconds.items()]
    print_table(
        f"{len(documents)} documents of 400 words, word {SHINGLE}-grams, {PERMUTATIONS} permutations",
        ["method", "docs/s", "x update loop", "x bulk"],
        rows,
    )

    pairs = [(text, _edited(text, rng)) for text in documents[:300]]
    errors: dict[str, list[float]] = {"datasketch": [], "storyline": []}
    for first, second in pairs:
        exact_first, exact_second = set(_word_shingles(first)), set(_word_shingles(second))
        exact = len(exact_first & exact_second) / len(exact_first | exact_second)
        one, two = MinHash(num_perm=PERMUTATIONS), MinHash(num_perm=PERMUTATIONS)
        one.update_batch(exact_first)
        two.update_batch(exact_second)
        errors["datasketch"].append(one.jaccard(two) - exact)
        mine = [shingle_hashes(tokenize(text).hashes, SHINGLE) for text in (first, second)]
        estimate = hasher.lean(hasher.signature(mine[0])).jaccard(hasher.lean(hasher.signature(mine[1])))
        errors["storyline"].append(estimate - align(*mine).jaccard)  # the exact Jaccard of the shingle sets
    accuracy = [[name, float(np.mean(values)), float(np.mean(np.abs(values)))] for name, values in errors.items()]
    print_table(
        "Jaccard estimates on 300 edited pairs (estimate - exact)", ["method", "mean bias", "mean |error|"], accuracy
    )
    save("minhash", {"documents": len(documents), "rows": rows, "accuracy": accuracy, "start_seconds": start_seconds})


if __name__ == "__main__":
    main()
