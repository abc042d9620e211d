"""The planner skill's task patterns, filled in for one request and one service.

- standard: implement → critique (implementation) → test (user expectations) → critique (tests);
- subtasks: a parent with one sequential sub-task per component (foundations first) + a review
  task depending on the parent;
- investigation (fix/debug): a parent whose first sub-task investigates (whoever investigates
  adds one sub-task per issue found) + a review task depending on the parent.
"""

from __future__ import annotations

from contextvars import ContextVar

from backend_planner.planning.architecture import Component
from backend_planner.planning.commands import RepoCommands
from backend_planner.planning.model import (
    Architecture,
    FeatureSpec,
    PatternName,
    PlannedTask,
    SkillIds,
)
from backend_planner.planning.paths import migration_criterion
from backend_planner.tasks.models import ValidationCriteria
from backend_planner.workspace.profile import Service

BUILD_TIMEOUT = 3600
REVIEW_TIMEOUT = 1800
TEST_TIMEOUT = 3600
INVESTIGATE_TIMEOUT = 2700

VERDICT = "Returns a structured verdict (pass/fail per criterion) with actionable feedback"

TEST_COMMANDS = {
    "go-test": "go test ./...",
    "pytest": "pytest {tests}",
    "unittest": "python -m unittest",
    "django-test": "python manage.py test",
    "jest": "npm test",
    "vitest": "npx vitest run",
    "mocha": "npm test",
    "node-test": "npm test",
    "junit": "./mvnw test",
    "rspec": "bundle exec rspec",
    "minitest": "bin/rails test",
    "phpunit": "vendor/bin/phpunit",
    "pest": "vendor/bin/pest",
    "cargo-test": "cargo test",
}
MIGRATE_COMMANDS = {
    "golang-migrate": 'migrate -path {dir} -database "$DATABASE_URL" up',
    "goose": 'goose -dir {dir} "$DATABASE_URL" up',
    "alembic": "alembic upgrade head",
    "flask-migrate": "flask db upgrade",
    "django-migrations": "python manage.py migrate",
    "prisma-migrate": "npx prisma migrate dev --name {slug}",
    "typeorm-migrations": "npm run typeorm migration:run",
    "rails-migrations": "bin/rails db:migrate",
    "laravel-migrations": "php artisan migrate",
    "sqlx-migrate": "sqlx migrate run",
    "diesel-migrations": "diesel migration run",
    "flyway": "./mvnw flyway:migrate",
    "liquibase": "./mvnw liquibase:update",
    "knex-migrations": "npx knex migrate:latest",
    "sequelize-migrations": "npx sequelize-cli db:migrate",
    "doctrine-migrations": "php bin/console doctrine:migrations:migrate",
    "atlas": "atlas migrate apply",
    "dbmate": "dbmate up",
    "postgrator": "npm run migrate",
}
BUILD_COMMANDS = {
    "go": ["go build ./...", "go vet ./..."],
    "typescript": ["npx tsc --noEmit"],
    "rust": ["cargo build"],
    "java": ["./mvnw -q compile"],
}


REPO_COMMANDS: ContextVar[RepoCommands | None] = ContextVar("repo_commands", default=None)


def test_command(service: Service) -> str | None:
    """The repo's own test command (a Makefile target, a package script, the build wrapper),
    else the test framework's."""
    repo = REPO_COMMANDS.get()
    if repo is not None:
        own = repo.command("test")
        if own:
            return own
        if repo.wrapper and service.language in ("java", "kotlin"):
            return f"{repo.wrapper} test"
    return _framework_test_command(service)


def _framework_test_command(service: Service) -> str | None:
    framework = service.tests.framework
    if framework is None:
        return {"go": "go test ./...", "rust": "cargo test"}.get(service.language or "")
    if framework == "unittest" and "django" in service.frameworks:
        framework = "django-test"  # django.test.TestCase needs the settings manage.py sets up
    command = TEST_COMMANDS.get(framework)
    if command is None:
        return None
    if "{tests}" in command:
        directory = service.tests.dir or "tests"
        return command.format(tests=directory + ("/" if "." not in directory else ""))
    if framework == "junit" and any(m.startswith("build.gradle") for m in _manifests(service)):
        return "./gradlew test"
    return command


def migrate_command(service: Service, slug: str) -> str | None:
    migrations = service.migrations
    if migrations is None:
        return None
    repo = REPO_COMMANDS.get()
    if repo is not None and (own := repo.command("migrate")):
        return own
    command = MIGRATE_COMMANDS.get(migrations.tool)
    if command is None:
        return None
    return command.format(dir=migrations.dir or "migrations", slug=slug)


def _manifests(service: Service) -> list[str]:
    return [m.rsplit("/", 1)[-1] for m in service.manifests]


def commands(service: Service, slug: str, *, with_migration: bool) -> list[str]:
    """Migrate (when the schema changes), regenerate generated code, build, test — the repo's
    own commands where it has them."""
    repo = REPO_COMMANDS.get()
    out: list[str] = []
    if with_migration and (m := migrate_command(service, slug)):
        out.append(m)
    if repo is not None and with_migration:
        own = repo.command("generate")  # the repo's own way to regenerate generated code
        out += [own] if own and repo.generators else [g for g in repo.generators if g not in out]
    build = repo.command("build") if repo is not None else None
    if build:
        out.append(build)
    else:
        defaults = BUILD_COMMANDS.get(service.language or "", [])
        if repo is not None and repo.wrapper and service.language in ("java", "kotlin"):
            defaults = [f"{repo.wrapper} -q compile"]
        out += defaults
    if t := test_command(service):
        out.append(t)
    return out


# ----------------------------------------------------------------------------- criteria


SECURITY_EXPECTED = {
    "auth": "Auth enforced: every endpoint requires an authenticated user (webhooks excepted) "
    "and users only reach their own records",
    "input_validation": "Input validation on every write: malformed or missing fields get a 4xx "
    "with a clear message",
    "secrets": "Secrets ({secrets}) read from configuration, never hard-coded or logged",
    "pii": "PII (emails, names, payment details) never written to logs",
    "idempotency": "Idempotent handling: a retried request or replayed event has no double effect",
    "webhook_signature": "Webhook signature verification kept on every callback endpoint",
}


def implementation_criteria(
    spec: FeatureSpec,
    service: Service,
    arch: Architecture,
    comps: list[Component],
    cmds: list[str],
) -> ValidationCriteria:
    critical: list[str] = []
    migrations = [m for c in comps for m in c.migrations]
    if migrations:
        critical.append(migration_criterion(service, migrations, rolls_back=True))
    if arch.endpoints:
        shown = ", ".join(f"{e.method} {e.path}" for e in arch.endpoints[:6])
        more = f" (+{len(arch.endpoints) - 6} more)" if len(arch.endpoints) > 6 else ""
        critical.append(f"Endpoints work as specified: {shown}{more}")
    if "webhook_signature" in spec.security:
        hooks = [e.path for e in arch.endpoints if "/webhooks/" in e.path]
        where = ", ".join(hooks) if hooks else "the webhook endpoint"
        critical.append(
            f"Webhook signature verification: {where} rejects events whose signature does not "
            "verify (400) before any processing"
        )
    for cmd in cmds:
        critical.append(f"`{cmd}` succeeds")
    expected = [
        security_criterion(need, spec)
        for need in spec.security
        if need in SECURITY_EXPECTED and need != "webhook_signature"
    ]
    expected.append(
        "Error handling follows the existing handlers (same error shape and status codes)"
    )
    nice = (
        ["Structured logging of state changes", "Metrics for external calls"]
        if spec.external
        else ["Structured logging of state changes"]
    )
    return ValidationCriteria(critical=critical, expected=expected, nice_to_have=nice)


def security_criterion(need: str, spec: FeatureSpec) -> str:
    if need == "auth" and any(e.kind == "identity" for e in spec.external):
        return (
            "Auth enforced: only the login flow is public, every other endpoint requires an "
            "authenticated user, and users only reach their own records"
        )
    secrets = sorted({s for e in spec.external for s in e.secrets}) or ["API keys"]
    return SECURITY_EXPECTED[need].format(secrets=", ".join(secrets))


def user_expectations(spec: FeatureSpec, arch: Architecture) -> list[str]:
    out: list[str] = []
    for endpoint in arch.endpoints:
        if "/webhooks/" in endpoint.path:
            continue
        out.append(f"User can {endpoint.purpose} ({endpoint.method} {endpoint.path})")
    for ext in spec.external:
        if ext.webhook:
            out.append(
                f"{ext.name} webhooks are handled correctly and forged signatures are rejected"
            )
        else:
            out.append(f"{ext.name} failures are handled without losing the user's request")
    if arch.models:
        names = ", ".join(m.name for m in arch.models)
        out.append(f"{names} state is persisted and survives a restart")
    if "auth" in spec.security:
        out.append("Unauthenticated requests are rejected and users cannot reach others' records")
    if "input_validation" in spec.security:
        out.append("Invalid input is rejected with a clear 4xx error")
    return out


def testing_criteria(spec: FeatureSpec, test_cmd: str | None) -> ValidationCriteria:
    critical = [
        "Tests validate user requirements: every user expectation has a test that fails "
        "without the feature"
    ]
    if spec.external:
        critical.append(
            ", ".join(e.name for e in spec.external)
            + " integration works end-to-end against a stub of the external API"
        )
    if test_cmd:
        critical.append(f"`{test_cmd}` passes")
    expected = ["Error cases tested (invalid input, not found, unauthorised)"]
    if "webhook_signature" in spec.security:
        expected.append(
            "Webhook signature verified: a valid and a forged signature are both tested"
        )
    return ValidationCriteria(
        critical=critical, expected=expected, nice_to_have=["Edge cases covered"]
    )


def _preceding(task: PlannedTask) -> dict[str, object]:
    return {
        "task_order": task.task_order,
        "skill_id": task.skill_id,
        "task_name": task.task_name,
        "description": task.description,
    }


def review_of(
    task: PlannedTask,
    spec: FeatureSpec,
    skills: SkillIds,
    order: int,
    *,
    name: str,
    description: str,
    critical: list[str],
    focus: str | None = None,
    files: list[str] | None = None,
) -> PlannedTask:
    inputs: dict[str, object] = {
        "original_prompt": spec.request,
        "preceding_task": _preceding(task),
        "validation_criteria": task.validation_criteria.model_dump(mode="json"),
    }
    if files:
        inputs["files_to_review"] = files
    if focus:
        inputs["focus"] = focus
    return PlannedTask(
        skill_id=skills.critique,
        task_name=name,
        description=description,
        task_order=order,
        dependencies=[f"${task.task_order}"],
        inputs=inputs,
        validation_criteria=ValidationCriteria(critical=[VERDICT, *critical]),
        timeout_seconds=REVIEW_TIMEOUT,
    )


def review_of_tests(
    test: PlannedTask, spec: FeatureSpec, skills: SkillIds, files: list[str] | None = None
) -> PlannedTask:
    """Task 4 of the standard pattern: do the tests prove the user got what they asked for?"""
    return review_of(
        test,
        spec,
        skills,
        4,
        name="QA: Validate tests cover user requirements",
        description="Review that the tests validate what the user asked for, not just "
        "implementation details",
        critical=[
            "Tests cover the user's actual requirements",
            "Not just implementation smoke tests",
        ],
        focus="Do the tests prove the user got what they asked for?",
        files=files,
    )


def patterns_to_follow(service: Service) -> str:
    examples: list[str] = []
    for layer in ("handlers", "services", "repositories", "models", "routes", "tests"):
        naming = getattr(service.naming, layer)
        if naming is not None and naming.example not in [e.split(" ")[0] for e in examples]:
            examples.append(f"{naming.example} ({layer})")
    if not examples:
        entries = [
            e for layer in ("handlers", "routes", "models") for e in getattr(service.layout, layer)
        ]
        examples = [f"{e}" for e in entries[:3]]
    if not examples:
        return f"Follow the existing code of the service at {service.path}"
    return "Follow the existing code: " + ", ".join(examples)


def choose(spec: FeatureSpec) -> tuple[PatternName, str]:
    """The pattern and why, in one line."""
    n = len(spec.resources)
    if spec.intent == "fix":
        return (
            "investigation",
            "Fix/debug request: the scope is unknown until investigated, so a parent task starts "
            "with an investigation sub-task and gains one sub-task per issue found.",
        )
    if spec.intent == "refactor":
        # Existing code changed in place: its components are not built one on another.
        return (
            "standard",
            "Refactor: change the existing code, review, test that its behaviour is kept, "
            "review the tests.",
        )
    if n >= 3 or (n >= 2 and spec.broad):
        return (
            "subtasks",
            f"{n} components that build on each other: a parent with sequential sub-tasks "
            "(foundations first) keeps checkpoints if a later one fails, then one review.",
        )
    return (
        "standard",
        "Focused feature: implement, review, test against the user's expectations, "
        "review the tests.",
    )
