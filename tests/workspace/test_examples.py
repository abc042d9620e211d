"""The example backends (examples/*/, see their README.md) analysed through the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from conftest import EXAMPLES_DIR


def analyze(name: str) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-m", "backend_planner", "analyze", str(EXAMPLES_DIR / name), "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    (service,) = data["services"]
    return service


def templates(service: dict[str, Any]) -> dict[str, str]:
    return {k: v["template"] for k, v in service["naming"].items() if isinstance(v, dict)}


def test_go_gin_shop() -> None:
    s = analyze("go-gin-shop")
    assert (s["path"], s["language"], s["frameworks"], s["orm"]) == (".", "go", ["gin"], ["gorm"])
    assert s["migrations"]["tool"] == "golang-migrate"
    assert s["migrations"]["dir"] == "migrations"
    assert s["migrations"]["next"] == [
        "migrations/000004_example.up.sql",
        "migrations/000004_example.down.sql",
    ]
    assert s["tests"] == {
        "framework": "go-test",
        "layout": "colocated",
        "dir": None,
        "pattern": "*_test.go",
        "helpers": ["testify"],
    }
    layout = s["layout"]
    assert layout["handlers"] == ["internal/handlers"]
    assert layout["routes"] == ["internal/routes"]
    assert layout["services"] == ["internal/services"]
    assert layout["models"] == ["internal/models"]
    assert layout["repositories"] == ["internal/repository"]
    assert layout["migrations"] == ["migrations"]
    assert s["naming"]["file_case"] == "snake"
    assert templates(s) | {"tests": ""} == {
        "handlers": "internal/handlers/{name}_handler.go",
        "routes": "internal/routes/routes.go",
        "services": "internal/services/{name}_service.go",
        "models": "internal/models/{name}.go",
        "repositories": "internal/repository/{name}_repository.go",
        "tests": "",
    }


def test_fastapi_inventory() -> None:
    s = analyze("fastapi-inventory")
    assert (s["language"], s["frameworks"], s["orm"]) == ("python", ["fastapi"], ["sqlalchemy"])
    migrations = s["migrations"]
    assert (migrations["tool"], migrations["dir"]) == ("alembic", "alembic/versions")
    # the head revision, read from the revision files' `revision`/`down_revision` lines
    assert migrations["down_revision"] == "e5b7a0c3f218"
    (name,) = migrations["next"]
    assert name.startswith("alembic/versions/") and name.endswith("_example.py")
    assert (s["tests"]["framework"], s["tests"]["layout"], s["tests"]["dir"]) == (
        "pytest",
        "separate",
        "tests",
    )
    assert s["tests"]["pattern"] == "test_*.py"
    layout = s["layout"]
    assert layout["handlers"] == ["app/api/v1"]
    assert layout["services"] == ["app/services"]
    assert layout["models"] == ["app/models"]
    assert layout["repositories"] == ["app/repositories"]
    assert layout["tests"] == ["tests"]
    assert s["naming"]["file_case"] == "snake"
    t = templates(s)
    assert t["services"] == "app/services/{name}_service.py"
    assert t["repositories"] == "app/repositories/{name}_repository.py"
    assert t["models"] == "app/models/{name}.py"
    assert s["naming"]["models"]["plural"] is False


def test_express_prisma_api() -> None:
    s = analyze("express-prisma-api")
    assert (s["language"], s["frameworks"], s["orm"]) == ("typescript", ["express"], ["prisma"])
    migrations = s["migrations"]
    assert (migrations["tool"], migrations["dir"]) == ("prisma-migrate", "prisma/migrations")
    assert migrations["next"] == ["prisma/migrations/20240315093001_example/migration.sql"]
    assert (s["tests"]["framework"], s["tests"]["layout"], s["tests"]["dir"]) == (
        "jest",
        "separate",
        "tests",
    )
    layout = s["layout"]
    assert layout["handlers"] == ["src/controllers"]
    assert layout["routes"] == ["src/routes"]
    assert layout["services"] == ["src/services"]
    assert layout["models"] == ["prisma/schema.prisma"]
    assert layout["repositories"] == []
    t = templates(s)
    assert t["handlers"] == "src/controllers/{name}.controller.ts"
    assert t["routes"] == "src/routes/{name}.routes.ts"
    assert t["services"] == "src/services/{name}.service.ts"
    assert s["naming"]["handlers"]["plural"] is True  # users.controller.ts
