"""Storage below the stages: the SQLite store, the caches' files, atomic writes and locks. Imports no stage."""
