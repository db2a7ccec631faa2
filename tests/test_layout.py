"""The layout shows the flow: records and settings at the bottom, storage below the stages, the stages in
their order (ingest → reuse → embed → stories → publish), the run object above them, and nothing in the
library importing the flows or the CLI."""

from __future__ import annotations

import ast
from pathlib import Path

LIBRARY = Path(__file__).resolve().parent.parent / "clustering"
# Each layer may import its own modules and those of the layers before it, never those after.
LAYERS = [
    ["clustering.records", "clustering.config", "clustering.words"],
    ["clustering.storage"],
    ["clustering.ingest"],
    ["clustering.reuse"],
    ["clustering.embed"],
    ["clustering.stories"],
    ["clustering.publish"],
    ["clustering.pipeline"],
    ["clustering.evaluate", "clustering.train"],
]


def _module(path: Path) -> str:
    return ".".join(path.relative_to(LIBRARY.parent).with_suffix("").parts).removesuffix(".__init__")


def _layer(module: str) -> int:
    for index, prefixes in enumerate(LAYERS):
        if any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes):
            return index
    raise AssertionError(f"{module} is in no layer: add it to LAYERS")


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_every_library_module_imports_only_its_own_layer_and_those_before_it():
    wrong = []
    for path in sorted(LIBRARY.rglob("*.py")):
        module = _module(path)
        for imported in _imports(path):
            if imported.split(".")[0] == "flows":
                wrong.append(f"{module} imports {imported}: the library never imports the flows or the CLI")
            elif imported.startswith("clustering.") and _layer(imported) > _layer(module):
                wrong.append(f"{module} imports {imported}, a later stage")
    assert wrong == []


def test_records_and_settings_import_nothing_of_storylines():
    for name in ("records.py", "config.py", "words.py"):
        assert not [module for module in _imports(LIBRARY / name) if module.startswith(("clustering", "flows"))]
