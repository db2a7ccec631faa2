"""Prefect flows over the ``clustering`` library.

Importing this package sets privacy and offline defaults before Prefect loads (a variable already set
in the environment wins): no telemetry, no model downloads.
"""

import os

for _name, _value in {
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "HF_HUB_OFFLINE": "1",
    "TOKENIZERS_PARALLELISM": "false",
}.items():
    os.environ.setdefault(_name, _value)
