import itertools
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


def test_evaluate_pairs_correlates_the_runs_similarity_with_annotators(labelled_seeds, tmp_path):
    """`storyline evaluate --pairs`: pairs of one story scored 1, of two stories 4; a pair naming an article
    the run never read is left out; languages come from the file where it gives them."""
    from typer.testing import CliRunner

    from flows.cli import app

    rows = [json.loads(line) for line in labelled_seeds.read_text().splitlines()]
    lines = ["a,b,lang_a,lang_b,overall"]
    for first, second in itertools.combinations(rows, 2):
        lines.append(f"{first['id']},{second['id']},en,en,{1 if first['label'] == second['label'] else 4}")
    lines.append(f"{rows[0]['id']},{rows[1]['id']},en,fr,2")  # the same pair, said to cross two languages
    lines.append(f"{rows[0]['id']},unknown,en,en,1")
    pairs = tmp_path / "pairs.csv"
    pairs.write_text("\n".join(lines) + "\n")
    printed = CliRunner().invoke(app, ["evaluate", str(labelled_seeds), "--pairs", str(pairs), "--json"])
    assert printed.exit_code == 0, printed.output
    found = json.loads(printed.output)
    # Positive: the pairs of one story (scored 1) are the more alike; the seeds' two events of Albu Kamal and
    # the Mosul story, all war news from Syria and Iraq, keep it well below 1.
    assert found["pearson"] > 0.3 and found["pearson_same_language"] > 0.3
    assert found["pearson_cross_language"] is None  # one pair: no correlation
    assert (found["pairs"], found["same_language_pairs"], found["cross_language_pairs"]) == (11, 10, 1)
    assert found["left_out"] == 1
    table = CliRunner().invoke(app, ["evaluate", str(labelled_seeds), "--pairs", str(pairs)])
    assert table.exit_code == 0 and "across languages" in table.output


def test_scored_pairs_are_checked(tmp_path):
    from clustering.evaluate import read_scored_pairs

    wrong = tmp_path / "wrong.csv"
    wrong.write_text("first,second,overall\nx,y,1\n")
    with pytest.raises(ValueError, match="no column a, b"):
        read_scored_pairs(wrong)
    wrong.write_text("a,b,overall\nx,y,1\nx,z,close\n")
    with pytest.raises(ValueError, match="line 3: overall 'close' is not a number"):
        read_scored_pairs(wrong)
    right = tmp_path / "right.csv"
    right.write_text("a,b,overall\nx,y,1.5\n")
    assert [(pair.a, pair.b, pair.overall, pair.languages) for pair in read_scored_pairs(right)] == [
        ("x", "y", 1.5, None)
    ]


def test_evaluate_needs_labels_or_pairs(labelled_seeds):
    from typer.testing import CliRunner

    from flows.cli import app

    result = CliRunner().invoke(app, ["evaluate", str(labelled_seeds)])
    assert result.exit_code != 0 and "--label" in result.output and "--pairs" in result.output
