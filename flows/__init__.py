"""Prefect flows over the ``clustering`` library.

Importing this package sets privacy and offline defaults before Prefect loads (a variable already set
in the environment wins): no telemetry, no model downloads, patience with a slow embedded server start.
"""

import os

for _name, _value in {
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "HF_HUB_OFFLINE": "1",
    "TOKENIZERS_PARALLELISM": "false",
    # Prefect's embedded server gives itself 20 s to start; a busy 2-core machine can need more.
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
}.items():
    os.environ.setdefault(_name, _value)
