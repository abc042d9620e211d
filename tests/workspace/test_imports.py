"""Manifests that name two frameworks or ORMs are settled by what the code imports."""

from __future__ import annotations

from pathlib import Path

from backend_planner.workspace import analyze


def write(root: Path, files: dict[str, str]) -> None:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)


def test_python_code_imports_one_of_two_frameworks(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "requirements.txt": "flask==3.0\nfastapi==0.110\nsqlalchemy==2.0\npeewee==3.17\n",
            "app/main.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
            "app/db.py": "import sqlalchemy as sa\n",
            "scripts/legacy.txt": "import flask\n",  # not code: doesn't count
        },
    )
    (service,) = analyze(tmp_path).backends()
    assert service.frameworks == ["fastapi"]
    assert service.orm == ["sqlalchemy"]
    assert service.evidence["frameworks.fastapi"] == "app/main.py"
    assert service.evidence["orm.sqlalchemy"] == "app/db.py"


def test_go_code_imports_one_of_two_routers(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "go.mod": "module x\n\ngo 1.22\n\nrequire (\n\tgithub.com/gin-gonic/gin v1.9.1\n"
            "\tgithub.com/labstack/echo/v4 v4.11.4\n)\n",
            "main.go": 'package main\n\nimport (\n\t"github.com/labstack/echo/v4"\n)\n',
        },
    )
    (service,) = analyze(tmp_path).backends()
    assert service.frameworks == ["echo"]
    assert service.evidence["frameworks.echo"] == "main.go"


def test_code_that_says_nothing_leaves_the_manifest_facts(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "requirements.txt": "flask==3.0\nfastapi==0.110\n",
            "app/main.py": "",
        },
    )
    (service,) = analyze(tmp_path).backends()
    assert service.frameworks == ["fastapi", "flask"]
    assert service.evidence["frameworks.flask"] == "requirements.txt"
