import os
import tempfile

# Before Prefect is imported anywhere: no telemetry, quiet logs, no model downloads.
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# Exported ONNX models go to a folder of the test session's, not the user's cache.
os.environ.setdefault("STORYLINE_CACHE", tempfile.mkdtemp(prefix="storyline-test-cache-"))

from pathlib import Path

import pytest

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
