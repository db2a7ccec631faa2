"""Shingles, MinHash and passage alignment: the text articles share, reprint groups, the dedup index."""
