"""Where a run keeps everything: the store, the caches and what URL inputs fetched, under one folder."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

STORE_FILE = "store.sqlite"
INBOX_FOLDER = "inbox"
# The environment variable naming a PostgreSQL store: the CLI's --store and every flow read it.
STORE_VARIABLE = "STORYLINE_STORE"


def output_folder_holding(path: Path | str, output_folders: Iterable[Path] = ()) -> Path | None:
    """The Storyline output folder that ``path`` is, or is inside (a folder holding a store, or one of
    ``output_folders``), unless the path is in its inbox of fetched pages, which runs read; else ``None``."""
    path = Path(path).resolve()
    outputs = {Path(folder).resolve() for folder in output_folders}
    for folder in (path, *path.parents):
        if folder in outputs or (folder / STORE_FILE).is_file():
            inbox = folder / INBOX_FOLDER
            return None if path == inbox or inbox in path.parents else folder
    return None


@dataclass(frozen=True, slots=True)
class Workspace:
    """The output folder of a run (``--out``) and every path under it. ``embedding_cache`` may point
    elsewhere, so that evaluations in throwaway folders share one cache of embeddings. ``database``, a
    PostgreSQL URL (``--store``), holds the store and the embedding cache instead of files in the folder,
    for writers on several machines."""

    root: Path
    embedding_cache: Path | None = None
    database: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root))
        if self.embedding_cache is not None:
            object.__setattr__(self, "embedding_cache", Path(self.embedding_cache))
        if self.database is not None:
            # Here, not at the top: the CLI reads this module's names and starts without SQLAlchemy.
            from clustering.storage.database import is_database_url, shown

            if not is_database_url(self.database):
                raise ValueError(f"a store's database is a postgresql:// URL, not {shown(self.database)!r}")

    @property
    def store(self) -> Path | str:
        """Where every article, the current stories, their lineage and the runs are: the database, else a
        SQLite file in the folder."""
        return self.database or self.root / STORE_FILE

    @property
    def cache(self) -> Path:
        return self.root / "cache"

    @property
    def embeddings(self) -> Path | str:
        """Embeddings by content hash: beside the store (its database, or a SQLite file in the folder),
        where every worker that embeds for a run finds them."""
        if self.embedding_cache is not None:
            return self.embedding_cache
        return self.database or self.cache / "embeddings.sqlite"

    # The band and term caches stay files of the folder whatever the store: only the clustering run (one at
    # a time) reads them, each is checked against the store before use and rebuilt on a mismatch, and they
    # grow with every stored passage window: a database would hand them over whole on every run.
    @property
    def bands(self) -> Path:
        """The LSH band fingerprints of every stored article's passage windows."""
        return self.cache / "bands.npz"

    @property
    def terms(self) -> Path:
        """Each original article's word and word-pair counts."""
        return self.cache / "terms.npz"

    @property
    def inbox(self) -> Path:
        """What URL inputs fetched, one JSONL file per page or feed, read like any input folder."""
        return self.root / INBOX_FOLDER

    @property
    def pages(self) -> Path:
        """Each feed item's page, fetched once."""
        return self.cache / "pages"

    def artifact(self, name: str) -> Path:
        return self.root / name

    def holds(self, path: Path | str) -> bool:
        """Whether ``path`` is this workspace's folder or inside it (never to be read as input)."""
        try:
            Path(path).resolve().relative_to(self.root.resolve())
        except ValueError:
            return False
        return True
