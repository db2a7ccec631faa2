import json

import pytest

from clustering.evaluate import score


def test_perfect_labelling():
    scores = score(["a", "a", "b"], [1, 1, 2])
    assert scores.pairwise_f1 == 1.0
    assert scores.bcubed_f1 == 1.0
    assert scores.adjusted_rand == 1.0


def test_hand_computed_pairwise_and_bcubed():
    gold = ["x", "x", "x", "y", "y"]
    predicted = [1, 1, 2, 2, 2]
    scores = score(gold, predicted)
    # Predicted pairs: (0,1), (2,3), (2,4), (3,4) = 4; gold pairs: 3 + 1 = 4; shared: (0,1), (3,4) = 2.
    assert scores.pairwise_precision == pytest.approx(0.5)
    assert scores.pairwise_recall == pytest.approx(0.5)
    assert scores.pairwise_f1 == pytest.approx(0.5)
    # B-cubed precision: items 0,1 -> 2/2; items 2,3,4 -> 1/3, 2/3, 2/3. Mean = (1+1+1/3+2/3+2/3)/5.
    assert scores.bcubed_precision == pytest.approx((1 + 1 + 1 / 3 + 2 / 3 + 2 / 3) / 5)
    # B-cubed recall: items 0,1 -> 2/3 each, item 2 -> 1/3, items 3,4 -> 2/2.
    assert scores.bcubed_recall == pytest.approx((2 / 3 + 2 / 3 + 1 / 3 + 1 + 1) / 5)
    assert (scores.n_gold_stories, scores.n_predicted_stories) == (2, 2)


def test_all_singletons_against_one_story():
    scores = score(["s"] * 4, [0, 1, 2, 3])
    assert scores.pairwise_precision == 1.0  # no predicted pairs: nothing wrong
    assert scores.pairwise_recall == 0.0
    assert scores.pairwise_f1 == 0.0


def test_lengths_must_match():
    with pytest.raises(ValueError, match="2 gold labels but 1 predicted"):
        score(["a", "b"], [1])


def test_evaluate_gives_the_labels_a_run_gives(prefect_harness, labelled_seeds, tmp_path, monkeypatch):
    """`storyline evaluate` runs what `storyline run` runs: the same stories for the same input."""
    from typer.testing import CliRunner

    from clustering.evaluate import evaluate_files
    from flows.cli import app

    labelled = labelled_seeds
    result = CliRunner().invoke(app, ["run", str(labelled), "--out", str(tmp_path / "out"), "--quiet"])
    assert result.exit_code == 0, result.output
    ran = {row["id"]: row["story_id"] for row in map(json.loads, (tmp_path / "out" / "articles.jsonl").open())}
    evaluation = evaluate_files([labelled], "label")
    assert evaluation.story_of == ran
    assert evaluation.scores.pairwise_f1 == 1.0 and evaluation.rejected == 0
    working = tmp_path / "working"
    working.mkdir()
    monkeypatch.chdir(working)
    printed = CliRunner().invoke(app, ["evaluate", str(labelled), "--label", "label"])
    assert printed.exit_code == 0 and "pairwise F1" in printed.output and "1.000" in printed.output
    assert list(working.iterdir()) == []  # an evaluation leaves nothing behind
