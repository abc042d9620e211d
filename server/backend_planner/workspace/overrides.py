"""`.backend-planner.toml`: a workspace's own word on any fact, applied over the detection.

```toml
[[service]]
path = "."                      # which service (added when detection missed it)
frameworks = ["gin"]
orm = ["gorm"]
[service.migrations]
tool = "goose"
dir = "db/migrations"
[service.layout]
handlers = ["internal/http"]
```
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from backend_planner.errors import ConfigError, Problem

if TYPE_CHECKING:
    from backend_planner.workspace.profile import StackProfile

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

_TOP_KEYS = {"service", "languages"}


def load_overrides(path: Path) -> dict[str, Any] | None:
    """The parsed override file, None when there is none; ConfigError names file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: can't read: {exc}") from exc
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise ConfigError(
            f"{path}: unknown key {unknown[0]!r} (allowed: [[service]] tables, languages)"
        )
    services = data.get("service", [])
    if not isinstance(services, list) or not all(isinstance(s, dict) for s in services):
        raise ConfigError(f"{path}: `service` must be [[service]] tables")
    for number, entry in enumerate(services, start=1):
        if not isinstance(entry.get("path"), str):
            raise ConfigError(f"{path}: [[service]] #{number}: field 'path' (a string) is required")
    return data


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _evidence_keys(prefix: str, value: Any) -> list[str]:
    if isinstance(value, dict) and prefix not in ("migrations", "tests", "layout", "naming"):
        return [prefix]
    if isinstance(value, dict):
        return [f"{prefix}.{k}" for k in value]
    if isinstance(value, list) and prefix in ("frameworks", "orm"):
        return [f"{prefix}.{v}" for v in value]
    return [prefix]


def apply_overrides(profile: StackProfile, data: dict[str, Any], path: Path) -> StackProfile:
    """The profile with every fact the file states replaced; the file is the evidence."""
    from pydantic import ValidationError  # only a workspace with an override file needs it

    from backend_planner.workspace.profile import Language, Service

    services = {s.path: s.model_dump() for s in profile.services}
    order = [s.path for s in profile.services]
    for number, entry in enumerate(data.get("service", []), start=1):
        entry = dict(entry)
        key = entry["path"]
        base = services.get(key, {"path": key})
        merged = _merge(base, entry)
        evidence = dict(merged.get("evidence", {}))
        for field, value in entry.items():
            if field not in ("path", "evidence"):
                for name in _evidence_keys(field, value):
                    evidence[name] = path.name
        merged["evidence"] = dict(sorted(evidence.items()))
        if isinstance(merged.get("migrations"), dict) and "tool" not in merged["migrations"]:
            raise ConfigError(
                f"{path}: [[service]] #{number} (path {key!r}): migrations.tool is required"
            )
        try:
            services[key] = Service.model_validate(merged).model_dump()
        except ValidationError as exc:
            problems = [
                Problem(".".join(str(p) for p in err["loc"]), err["msg"]) for err in exc.errors()
            ]
            first = problems[0]
            raise ConfigError(
                f"{path}: [[service]] #{number} (path {key!r}): field '{first.place}': "
                f"{first.message}",
                problems[1:],
            ) from exc
        if key not in order:
            order.append(key)
    update: dict[str, Any] = {
        "services": [Service.model_validate(services[k]) for k in order],
        "overrides": path.name,
    }
    if "languages" in data:
        try:
            update["languages"] = [Language.model_validate(x) for x in data["languages"]]
        except (ValidationError, TypeError) as exc:
            raise ConfigError(
                f"{path}: field 'languages': expected [{{name, files}}] ({exc})"
            ) from exc
    return profile.model_copy(update=update)
