"""Stories: clustering, term counts, names, ids and lineage across runs, summaries."""
