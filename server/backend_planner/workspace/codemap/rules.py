"""Framework knowledge of the code map, kept as data: `rules/<family>.toml`, checked on load.

Each extractor family declares the shape of its entries as a frozen dataclass; `load_rules`
reads `[[<table>]]` entries into instances of it. A missing or unknown key, a wrong type, or a
`name` used twice is a ConfigError naming the file, the entry and the key — at load time, not
a silent miss.

    @dataclass(frozen=True)
    class RouteStyle:
        name: str
        methods: dict[str, str]
        group: tuple[str, ...] = ()

    STYLES = load_rules("go", "router", RouteStyle)
"""

from __future__ import annotations

import dataclasses
import sys
import types
import typing
from functools import cache
from importlib.resources import files
from typing import Any, TypeVar

from backend_planner.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

T = TypeVar("T")


@cache
def _document(family: str) -> dict[str, Any]:
    resource = (
        files("backend_planner.workspace.codemap").joinpath("rules").joinpath(f"{family}.toml")
    )
    try:
        document: dict[str, Any] = tomllib.loads(resource.read_text(encoding="utf-8"))
        return document
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"codemap/rules/{family}.toml: {exc}") from exc


def load_rules(family: str, table: str, shape: type[T]) -> tuple[T, ...]:
    """The `[[table]]` entries of `rules/<family>.toml` as `shape` instances."""
    place = f"codemap/rules/{family}.toml"
    entries = _document(family).get(table)
    if not isinstance(entries, list):
        raise ConfigError(f"{place}: no [[{table}]] entries")
    fields = {f.name: f for f in dataclasses.fields(shape)}  # type: ignore[arg-type]
    hints = typing.get_type_hints(shape)
    out: list[T] = []
    names: set[str] = set()
    for i, entry in enumerate(entries):
        where = f"{place}: {table}[{i}]"
        unknown = sorted(set(entry) - set(fields))
        if unknown:
            raise ConfigError(f"{where}: unknown key {unknown[0]!r}")
        values: dict[str, Any] = {}
        for name, spec in fields.items():
            if name not in entry:
                if (
                    spec.default is dataclasses.MISSING
                    and spec.default_factory is dataclasses.MISSING
                ):
                    raise ConfigError(f"{where}: missing key {name!r}")
                continue
            values[name] = _checked(entry[name], hints[name], f"{where}.{name}")
        if "name" in values:
            if values["name"] in names:
                raise ConfigError(f"{where}: name {values['name']!r} used twice")
            names.add(values["name"])
        out.append(shape(**values))
    return tuple(out)


def rules_by_name(family: str, table: str, shape: type[T]) -> dict[str, T]:
    """The `[[table]]` entries of `rules/<family>.toml` by their `name` (unique: checked)."""
    return {getattr(entry, "name"): entry for entry in load_rules(family, table, shape)}  # noqa: B009


def _checked(value: Any, hint: Any, where: str) -> Any:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if hint is Any:
        return value
    if origin is typing.Union or origin is types.UnionType:
        for arg in args:
            try:
                return _checked(value, arg, where)
            except ConfigError:
                continue
        raise ConfigError(f"{where}: {value!r} is not {hint}")
    if hint is type(None):
        if value is not None:
            raise ConfigError(f"{where}: expected nothing, got {value!r}")
        return None
    if origin in (tuple, list):
        if not isinstance(value, list):
            raise ConfigError(f"{where}: expected a list, got {value!r}")
        item = args[0] if args else Any
        items = [_checked(v, item, f"{where}[{i}]") for i, v in enumerate(value)]
        return tuple(items) if origin is tuple else items
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a table, got {value!r}")
        key_hint, value_hint = args or (Any, Any)
        return {
            _checked(k, key_hint, where): _checked(v, value_hint, f"{where}.{k}")
            for k, v in value.items()
        }
    if hint in (str, int, bool, float):
        if not isinstance(value, hint) or (hint is int and isinstance(value, bool)):
            raise ConfigError(f"{where}: expected {hint.__name__}, got {value!r}")
        return value
    raise ConfigError(f"{where}: unsupported type {hint}")
