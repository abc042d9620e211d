"""Spring Boot configuration of a service as flat `key → value` text: application.properties /
application.yml of src/main/resources and of its config/ folder (which Spring Boot reads too, and
which wins), read with ctx.read_text. The default profile's values, overridden by those of the
profiles these files activate (`spring.profiles.active: dev` → application-dev.yml and the
documents marked `on-profile: dev`), the last active profile winning, as Spring Boot does."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from backend_planner.workspace.codemap.extractor import ServiceContext
from backend_planner.workspace.codemap.rules import load_rules

PROFILE_KEYS = ("spring.config.activate.on-profile", "spring.profiles")
ACTIVE_PROFILES = "spring.profiles.active"
MAX_PROFILES = 5
PLACEHOLDER_DEFAULT = re.compile(r"\$\{[^}:]+:([^}]*)\}")


@dataclass(frozen=True)
class ConfigFile:
    name: str


@dataclass(frozen=True)
class ConfigDir:
    name: str


CONFIG_FILES = tuple(c.name for c in load_rules("jvm", "config_file", ConfigFile))
CONFIG_DIRS = tuple(d.name for d in load_rules("jvm", "config_dir", ConfigDir))


def read_config(ctx: ServiceContext) -> dict[str, str]:
    """The service's properties: the default profile's, overridden by the active profiles'
    (their own files, application-dev.yml, over their documents in application.yml)."""
    texts = _config_texts(ctx, CONFIG_FILES)
    config = _merge(texts, None)
    for profile in _active_profiles(config):  # a later profile overrides an earlier one
        names = tuple(_profile_file(name, profile) for name in CONFIG_FILES)
        values = _merge(_config_texts(ctx, names), None)
        for key, value in _merge(texts, profile).items():
            values.setdefault(key, value)
        config.update(values)
    return config


def _merge(texts: list[tuple[str, str]], profile: str | None) -> dict[str, str]:
    """The values of the files (the first file setting a key wins) for `profile` (None: the
    documents without a profile condition)."""
    config: dict[str, str] = {}
    for name, text in texts:
        if name.endswith((".yml", ".yaml")):
            values = parse_yaml(text, profile)
        else:
            values = parse_properties(text) if profile is None else {}
        for key, value in values.items():
            config.setdefault(key, value)
    return config


def _active_profiles(config: dict[str, str]) -> list[str]:
    """`spring.profiles.active: dev,local` (or a YAML list) → ["dev", "local"]; a build-time
    `@placeholder@` names none, `${ENV:dev}` its default."""
    raw = [config.get(ACTIVE_PROFILES, "")]
    raw += [
        config[f"{ACTIVE_PROFILES}[{i}]"]
        for i in range(MAX_PROFILES)
        if f"{ACTIVE_PROFILES}[{i}]" in config
    ]
    out: list[str] = []
    for value in raw:
        default = PLACEHOLDER_DEFAULT.fullmatch(value.strip())
        value = default.group(1) if default else value
        for name in value.split(","):
            name = name.strip()
            if name and name not in out and not any(c in name for c in "@${}"):
                out.append(name)
    return out[:MAX_PROFILES]


def _profile_file(name: str, profile: str) -> str:
    """`application.yml` of profile `dev` → `application-dev.yml`."""
    stem, dot, extension = name.rpartition(".")
    return f"{stem}-{profile}{dot}{extension}" if dot else f"{name}-{profile}"


def _config_texts(ctx: ServiceContext, names: tuple[str, ...]) -> list[tuple[str, str]]:
    """(file name, text) of the config files, in the order of precedence."""
    out = []
    for suffix in [folder + name for folder in CONFIG_DIRS for name in names]:
        for path in ctx.files:
            if path == suffix or path.endswith("/" + suffix):
                text = ctx.read_text(path)
                if text is not None:
                    out.append((suffix, text))
    return out


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


def parse_yaml(text: str, profile: str | None = None) -> dict[str, str]:
    """The YAML documents without a profile condition (or, given a profile, those for it),
    flattened to dotted keys."""
    import yaml

    out: dict[str, str] = {}
    try:
        documents = list(yaml.safe_load_all(text))
    except yaml.YAMLError:
        return out
    for document in documents:
        flat: dict[str, str] = {}
        _flatten(document, "", flat, 0)
        if _condition(flat) != profile:
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


def _condition(flat: dict[str, str]) -> str | None:
    """The profile a YAML document is for (`on-profile: dev`), None when for every profile; a
    condition naming several profiles (`dev | local`, `!prod`) matches none of them here."""
    for key in PROFILE_KEYS:
        if key in flat:
            return flat[key].strip()
        if any(k.startswith(key + "[") for k in flat):
            return "[list]"
    return None
