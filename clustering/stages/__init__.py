"""The stages of a clustering run, one per module, each an object with a ``name`` and
``run(corpus, context) -> corpus``: it takes the run's one ``Corpus`` record and returns a copy with its
own part filled in. ``clustering.pipeline.STAGES`` lists them in the order a run runs them.

A stage holds no state of its own and does its work through the stage packages below it (``ingest``,
``reuse``, ``embed``, ``stories``, ``publish``); what it reads and writes of the store and the workspace
comes through the ``RunContext``.
"""
