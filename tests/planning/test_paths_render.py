"""Paths for layers the repo lacks, the test placement helper itself, and rendering."""

from __future__ import annotations

from backend_planner.planning import render_markdown, render_tree
from backend_planner.planning.paths import file_for
from backend_planner.planning.request import make_resource
from conftest import CORPUS_DIR, EXAMPLES_DIR
from planning.support import example_plan, placed_beside_known, profile_of


def test_a_missing_layer_gets_a_new_dir_beside_the_code() -> None:
    (service,) = profile_of(CORPUS_DIR / "gotify__server").backends()
    ref = file_for(service, "services", make_resource(["subscription"]))
    assert ref.create
    assert ref.path == "services/subscription_service.go"  # beside api/, model/, router/


def test_feature_folder_repos_get_the_new_feature_folder() -> None:
    (service,) = profile_of(CORPUS_DIR / "NarHakobyan__awesome-nest-boilerplate").backends()
    resource = make_resource(["password", "reset"])
    assert file_for(service, "models", resource).path == (
        "src/modules/password-reset/password-reset.entity.ts"
    )
    assert file_for(service, "handlers", resource).path == (
        "src/modules/password-reset/password-reset.controller.ts"
    )


def test_shared_single_files_are_modified_not_created() -> None:
    (service,) = profile_of(CORPUS_DIR / "miguelgrinberg__microblog").backends()
    ref = file_for(service, "models", make_resource(["subscription"]))
    assert (ref.path, ref.create) == ("app/models.py", False)


def test_placement_check_refuses_paths_outside_the_layout() -> None:
    (service,) = profile_of(EXAMPLES_DIR / "go-gin-shop").backends()
    assert placed_beside_known("internal/handlers/x_handler.go", service)
    assert placed_beside_known("internal/webhooks/x.go", service)  # new dir beside
    assert not placed_beside_known("deploy/k8s/manifests/x.go", service)
    assert not placed_beside_known("internal/a/b/c/x.go", service)


def test_markdown_puts_the_architecture_before_the_tasks() -> None:
    plan = example_plan("go-gin-shop", "Build subscription API with Stripe")
    text = render_markdown(plan)
    assert text.index("## Architecture") < text.index("## Tasks") < text.index("## Validation")
    assert "`POST /api/v1/webhooks/stripe`" in text
    assert "### 2. QA: Validate subscription API" in text
    assert "Passes every rule" in text


def test_tree_shows_subtasks_ids_and_statuses() -> None:
    plan = example_plan(
        "go-gin-shop",
        "Build a complete e-commerce order management API with orders, inventory, payments, "
        "and notifications",
    )
    tree = render_tree(plan, {"1": "t-1", "1.2": "t-3"}, {"1": "pending"})
    lines = tree.splitlines()
    assert lines[1] == "1. Build order management API  [pending · t-1]"
    assert lines[3].startswith("   1.2. Inventory") and lines[3].endswith("[t-3]")
    assert lines[-1] == "2. QA: Validate order management API (after $1)"


def test_commands_are_the_ones_each_stack_runs_its_tests_with() -> None:
    from backend_planner.planning.patterns import test_command

    def command(repo: str) -> str | None:
        (service,) = profile_of(CORPUS_DIR / repo).backends()
        return test_command(service)

    # django.test.TestCase needs the settings that manage.py sets up
    assert command("healthchecks__healthchecks") == "python manage.py test"
    assert command("miguelgrinberg__microblog") == "python -m unittest"  # plain unittest
    assert command("igorbenav__FastAPI-boilerplate") == "pytest tests/"


def test_jvm_tests_mirror_their_class_package() -> None:
    from backend_planner.planning import plan_workspace
    from conftest import REPO_ROOT
    from planning.support import SKILLS

    for fixture, ext in (("java-spring-flyway", "java"), ("kotlin-spring-gradle", "kt")):
        plan = plan_workspace(
            "Add order refunds", REPO_ROOT / "tests" / "fixtures" / fixture, SKILLS
        )
        tested = plan.tasks[2].inputs["files_to_test"]
        created = plan.tasks[2].inputs["files_to_create"]
        assert tested and len(created) == len(tested)
        for source, test in zip(tested, created, strict=True):
            assert source.startswith("src/main/") and source.endswith(f".{ext}")
            assert test == source.replace("src/main/", "src/test/", 1).replace(
                f".{ext}", f"Test.{ext}"
            )
