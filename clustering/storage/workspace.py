"""Where a run keeps everything: the store, the caches and what URL inputs fetched, under one folder."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

STORE_FILE = "store.sqlite"
INBOX_FOLDER = "inbox"


def output_folder_holding(path: Path | str, known: Iterable[Path] = ()) -> Path | None:
    """The Storyline output folder that ``path`` is, or is inside (a folder holding a store, or one of
    ``known``), unless the path is in its inbox of fetched pages, which runs read; else ``None``."""
    path = Path(path).resolve()
    outputs = {Path(folder).resolve() for folder in known}
    for folder in (path, *path.parents):
        if folder in outputs or (folder / STORE_FILE).is_file():
            inbox = folder / INBOX_FOLDER
            return None if path == inbox or inbox in path.parents else folder
    return None


@dataclass(frozen=True, slots=True)
class Workspace:
    """The output folder of a run (``--out``) and every path under it. ``embedding_cache`` may point
    elsewhere, so that evaluations in throwaway folders share one cache of embeddings."""

    root: Path
    embedding_cache: Path | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root))
        if self.embedding_cache is not None:
            object.__setattr__(self, "embedding_cache", Path(self.embedding_cache))

    @property
    def store(self) -> Path:
        """The SQLite store: every article, the current stories, their lineage, the runs."""
        return self.root / STORE_FILE

    @property
    def cache(self) -> Path:
        return self.root / "cache"

    @property
    def embeddings(self) -> Path:
        """Embeddings by content hash (SQLite)."""
        return self.embedding_cache if self.embedding_cache is not None else self.cache / "embeddings.sqlite"

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
