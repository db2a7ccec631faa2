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
