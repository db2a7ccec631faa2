"""A ``Config`` from files and the environment, and back to TOML.

``load_config`` reads a TOML file (sections named after the parts: ``[embed]``, ``[cluster]``,
``[reuse.align]``) and then the environment (``STORYLINE_EMBED__MODEL``, ``STORYLINE_RUN__INCREMENTAL_SHARE``:
the part and the setting joined by ``__``), each over the defaults of ``config``, and checks every value's
type with pydantic (already installed with Prefect). A name that is no setting, in any section, is an error:
the sections are read off ``Config``'s fields.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from clustering.config import Config

ENVIRONMENT_PREFIX = "STORYLINE_"


class ConfigError(ValueError):
    """A settings file or variable that names no setting, or holds a value of the wrong type."""


def _check_names(values: Mapping[str, Any], kind: type, where: str) -> None:
    """Every name in ``values`` is a setting of ``kind``; a section (a field whose type is a dataclass) is
    checked the same way, so a new part of ``Config`` is checked without being listed anywhere."""
    types = typing.get_type_hints(kind)
    for name, value in values.items():
        if name not in types:
            raise ConfigError(f"unknown setting '{where}{name}' (known here: {', '.join(types)})")
        if dataclasses.is_dataclass(types[name]):
            if not isinstance(value, Mapping):
                raise ConfigError(f"{where}{name} is a section: expected a table of settings, not {value!r}")
            _check_names(value, types[name], f"{where}{name}.")


def _merge(base: dict[str, Any], update: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in update.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    settings: dict[str, Any] = {}
    for name, value in sorted(environ.items()):
        if not name.startswith(ENVIRONMENT_PREFIX) or "__" not in name:
            continue  # STORYLINE_CACHE and the like are not settings of a run
        path = name.removeprefix(ENVIRONMENT_PREFIX).lower().split("__")
        target = settings
        for part in path[:-1]:
            target = target.setdefault(part, {})
        target[path[-1]] = value
    return settings


def load_config(
    path: Path | str | None = None,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Config:
    """The defaults, updated from the TOML file at ``path``, then the ``STORYLINE_PART__SETTING``
    variables of ``environ`` (the process's environment by default), then ``overrides`` (nested by part,
    as a command line gives them). Raises ``ConfigError`` naming the setting that is wrong."""
    from pydantic import TypeAdapter, ValidationError

    layers: list[tuple[str, Mapping[str, Any]]] = []
    if path is not None:
        try:
            layers.append((str(path), tomllib.loads(Path(path).read_text(encoding="utf-8"))))
        except OSError as error:
            raise ConfigError(f"{path}: {error.strerror}") from error
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"{path}: not valid TOML ({error})") from error
    layers.append(("the environment", _from_environment(os.environ if environ is None else environ)))
    layers.append(("the command line", overrides or {}))
    settings = dataclasses.asdict(Config())
    for source, layer in layers:
        try:
            _check_names(layer, Config, "")
        except ConfigError as error:
            raise ConfigError(f"{source}: {error}") from None
        settings = _merge(settings, layer)
    try:
        return TypeAdapter(Config).validate_python(settings)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        raise ConfigError(f"invalid settings: {problems}") from None


def config_toml(config: Config) -> str:
    """``config`` as a TOML file ``load_config`` reads back (a setting left unset, ``None``, is omitted)."""
    lines: list[str] = []

    def section(name: str, part: Any) -> None:
        values = {item.name: getattr(part, item.name) for item in dataclasses.fields(part)}
        lines.append(f"[{name}]")
        for key, value in values.items():
            if value is None:
                lines.append(f"# {key} is unset (the stage chooses)")
            elif not dataclasses.is_dataclass(value):
                lines.append(f"{_toml_key(key)} = {_toml_value(value)}")
        lines.append("")
        for key, value in values.items():
            if dataclasses.is_dataclass(value):
                section(f"{name}.{key}", value)

    for item in dataclasses.fields(config):
        section(item.name, getattr(config, item.name))
    return "\n".join(lines)


def _toml_key(key: str) -> str:
    return key if key.isascii() and key.replace("_", "").replace("-", "").isalnum() else _toml_value(key)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_toml_key(key)} = {_toml_value(item)}" for key, item in value.items()) + "}"
    escaped = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
