"""File naming learnt from the files a layer really has, not only from layer keywords."""

from __future__ import annotations

from pathlib import Path

from backend_planner.workspace import analyze

STARTER = (
    "<dependency><groupId>org.springframework.boot</groupId>"
    "<artifactId>{}</artifactId></dependency>"
)
POM = (
    "<project><modelVersion>4.0.0</modelVersion><groupId>x</groupId><artifactId>shop</artifactId>"
    "<version>1</version><dependencies>"
    + STARTER.format("spring-boot-starter-web")
    + STARTER.format("spring-boot-starter-data-jpa")
    + "</dependencies></project>\n"
)


def _write(root: Path, files: list[str]) -> None:
    for rel in files:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")


def test_a_suffix_most_files_share_is_learnt_and_models_learn_from_the_whole_dir(
    tmp_path: Path,
) -> None:
    base = "src/main/java/com/acme/shop"
    (tmp_path / "pom.xml").write_text(POM)
    _write(
        tmp_path,
        [
            f"{base}/ShopApplication.java",
            # JHipster style: REST resources, not *Controller
            *(f"{base}/web/rest/{n}Resource.java" for n in ("Account", "Label", "Operation")),
            f"{base}/web/rest/AuthenticateController.java",
            f"{base}/web/rest/package-info.java",
            # one abstract *Entity among plain entity classes
            f"{base}/domain/AbstractAuditingEntity.java",
            *(f"{base}/domain/{n}.java" for n in ("Label", "Operation", "BankAccount")),
            f"{base}/repository/LabelRepository.java",
            f"{base}/repository/OperationRepository.java",
        ],
    )
    (service,) = analyze(tmp_path).backends()
    assert service.naming.handlers is not None and service.naming.models is not None
    assert service.naming.handlers.template == f"{base}/web/rest/{{name}}Resource.java"
    assert service.naming.handlers.example == f"{base}/web/rest/AccountResource.java"
    assert service.naming.models.template == f"{base}/domain/{{name}}.java"
    assert service.naming.repositories is not None
    assert service.naming.repositories.template == f"{base}/repository/{{name}}Repository.java"


def test_keyword_suffixes_still_win_and_noise_files_are_never_the_example(tmp_path: Path) -> None:
    (tmp_path / "go.mod").write_text(
        "module example.com/shop\n\ngo 1.22\n\nrequire github.com/gin-gonic/gin v1.10.0\n"
    )
    _write(
        tmp_path,
        [
            "cmd/api/main.go",
            "internal/handlers/user_handler.go",
            "internal/handlers/order_handler.go",
            "internal/models/errors.go",
            "internal/models/user.go",
            "internal/models/order.go",
        ],
    )
    (service,) = analyze(tmp_path).backends()
    assert service.naming.handlers is not None and service.naming.models is not None
    assert service.naming.handlers.template == "internal/handlers/{name}_handler.go"
    assert service.naming.models.template == "internal/models/{name}.go"
    assert service.naming.models.example == "internal/models/order.go"


def test_tests_beside_the_handlers_do_not_outvote_their_suffix(tmp_path: Path) -> None:
    (tmp_path / "go.mod").write_text(
        "module example.com/shop\n\ngo 1.22\n\nrequire github.com/gin-gonic/gin v1.10.0\n"
    )
    _write(
        tmp_path,
        [
            "main.go",
            *(f"internal/handlers/{n}_handler.go" for n in ("health", "product", "user")),
            *(f"internal/handlers/{n}_handler_test.go" for n in ("health", "product")),
            "internal/handlers/billing.go",  # a new file, not yet named like the others
        ],
    )
    handlers = analyze(tmp_path).services[0].naming.handlers
    assert handlers is not None
    assert handlers.template == "internal/handlers/{name}_handler.go"
    assert handlers.example.endswith("_handler.go")
