"""Spring Boot configuration of a service as flat `key → value` text: the default profile's
application.properties / application.yml of src/main/resources and of its config/ folder (which
Spring Boot reads too, and which wins), read with ctx.read_text."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from backend_planner.workspace.codemap.extractor import ServiceContext
from backend_planner.workspace.codemap.rules import load_rules

PROFILE_KEYS = ("spring.config.activate.on-profile", "spring.profiles")


@dataclass(frozen=True)
class ConfigFile:
    name: str


@dataclass(frozen=True)
class ConfigDir:
    name: str


CONFIG_FILES = tuple(c.name for c in load_rules("jvm", "config_file", ConfigFile))
CONFIG_DIRS = tuple(d.name for d in load_rules("jvm", "config_dir", ConfigDir))


def read_config(ctx: ServiceContext) -> dict[str, str]:
    """The service's properties; a key set by an earlier config file wins."""
    config: dict[str, str] = {}
    wanted = [folder + name for folder in CONFIG_DIRS for name in CONFIG_FILES]
    for suffix in wanted:
        for path in ctx.files:
            if path == suffix or path.endswith("/" + suffix):
                text = ctx.read_text(path)
                if text is None:
                    continue
                values = (
                    parse_yaml(text)
                    if suffix.endswith((".yml", ".yaml"))
                    else parse_properties(text)
                )
                for key, value in values.items():
                    config.setdefault(key, value)
    return config


def parse_properties(text: str) -> dict[str, str]:
    """`key=value`, `key: value`, `key value` lines; `#`/`!` comments; `\\` continuations."""
    out: dict[str, str] = {}
    logical = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not logical and (not line or line[0] in "#!"):
            continue
        if line.endswith("\\"):
            logical += line[:-1]
            continue
        line, logical = logical + line, ""
        key, value = _split_property(line)
        if key:
            out.setdefault(key, value)
    return out


def _split_property(line: str) -> tuple[str, str]:
    for i, ch in enumerate(line):
        if ch in "=:" or ch.isspace():
            rest = line[i + 1 :].strip()
            if ch.isspace() and rest[:1] in ("=", ":"):
                rest = rest[1:].strip()
            return line[:i].strip(), rest
    return line, ""


def parse_yaml(text: str) -> dict[str, str]:
    """The YAML documents without a profile condition, flattened to dotted keys."""
    import yaml

    out: dict[str, str] = {}
    try:
        documents = list(yaml.safe_load_all(text))
    except yaml.YAMLError:
        return out
    for document in documents:
        flat: dict[str, str] = {}
        _flatten(document, "", flat, 0)
        if any(key in flat or any(k.startswith(key + "[") for k in flat) for key in PROFILE_KEYS):
            continue
        for key, value in flat.items():
            out.setdefault(key, value)
    return out


def _flatten(value: Any, prefix: str, out: dict[str, str], depth: int) -> None:
    if depth > 50:
        return
    if isinstance(value, dict):
        for key, inner in value.items():
            _flatten(inner, f"{prefix}.{key}" if prefix else str(key), out, depth + 1)
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            _flatten(inner, f"{prefix}[{i}]", out, depth + 1)
    elif value is not None and prefix:
        out[prefix] = str(value).lower() if isinstance(value, bool) else str(value)
