import json
import os
import sys
import tempfile
from contextlib import ExitStack
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


@pytest.fixture(scope="session")
def postgresql_server():
    """A throwaway PostgreSQL server (``bench/postgresql_server.py``; ``make test`` installs Debian's package
    as root). Yields a function giving the URL of a new empty database on it."""
    sys.path.insert(0, str(REPO / "bench"))
    from postgresql_server import PostgreSQLUnavailable, throwaway_postgresql

    with ExitStack() as stack:
        try:
            new_database = stack.enter_context(throwaway_postgresql())
        except PostgreSQLUnavailable as reason:
            pytest.skip(str(reason))
        yield new_database
