"""Route path arithmetic shared by every framework: joining prefixes, and writing parameters
the one way the code map does (`{name}`, no trailing slash)."""

from __future__ import annotations

import re

DYNAMIC = "{dynamic}"

_PARAM_PATTERNS = [
    (re.compile(r"^:([A-Za-z_][\w\-]*)\??(\(.*\))?$"), 1),  # :id  :id?  :id(\d+)
    (re.compile(r"^\{([^}:]+?)(?::.*)?\??\}$"), 1),  # {id} {id:[0-9]+}
    (re.compile(r"^<(?:[^<>:]+:)?([^<>]+)>$"), 1),  # <id> <int:id>
    (re.compile(r"^\[{1,2}(?:\.\.\.)?([^\[\]]+)\]{1,2}$"), 1),  # [id] [...slug]
    (re.compile(r"^\*([A-Za-z_]\w*)$"), 1),  # *rest
    (re.compile(r"^\(\?P?<(\w+)>.*\)\??$"), 1),  # (?P<id>...)
]


_PLAIN = re.compile(r"/(?:[\w.~\-@$!,;=+&%]+/)*[\w.~\-@$!,;=+&%]+")


def normalize(path: str) -> str:
    """`/api/users/:id/` → `/api/users/{id}`; '' → '/'."""
    if _PLAIN.fullmatch(path):  # already written our way: no parameter, no slash to fix
        return path
    segments = []
    for segment in _split(path):
        if not segment:
            continue
        segments.append(_param(segment))
    return "/" + "/".join(segments)


def join(*parts: str | None) -> str:
    """Prefixes and a path joined with exactly one '/' between them, normalized."""
    return normalize("/".join(p for p in parts if p))


_BRACED = re.compile(r"\{([^{}:]+?)\??(?::(?:[^{}]|\{[^{}]*\})*)?\}")


def _param(segment: str) -> str:
    if segment == DYNAMIC:
        return segment
    if segment in ("*", "**"):
        return "{wildcard}"
    if segment.count("{") > 1 or (segment.count("{") == 1 and not segment.startswith("{")):
        # several parameters, or text around one: `{prefix:[@~]}{name}`, `v{version:\d+}`
        return _BRACED.sub(lambda m: "{" + m.group(1).strip() + "}", segment)
    for pattern, group in _PARAM_PATTERNS:
        match = pattern.match(segment)
        if match:
            return "{" + match.group(group).strip("?") + "}"
    return segment


def _split(path: str) -> list[str]:
    """Split on '/' except inside {...} <...> (...) (regex parameters may contain '/')."""
    out: list[str] = []
    current: list[str] = []
    depth = 0
    for ch in path:
        if ch in "{<(":
            depth += 1
        elif ch in "}>)" and depth > 0:
            depth -= 1
        if ch == "/" and depth == 0:
            out.append("".join(current))
            current = []
        else:
            current.append(ch)
    out.append("".join(current))
    return out
