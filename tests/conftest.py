import json
import os
import tempfile
from pathlib import Path

import pytest

from clustering.config import set_private_offline_environment

# Before Prefect is imported anywhere: no telemetry, no model downloads; and quiet logs.
set_private_offline_environment()
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
# Exported ONNX models go to a folder of the test session's, not the user's cache.
os.environ.setdefault("STORYLINE_CACHE", tempfile.mkdtemp(prefix="storyline-test-cache-"))

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS


@pytest.fixture(scope="session")
def prefect_harness():
    """A throwaway Prefect API and database for the flow tests (started once: it takes seconds)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def labelled_seeds(tmp_path) -> Path:
    """The seeds as a labelled JSONL file: title, text, and their gold story in ``label``."""
    from test_pipeline import SEED_STORIES

    story_of = {article_id: index for index, story in enumerate(SEED_STORIES) for article_id in story}
    records = []
    for path in sorted(SEEDS.glob("*.txt")):
        title, _, body = path.read_text().partition("\n")
        records.append({"id": path.stem, "title": title, "text": body, "label": f"gold-{story_of[path.stem]}"})
    labelled = tmp_path / "labelled.jsonl"
    labelled.write_text("".join(json.dumps(record) + "\n" for record in records))
    return labelled
