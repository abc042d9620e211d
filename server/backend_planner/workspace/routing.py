"""How a service writes its HTTP routes: the API prefix, the path-parameter syntax, the update verb.

Pure: reads only the service's route/handler files (and its usual entry points) under `root`,
no clock, sorted decisions. A source file that is empty or says nothing gives the framework's
defaults, so an unknown repo still gets routes in its framework's own syntax.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from backend_planner.workspace.profile import Service

MAX_FILES = 80
MAX_BYTES = 200_000

# Path-parameter syntax per framework: the template with `name` standing for the parameter.
PARAM_STYLES: dict[str, str] = {
    "gin": ":name",
    "echo": ":name",
    "fiber": ":name",
    "httprouter": ":name",
    "express": ":name",
    "fastify": ":name",
    "koa": ":name",
    "nestjs": ":name",
    "hapi": "{name}",
    "rails": ":name",
    "sinatra": ":name",
    "axum": "{name}",
    "actix": "{name}",
    "rocket": "<name>",
    "chi": "{name}",
    "gorilla": "{name}",
    "nethttp": "{name}",
    "fastapi": "{name}",
    "litestar": "{name:int}",
    "starlette": "{name}",
    "flask": "<int:name>",
    "django": "<int:name>",
    "spring-boot": "{name}",
    "spring": "{name}",
    "laravel": "{name}",
    "symfony": "{name}",
}
DEFAULT_PARAM_STYLE = "{name}"
LANGUAGE_PARAM_STYLE = {
    "javascript": ":name",
    "typescript": ":name",
    "ruby": ":name",
    "go": ":name",
}
PATCH_FIRST = frozenset({"fastapi", "django", "rails", "express", "nestjs", "litestar"})

ENTRY_POINTS = (
    "main.go",
    "cmd/main.go",
    "cmd/server/main.go",
    "cmd/api/main.go",
    "app.py",
    "main.py",
    "app/main.py",
    "src/main.py",
    "src/app/main.py",
    "app.js",
    "server.js",
    "index.js",
    "src/app.ts",
    "src/app.js",
    "src/main.ts",
    "src/index.ts",
    "src/server.ts",
    "config/routes.rb",
    "routes/api.php",
    "src/main.rs",
    "src/startup.rs",
)

# Calls that mount a group of routes under a path (the string literal is captured).
_MOUNTS = [
    re.compile(r"""\.Group\(\s*"(/[^"]*)\""""),  # gin, echo, fiber
    re.compile(r"""\.(?:Route|Mount)\(\s*"(/[^"]*)\""""),  # chi
    re.compile(r"""APIRouter\([^)]*?prefix\s*=\s*["'](/[^"']*)["']"""),  # FastAPI
    re.compile(r"""include_router\([^)]*?prefix\s*=\s*["'](/[^"']*)["']"""),
    re.compile(r"""\.use\(\s*["'`](/[^"'`]*)["'`]\s*,"""),  # express/koa
    re.compile(r"""register\([^)]*?prefix\s*:\s*["'](/[^"']*)["']"""),  # fastify
    re.compile(r"""setGlobalPrefix\(\s*["'](/?[^"']*)["']"""),  # nest
    re.compile(r"""@RequestMapping\(\s*(?:value\s*=\s*|path\s*=\s*)?\{?\s*"(/[^"]*)\""""),  # spring
    re.compile(r"""Route::prefix\(\s*["'](/?[^"']*)["']"""),  # laravel
    re.compile(r"""\bpath\(\s*["'](api/[^"']*)["']"""),  # django
    re.compile(r"""\bweb::scope\(\s*"(/[^"]*)\""""),  # actix
    re.compile(r"""\.nest\(\s*"(/[^"]*)\""""),  # axum
    re.compile(r"""Blueprint\([^)]*?url_prefix\s*=\s*["'](/[^"']*)["']"""),  # flask
    re.compile(r"""register_blueprint\([^)]*?url_prefix\s*=\s*["'](/[^"']*)["']"""),
]
_ROUTER = _MOUNTS[2]  # a router's own prefix, not a mount point
_INCLUDE = re.compile(r"\b(?:include_router|register_blueprint|add_api_route)\(")
_RAILS_NAMESPACE = re.compile(r"^\s*(?:namespace|scope)\s+:?['\"]?(\w+)", re.MULTILINE)
_API_PREFIX = re.compile(r"^/?((?:api)(?:/v\d+)?|v\d+)(?:/|$)", re.IGNORECASE)
_PUT = re.compile(r"(?:\.put|\.PUT|\.Put|PutMapping|Route::put)\s*\(|^\s*put\s+['\"]", re.M)
_PATCH = re.compile(
    r"(?:\.patch|\.PATCH|\.Patch|PatchMapping|Route::patch)\s*\(|^\s*patch\s+['\"]", re.M
)


class Routing(BaseModel):
    """The route style of a service."""

    model_config = ConfigDict(extra="forbid")

    prefix: str = Field(default="", description='API prefix such as "/api/v1"; "" when none.')
    param_style: str = Field(
        default=DEFAULT_PARAM_STYLE,
        description='Path-parameter template, `name` standing for the parameter: ":name", '
        '"{name}", "<int:name>".',
    )
    update_method: str = Field(default="PUT", description="PUT or PATCH, as the routes use.")
    registration_file: str | None = Field(
        default=None, description="Repo-relative file that mounts the route groups."
    )
    evidence: dict[str, str] = Field(default_factory=dict)

    def param(self, name: str) -> str:
        return self.param_style.replace("name", name, 1)


def default_routing(service: Service) -> Routing:
    style = _framework_style(service)
    patch = any(f in PATCH_FIRST for f in service.frameworks)
    return Routing(param_style=style, update_method="PATCH" if patch else "PUT")


def _framework_style(service: Service) -> str:
    for framework in sorted(service.frameworks):
        if framework in PARAM_STYLES:
            return PARAM_STYLES[framework]
    return LANGUAGE_PARAM_STYLE.get(service.language or "", DEFAULT_PARAM_STYLE)


def route_files(root: Path, service: Service) -> list[str]:
    """Repo-relative files where the service's routes are likely written (sorted, bounded)."""
    base = "" if service.path in ("", ".") else service.path.rstrip("/") + "/"
    candidates: set[str] = set()
    entries = [*service.layout.routes, *service.layout.handlers]
    for entry in entries:
        if "<name>" in entry:
            head = entry.split("<name>", 1)[0].rstrip("/")
            directory = root / head if head else root
            if directory.is_dir():
                for child in sorted(directory.iterdir())[:MAX_FILES]:
                    if child.is_dir():
                        candidates.update(_files_in(root, child))
            continue
        path = root / entry
        if path.is_file():
            candidates.add(entry)
        elif path.is_dir():
            candidates.update(_files_in(root, path))
    for entry in ENTRY_POINTS:
        if (root / base / entry).is_file():
            candidates.add(base + entry)
    return sorted(candidates)[:MAX_FILES]


def _files_in(root: Path, directory: Path) -> list[str]:
    out = []
    for child in sorted(directory.iterdir()):
        if (
            child.is_file()
            and child.suffix
            in {
                ".go",
                ".py",
                ".ts",
                ".js",
                ".mjs",
                ".java",
                ".kt",
                ".rb",
                ".php",
                ".rs",
            }
            and not child.name.endswith((".d.ts",))
        ):
            out.append(child.relative_to(root).as_posix())
    return out


def detect_routing(root: Path, service: Service) -> Routing:
    """The service's route style, read from its route files; framework defaults otherwise."""
    routing = default_routing(service)
    prefixes: Counter[str] = Counter()
    prefix_file: dict[str, str] = {}
    mounts: Counter[str] = Counter()
    puts = patches = 0
    for rel in route_files(root, service):
        try:
            with (root / rel).open(encoding="utf-8", errors="replace") as handle:
                text = handle.read(MAX_BYTES)
        except OSError:
            continue
        if not text.strip():
            continue
        found = [m.group(1) for regex in _MOUNTS for m in regex.finditer(text)]
        mounts[rel] += sum(len(regex.findall(text)) for regex in _MOUNTS if regex is not _ROUTER)
        mounts[rel] += len(_INCLUDE.findall(text))
        if rel.endswith("routes.rb"):
            names = _RAILS_NAMESPACE.findall(text)
            if names and names[0] == "api":
                found.append("/" + "/".join(n for n in names[:2] if n == "api" or _is_version(n)))
        if rel.endswith("routes/api.php") and "/api" not in prefixes:
            found.append("/api")
        for literal in found:
            match = _API_PREFIX.match(literal)
            if match:
                prefix = "/" + match.group(1).lower()
                prefixes[prefix] += 1
                prefix_file.setdefault(prefix, rel)
        puts += len(_PUT.findall(text))
        patches += len(_PATCH.findall(text))
    if prefixes:
        # Most used; on a tie the longest (the most specific), then by name.
        best = sorted(prefixes.items(), key=lambda kv: (-kv[1], -len(kv[0]), kv[0]))[0][0]
        routing.prefix = best
        routing.evidence["prefix"] = prefix_file[best]
    if puts != patches:
        routing.update_method = "PATCH" if patches > puts else "PUT"
    if mounts:
        busiest = sorted(mounts.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        if busiest[1]:
            routing.registration_file = busiest[0]
            routing.evidence["registration_file"] = busiest[0]
    if routing.registration_file is None and "nestjs" in service.frameworks:
        # A Nest feature module is registered by importing it into the root module.
        base = "" if service.path in ("", ".") else service.path.rstrip("/") + "/"
        for candidate in (f"{base}src/app.module.ts", f"{base}app.module.ts"):
            if (root / candidate).is_file():
                routing.registration_file = candidate
                routing.evidence["registration_file"] = candidate
                break
    return routing


def _is_version(name: str) -> bool:
    return bool(re.fullmatch(r"v\d+", name))
