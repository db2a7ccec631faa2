"""The layout shows the flow: records and settings at the bottom, storage below the stages, the stages in
their order (ingest → reuse → embed → stories → publish), the run object above them, and nothing in the
library importing the flows or the CLI."""

from __future__ import annotations

import ast
import dataclasses
import typing
from collections.abc import Iterator
from pathlib import Path

import pytest

from clustering.config import Config
from clustering.config_files import ConfigError, load_config

LIBRARY = Path(__file__).resolve().parent.parent / "clustering"
# Each layer may import its own modules and those of the layers before it, never those after.
LAYERS = [
    [
        "clustering.records",
        "clustering.agencies",
        "clustering.config",
        "clustering.config_files",
        "clustering.words",
        "clustering.scripts",
        "clustering.compiled",
    ],
    ["clustering.storage"],
    ["clustering.ingest"],
    ["clustering.reuse"],
    ["clustering.embed"],
    ["clustering.stories"],
    ["clustering.publish"],
    ["clustering.stages"],
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
    # Settings import the agency list only: the default of ``reuse.agencies`` is every rule's list. The agency
    # list reads which scripts space their words (a Chinese name has no word boundary around it).
    allowed = {"config.py": {"clustering.agencies"}, "agencies.py": {"clustering.scripts"}}
    for name in ("records.py", "agencies.py", "config.py", "words.py", "scripts.py"):
        ours = {module for module in _imports(LIBRARY / name) if module.startswith(("clustering", "flows"))}
        assert ours <= allowed.get(name, set())


def _sections(kind: type, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every section of the configuration, nested ones too (``("reuse", "align")``)."""
    for name, hint in typing.get_type_hints(kind).items():
        if dataclasses.is_dataclass(hint):
            yield (*path, name)
            yield from _sections(hint, (*path, name))


def test_every_config_section_rejects_an_unknown_key(tmp_path):
    sections = list(_sections(Config))
    assert ("thread",) in sections and ("reuse", "align") in sections
    for section in sections:
        overrides: dict = {"max_gap_dayz": 5}
        for part in reversed(section):
            overrides = {part: overrides}
        where = ".".join(section)
        with pytest.raises(ConfigError, match=f"unknown setting '{where}.max_gap_dayz'"):
            load_config(overrides=overrides, environ={})
        toml = tmp_path / f"{where}.toml"
        toml.write_text(f"[{where}]\nmax_gap_dayz = 5\n")
        with pytest.raises(ConfigError, match=f"{toml}: unknown setting"):
            load_config(toml, environ={})
        variable = "STORYLINE_" + "__".join(part.upper() for part in section) + "__MAX_GAP_DAYZ"
        with pytest.raises(ConfigError, match="the environment: unknown setting"):
            load_config(environ={variable: "5"})


# A module a newcomer can read through, a function that fits a screen.
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


def test_no_long_module_or_function():
    """No library module over 400 lines and no function over 60, compiled (numba) kernels aside."""
    found = {}
    for path in sorted(LIBRARY.rglob("*.py")):
        name, text = str(path.relative_to(LIBRARY)), path.read_text()
        if len(text.splitlines()) > MAX_MODULE_LINES:
            found[name] = len(text.splitlines())
        for node in ast.walk(ast.parse(text)):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            compiled = any("njit" in ast.unparse(decorator) for decorator in node.decorator_list)
            length = node.end_lineno - node.lineno + 1
            if not compiled and length > MAX_FUNCTION_LINES:
                found[f"{name}:{node.name}"] = length
    assert found == {}


def test_no_compiled_function_calls_one_from_another_module():
    """numba's cache of a compiled function is renewed when its own file changes, not when a file it calls
    into does: a kernel calling another module's would keep running that module's old code from the cache."""
    found = []
    for path in sorted(LIBRARY.rglob("*.py")):
        tree = ast.parse(path.read_text())
        imported = {
            alias.asname or alias.name
            for node in tree.body
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("clustering")
            for alias in node.names
        }
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and any("njit" in ast.unparse(d) for d in node.decorator_list):
                called = {
                    call.func.id
                    for statement in node.body
                    for call in ast.walk(statement)
                    if isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
                }
                found += [f"{path.relative_to(LIBRARY)}:{node.name} calls {name}" for name in called & imported]
    assert found == []
