"""The planner skill's three worked examples, reproduced on the bundled example backends."""

from __future__ import annotations

import itertools
import re

import pytest

from backend_planner.planning import Plan, validate_plan
from planning.support import SKILLS, all_paths, example_plan

STRIPE = "Build subscription API with Stripe"
SHOP = (
    "Build a complete e-commerce order management API with orders, inventory, payments, "
    "and notifications"
)
RATE_LIMIT = "Fix the API rate limiting issues"


def criteria_text(plan: Plan, index: int = 0) -> str:
    c = plan.tasks[index].validation_criteria
    return "\n".join([*c.critical, *c.expected, *c.nice_to_have])


def test_stripe_on_gin_is_the_standard_four_tasks() -> None:
    plan = example_plan("go-gin-shop", STRIPE)
    assert plan.pattern == "standard"
    assert [t.skill_id for t in plan.tasks] == [
        SKILLS.development,
        SKILLS.critique,
        SKILLS.testing,
        SKILLS.critique,
    ]
    assert [t.task_order for t in plan.tasks] == [1, 2, 3, 4]
    assert [t.dependencies for t in plan.tasks] == [[], ["$1"], ["$2"], ["$3"]]
    build = plan.tasks[0]
    critical = " ".join(build.validation_criteria.critical)
    assert "Webhook signature verification" in critical
    assert "/api/v1/webhooks/stripe" in critical
    create = build.inputs["files_to_create"]
    assert "migrations/000004_create_subscriptions.up.sql" in create
    assert "migrations/000004_create_subscriptions.down.sql" in create
    assert "internal/services/stripe_service.go" in create
    assert "internal/services/subscription_service.go" in create
    assert "internal/handlers/subscription_handler.go" in create
    assert "internal/models/subscription.go" in create
    assert "internal/repository/subscription_repository.go" in create
    # the routes are registered where the others are; the owner's model gets its relation
    assert build.inputs["files_to_modify"] == [
        "internal/routes/routes.go",
        "internal/models/user.go",
    ]
    # the repo's own commands: its Makefile has migrate, build and test targets
    assert build.inputs["validation_commands"] == ["make migrate", "make build", "make test"]
    expected = " ".join(build.validation_criteria.expected)
    for word in ("Auth enforced", "Input validation", "STRIPE_WEBHOOK_SECRET", "PII", "Idempotent"):
        assert word in expected
    assert validate_plan(plan, skills=SKILLS) == []


def test_stripe_architecture_uses_the_repo_route_style() -> None:
    plan = example_plan("go-gin-shop", STRIPE)
    endpoints = {f"{e.method} {e.path}" for e in plan.architecture.endpoints}
    assert {
        "POST /api/v1/subscriptions",
        "GET /api/v1/subscriptions",
        "GET /api/v1/subscriptions/:id",
        "POST /api/v1/webhooks/stripe",
    } <= endpoints
    (model,) = plan.architecture.models
    assert model.name == "Subscription"
    for field in ("id", "user_id (FK → users)", "stripe_subscription_id", "status", "created_at"):
        assert field in model.fields
    services = {s.name: s.file for s in plan.architecture.services}
    assert services["StripeService"] == "internal/services/stripe_service.go"
    # grounded: the new feature copies the repo's existing one
    assert plan.change_spec is not None
    (new,) = plan.change_spec.of_kind("new_entity")
    assert new.template == "Product (products)"
    assert [e.name for e in plan.architecture.external] == ["Stripe API"]


def test_critique_tasks_review_the_task_before_with_its_criteria() -> None:
    plan = example_plan("go-gin-shop", STRIPE)
    for review, reviewed in ((plan.tasks[1], plan.tasks[0]), (plan.tasks[3], plan.tasks[2])):
        assert review.inputs["original_prompt"] == STRIPE
        assert review.inputs["preceding_task"] == {
            "task_order": reviewed.task_order,
            "skill_id": reviewed.skill_id,
            "task_name": reviewed.task_name,
            "description": reviewed.description,
        }
        assert review.inputs["validation_criteria"] == reviewed.validation_criteria.model_dump()


def test_testing_task_validates_what_the_user_asked_for() -> None:
    plan = example_plan("go-gin-shop", STRIPE)
    test = plan.tasks[2]
    expectations = " | ".join(test.inputs["user_expectations"])
    assert "User can create a subscription" in expectations
    assert "forged signatures are rejected" in expectations
    assert "persisted" in expectations
    for path in (
        "internal/services/subscription_service.go",
        "internal/handlers/subscription_handler.go",
    ):
        assert path in test.inputs["files_to_test"]
    # Go tests sit next to the code they test.
    assert "internal/handlers/subscription_handler_test.go" in test.inputs["files_to_create"]
    assert test.inputs["test_types"] == ["unit", "integration"]
    assert "Tests validate user requirements" in test.validation_criteria.critical[0]


def test_stripe_on_fastapi_follows_its_routers_alembic_and_pytest() -> None:
    plan = example_plan("fastapi-inventory", STRIPE)
    build = plan.tasks[0]
    create = build.inputs["files_to_create"]
    assert "app/api/v1/subscriptions.py" in create
    assert "app/services/subscription_service.py" in create
    assert "app/services/stripe_service.py" in create
    migrations = [p for p in create if p.startswith("alembic/versions/")]
    assert len(migrations) == 1 and re.fullmatch(
        r"alembic/versions/[0-9a-f]{12}_create_subscriptions\.py", migrations[0]
    )
    assert "app/api/v1/router.py" in build.inputs["files_to_modify"]
    # the Makefile's targets (make migrate runs alembic upgrade head, make test runs pytest)
    assert build.inputs["validation_commands"] == ["make migrate", "make test"]
    assert "GET /api/v1/subscriptions/{subscription_id}" in {
        f"{e.method} {e.path}" for e in plan.architecture.endpoints
    }
    assert "tests/test_subscription.py" in plan.tasks[2].inputs["files_to_create"]


def test_stripe_on_express_follows_its_kinds_prisma_and_jest() -> None:
    plan = example_plan("express-prisma-api", STRIPE)
    build = plan.tasks[0]
    create = build.inputs["files_to_create"]
    for path in (
        "src/controllers/subscriptions.controller.ts",
        "src/services/subscriptions.service.ts",
        "src/routes/subscriptions.routes.ts",
        "prisma/migrations/20240315093001_create_subscriptions/migration.sql",
    ):
        assert path in create
    assert set(build.inputs["files_to_modify"]) == {"prisma/schema.prisma", "src/routes/index.ts"}
    commands = build.inputs["validation_commands"]
    assert commands[0] == "npm run prisma:migrate"  # the package's own script
    assert "npm test" in commands
    paths = {f"{e.method} {e.path}" for e in plan.architecture.endpoints}
    assert "GET /api/subscriptions/:id" in paths


def test_ecommerce_request_is_a_parent_with_four_ordered_subtasks_and_a_review() -> None:
    plan = example_plan("go-gin-shop", SHOP)
    assert plan.pattern == "subtasks"
    parent, review = plan.tasks
    names = [s.task_name.lower() for s in parent.subtasks]
    assert [n.split()[0] for n in names] == ["order", "inventory", "payment", "notifications"]
    assert [s.task_order for s in parent.subtasks] == [1, 2, 3, 4]
    migrations = [
        p for s in parent.subtasks for p in s.inputs["files_to_create"] if p.endswith(".up.sql")
    ]
    assert migrations == [
        "migrations/000004_create_orders.up.sql",
        "migrations/000005_create_inventory.up.sql",
        "migrations/000006_create_payments.up.sql",
        "migrations/000007_create_notifications.up.sql",
    ]
    assert "internal/services/inventory_service.go" in parent.subtasks[1].inputs["files_to_create"]
    assert review.skill_id == SKILLS.critique
    assert review.dependencies == ["$1"]
    assert review.inputs["preceding_task"]["task_name"] == parent.task_name
    assert review.inputs["validation_criteria"] == parent.validation_criteria.model_dump()
    # the notifications recipe: in-app notifications written by the events that cause them
    assert any(m.name == "Notification" for m in plan.architecture.models)
    assert validate_plan(plan, skills=SKILLS) == []


def test_fix_request_is_an_investigation_parent_on_the_suspected_code() -> None:
    plan = example_plan("go-gin-shop", RATE_LIMIT)
    assert plan.pattern == "investigation"
    assert plan.intent == "fix"
    parent, review = plan.tasks
    (first,) = parent.subtasks
    assert first.task_name.startswith("Investigate")
    assert "create_subtask" in first.description
    assert first.inputs["files_to_investigate"][0] == "internal/middleware/rate_limit.go"
    assert review.dependencies == ["$1"]
    assert "Suspected code" in plan.architecture.summary
    assert validate_plan(plan, skills=SKILLS) == []


@pytest.mark.parametrize("example", ["go-gin-shop", "fastapi-inventory", "express-prisma-api"])
@pytest.mark.parametrize("request_text", [STRIPE, SHOP, RATE_LIMIT])
def test_worked_examples_pass_the_validator_everywhere(example: str, request_text: str) -> None:
    plan = example_plan(example, request_text)
    assert plan.violations == []
    assert all_paths(plan, "files_to_create") or all_paths(plan, "files_to_investigate")


def test_refactor_modifies_existing_code_and_creates_the_named_layer() -> None:
    plan = example_plan("express-prisma-api", "Refactor the user service into a repository layer")
    assert plan.intent == "refactor" and plan.pattern == "standard"
    build = plan.tasks[0]
    assert build.task_name == "Refactor user service into a repository layer"
    assert build.inputs["files_to_create"] == ["src/repositories/users.repository.ts"]
    assert "src/services/users.service.ts" in build.inputs["files_to_modify"]
    assert "Behaviour unchanged" in build.validation_criteria.critical[0]
    assert plan.violations == []


def test_identity_provider_gets_the_login_flow_not_crud() -> None:
    plan = example_plan("go-gin-shop", "Add Google OAuth login")
    paths = [f"{e.method} {e.path}" for e in plan.architecture.endpoints]
    assert all(p.startswith("GET /api/v1/auth/") for p in paths), paths
    assert any(p.endswith("/callback") for p in paths)
    assert not any(p.startswith(("PUT", "PATCH", "DELETE")) for p in paths)  # not CRUD
    assert plan.change_spec is not None
    assert [i.kind for i in plan.change_spec.items] == ["flow"]
    text = " ".join(
        [*plan.tasks[0].validation_criteria.critical, *plan.tasks[0].validation_criteria.expected]
    )
    assert "state" in text.lower() and "Auth" in text


def test_fix_on_users_investigates_the_user_code_only() -> None:
    plan = example_plan("fastapi-inventory", "Debug slow database queries on the items endpoint")
    files = plan.tasks[0].inputs["files_to_investigate"]
    assert "app/api/v1/items.py" in files and "app/services/item_service.py" in files
    assert all("warehouse" not in f for f in files)


def test_new_alembic_revisions_chain_from_the_repo_head_to_a_single_head() -> None:
    """Four new revisions in one plan: each builds on the one before, the first on the head."""
    example_head = "e5b7a0c3f218"  # examples/fastapi-inventory/alembic/versions: the newest
    plan = example_plan("fastapi-inventory", SHOP)
    links: list[tuple[str, str, str]] = []
    for sub in plan.tasks[0].subtasks:
        criterion = next(c for c in sub.validation_criteria.critical if "Migration" in c)
        found = re.search(
            r'(\w+)_create_\w+\.py has revision = "(\w+)", down_revision = "(\w+)"', criterion
        )
        assert found, criterion
        assert found.group(1) == found.group(2)  # the file name carries its revision id
        assert f"alembic/versions/{found.group(1)}_" in " ".join(sub.inputs["files_to_create"])
        links.append((found.group(2), found.group(3), criterion))
    assert links[0][1] == example_head
    for before, after in itertools.pairwise(links):
        assert after[1] == before[0], after[2]
    assert len({rev for rev, _, _ in links}) == 4
