"""A resource the code already has is extended, not created again: "Add comments to posts"
in a codebase with posts builds comments that belong to posts."""

from __future__ import annotations

from backend_planner.planning import make_plan, plan_workspace
from conftest import CORPUS_DIR
from planning.support import SKILLS, profile_of

NEST = CORPUS_DIR / "notiz-dev__nestjs-prisma-starter"  # has src/posts/posts.resolver.ts


def test_existing_posts_are_context_and_comments_belong_to_them() -> None:
    plan = plan_workspace("Add comments to posts", NEST, SKILLS, profile=profile_of(NEST))
    arch = plan.architecture
    assert [m.name for m in arch.models] == ["Comment"]
    assert "post_id (FK → Post)" in arch.models[0].fields  # Prisma's table is the model's name
    assert [s.name for s in arch.services] == ["CommentsService"]
    assert all("/posts" not in e.path for e in arch.endpoints)
    assert "existing Post" in arch.summary
    inputs = plan.tasks[0].inputs
    assert "src/posts/posts.resolver.ts" in inputs["files_to_modify"]
    created = inputs["files_to_create"]
    assert not any("create_posts" in f or "/post/" in f or "/posts/" in f for f in created)
    assert any("create_comments" in f for f in created)
    assert not plan.violations


def test_the_code_map_knows_posts_exist_without_the_file_list() -> None:
    # The planner itself is pure: with no file list it still knows Post from the code map.
    plan = make_plan("Add comments to posts", profile_of(NEST), SKILLS)
    assert sorted(m.name for m in plan.architecture.models) == ["Comment"]


def test_a_request_whose_every_resource_exists_extends_them() -> None:
    # Posts exist (a model in prisma/schema.prisma): the plan says so and builds no second one.
    plan = plan_workspace("Add posts", NEST, SKILLS, profile=profile_of(NEST))
    assert plan.architecture.models == []
    assert plan.change_spec is not None
    kinds = {i.name: i.kind for i in plan.change_spec.items}
    assert kinds.get("post") == "existing"
    assert not [p for p in plan.tasks[0].inputs["files_to_create"] if "post" in p.lower()]
    assert not plan.violations


def test_one_feature_folder_for_every_layer() -> None:
    # Resolvers live in src/posts/, src/users/ (plural); the services layer was learnt from
    # src/auth/auth.service.ts alone: the new feature's files still share one folder.
    plan = plan_workspace("Add comments to posts", NEST, SKILLS, profile=profile_of(NEST))
    created = plan.tasks[0].inputs["files_to_create"]
    assert "src/comments/comments.resolver.ts" in created
    assert "src/comments/comments.service.ts" in created
