"""The file index: files added after it was built (git's untracked files) index as if listed."""

from __future__ import annotations

import pytest

from backend_planner.workspace.index import FEW_NEW, FileIndex

FILES = sorted(
    {
        "go.mod",
        "main.go",
        ".go",  # a file named like an extension is written in no language
        "api/main.go",
        "api/handlers/user.go",
        "web/App.TSX",
        "web/src/main.go",
        "tools/requirements.txt",
        "tools/x.py",
        "docs/ünïcode.PY",
        *(f"pkg/p{n:03d}/file.go" for n in range(300)),
    }
)


def _facts(index: FileIndex) -> dict[str, object]:
    return {
        "files": index.files,
        "dirs": index.dirs,
        "langs": index.langs,
        "counts": dict(index.language_counts),
        "named": {name: index.named(name) for name in sorted(index.names())},
        "language": index.language,
    }


@pytest.mark.parametrize("step", [1, 7, 2])
def test_extended_is_the_index_of_all_the_files(step: int) -> None:
    extra = FILES[::step] if step != 1 else FILES[: FEW_NEW + 1]  # 1: too many, rebuilt
    base = sorted(set(FILES) - set(extra))
    if step == 7:
        extra = sorted([*extra, base[3]])  # and one listed already
    index = FileIndex.build(base, increasing=True)
    extended = index.extended(
        extra, [f.rpartition("/")[0] for f in extra], [f.rpartition("/")[2] for f in extra]
    )
    assert _facts(extended) == _facts(FileIndex.build(FILES, increasing=True))
