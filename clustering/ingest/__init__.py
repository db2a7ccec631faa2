"""Read, fetch and clean: input records become articles, or rejects with a reason."""
