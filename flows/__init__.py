"""Prefect flows over the ``clustering`` library, and the ``storyline`` command line above them.

Importing this package sets the privacy and offline defaults before Prefect loads (a variable already set
in the environment wins): no telemetry, no model downloads, patience with a slow embedded server start.
"""

from clustering.config import set_private_offline_environment

set_private_offline_environment()

__all__ = ["set_private_offline_environment"]
