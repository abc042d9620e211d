"""Feature recipes (planning/recipes/*.toml): every recipe loads, is specific to its kind of
change and fits its target, and the way people phrase requests selects the right recipes."""

from __future__ import annotations

import pytest

from backend_planner.errors import ConfigError
from backend_planner.planning.recipes import (
    PATH_PARAMS,
    PLACEHOLDERS,
    Recipe,
    check_references,
    load_recipes,
    parse_recipes,
    placeholders,
)
from backend_planner.planning.resolve import lemmas, match_recipes

RECIPES = load_recipes()

# The kinds of change issue 11 asks recipes for, by recipe key.
REQUIRED = {
    "pagination_cursor",
    "pagination_offset",
    "filtering",
    "sorting",
    "search_db",
    "search_engine",
    "soft_delete",
    "rate_limit",
    "caching",
    "password_reset",
    "email_verification",
    "oauth_login",
    "two_factor",
    "api_keys",
    "roles_permissions",
    "file_upload",
    "export_csv",
    "import_csv",
    "audit_log",
    "user_relation",
    "notifications",
    "webhooks_in",
    "webhooks_out",
    "events_publish",
    "events_consume",
    "background_jobs",
    "scheduled_jobs",
    "idempotency_keys",
    "multi_tenancy",
    "new_fields",
    "status_transitions",
    "new_entity",
}

# Placeholders by what fills them (planning/ground.py): the service always has a prefix and an
# update method; a user entity gives the user and auth values; a target entity or endpoint the rest.
ALWAYS = {"prefix", "update_method", "subject"}
USER = {"user_table", "user_entity", "auth"}
ENTITY = {"entity", "entities", "table", "singular", "plural", "collection", "item", "item_param"}
ENTITY |= {"model_file"}
ENDPOINT = {"endpoint", "handler", "handler_file"}
RELATION = {"relation", "relations", "Relation", "template"}
FIELD = {"field", "fields"}
BY_TARGET = {
    "list_endpoint": ALWAYS | USER | ENTITY | ENDPOINT,
    "endpoint": ALWAYS | USER | ENTITY | ENDPOINT,
    "write_endpoints": ALWAYS | USER | ENTITY | ENDPOINT,
    "entity": ALWAYS | USER | ENTITY,
    "auth": ALWAYS | USER | ENDPOINT,
    "signup": ALWAYS | USER | ENDPOINT,
    "service": ALWAYS | USER,
    "new": ALWAYS | USER | ENTITY,
}
ROOTS = ("{item}", "{collection}", "{prefix}", "{auth}")


def keys(text: str) -> set[str]:
    return {m.recipe.key for m in match_recipes(text)}


def used(texts: list[str]) -> set[str]:
    return {name for text in texts for name in placeholders(text)}


# ----------------------------------------------------------------------------- the catalog


def test_every_kind_of_change_the_issue_names_has_a_recipe() -> None:
    assert set(RECIPES) >= REQUIRED, sorted(REQUIRED - set(RECIPES))
    assert len(RECIPES) >= 27


@pytest.mark.parametrize("key", sorted(RECIPES))
def test_recipe_is_a_checklist_not_filler(key: str) -> None:
    recipe = RECIPES[key]
    assert len(recipe.requirements) >= 3
    assert len(recipe.critical) >= 3
    assert len(recipe.tests) >= 3
    assert recipe.unchanged, "says what must stay as it is"
    texts = [*recipe.requirements, *recipe.critical, *recipe.expected, *recipe.tests]
    assert len(set(texts)) == len(texts), "no text said twice"
    for trigger in recipe.triggers:
        assert trigger == trigger.lower() and trigger.strip() == trigger, trigger


@pytest.mark.parametrize("key", sorted(RECIPES))
def test_placeholders_are_ones_its_target_fills(key: str) -> None:
    recipe = RECIPES[key]
    allowed = set(BY_TARGET[recipe.target])
    if recipe.kind == "relation":
        allowed |= RELATION
    if recipe.kind == "new_fields":
        allowed |= FIELD
    if recipe.entity_nouns:
        allowed |= {"new_table"}  # the entity named as the request names it
    texts = [*recipe.texts(), recipe.title]
    assert used(texts) <= allowed, sorted(used(texts) - allowed)
    assert used(texts) <= PLACEHOLDERS


@pytest.mark.parametrize(
    "key", sorted(k for k, r in RECIPES.items() if not r.target_required or r.target == "service")
)
def test_a_plan_without_a_named_target_still_gets_criteria(key: str) -> None:
    """Texts whose placeholder has no value are left out of a plan, so a recipe that may run
    without a target keeps criteria that need only what every service has."""
    recipe = RECIPES[key]
    general = ALWAYS | USER

    def standalone(texts: list[str]) -> list[str]:
        return [t for t in texts if set(placeholders(t)) <= general]

    assert len(standalone(recipe.critical)) >= 2
    assert len(standalone(recipe.requirements)) >= 2
    assert standalone(recipe.tests)
    assert standalone(recipe.unchanged)


@pytest.mark.parametrize("key", sorted(k for k, r in RECIPES.items() if r.endpoints))
def test_new_endpoints_hang_off_the_targets_real_paths(key: str) -> None:
    recipe = RECIPES[key]
    seen = set()
    for endpoint in recipe.endpoints:
        assert endpoint.path.startswith(ROOTS), endpoint.path
        params = {p for p in placeholders(endpoint.path) if p not in PLACEHOLDERS}
        assert params <= PATH_PARAMS, params
        assert (endpoint.method, endpoint.path) not in seen, endpoint.path
        seen.add((endpoint.method, endpoint.path))
        assert endpoint.purpose[:1].islower(), "a purpose reads after a dash in the plan"


def test_public_endpoints_are_only_those_a_caller_cannot_authenticate_for() -> None:
    public = sorted(
        f"{key} {e.method} {e.path}" for key, r in RECIPES.items() for e in r.endpoints if e.public
    )
    assert public == [
        "email_verification POST {auth}/verify-email",
        "health_checks GET {prefix}/health",
        "health_checks GET {prefix}/ready",
        "oauth_login GET {auth}/oauth/{provider}",
        "oauth_login GET {auth}/oauth/{provider}/callback",
        "password_reset POST {auth}/password-reset",
        "password_reset POST {auth}/password-reset/confirm",
        "two_factor POST {auth}/2fa/verify",
        "webhooks_in POST {prefix}/webhooks/{provider}",
    ]


@pytest.mark.parametrize("key", sorted(k for k, r in RECIPES.items() if r.migration != "none"))
def test_a_migration_says_what_it_adds(key: str) -> None:
    recipe = RECIPES[key]
    if recipe.migration == "new_entity":
        assert (recipe.entity is not None and recipe.entity.fields) or recipe.target == "new"
    if recipe.migration == "new_fields":
        # the new_fields recipe takes its fields from the request
        assert recipe.fields or recipe.kind == "new_fields"
    created = {recipe.entity.table} if recipe.entity else set()
    if recipe.entity_nouns:
        created.add("{new_table}")
    for field in [*(recipe.entity.fields if recipe.entity else []), *recipe.fields]:
        if field.references:
            assert field.references in {"{table}", "{user_table}", *created}, field.references
    if recipe.entity is not None:
        names = {f.name for f in recipe.entity.fields}
        for group in recipe.entity.unique:
            assert set(group) <= names, group


def test_relation_and_creation_recipes_build_on_what_they_name() -> None:
    relation = RECIPES["user_relation"]
    assert relation.entity is not None
    assert [f.references for f in relation.entity.fields if f.references] == [
        "{user_table}",
        "{table}",
    ]
    assert relation.entity.unique == [["user_id", "{singular}_id"]]
    soft = RECIPES["soft_delete"]
    assert [f.name for f in soft.fields] == ["deleted_at"]
    assert any("partial unique index" in t for t in soft.requirements)
    export = RECIPES["export_csv"]
    assert any("=, +, -, @" in t for t in export.critical)
    assert any("same filter" in t for t in export.requirements)
    totp = RECIPES["two_factor"]
    assert any("encrypted" in t for t in totp.critical)
    assert any("hashes" in t for t in totp.critical)


# ----------------------------------------------------------------------------- triggers


def test_no_recipe_repeats_a_trigger_under_another_spelling() -> None:
    for key, recipe in RECIPES.items():
        forms = [tuple(lemmas(t)) for t in recipe.triggers]
        assert len(set(forms)) == len(forms), key


def test_a_trigger_two_recipes_share_is_decided_by_priority_or_replaces() -> None:
    owners: dict[tuple[str, ...], list[Recipe]] = {}
    for recipe in RECIPES.values():
        for trigger in recipe.triggers:
            owners.setdefault(tuple(lemmas(trigger)), []).append(recipe)
    for phrase, recipes in owners.items():
        for a in recipes:
            for b in recipes:
                if a.key < b.key:
                    decided = a.priority != b.priority or b.key in a.replaces or a.key in b.replaces
                    assert decided, f"{' '.join(phrase)!r}: {a.key} vs {b.key}"


@pytest.mark.parametrize("key", sorted(RECIPES))
def test_every_trigger_can_select_its_recipe(key: str) -> None:
    """No trigger is dead: said on its own (with a word the recipe requires), it selects it."""
    recipe = RECIPES[key]
    for trigger in recipe.triggers:
        needed = [w for w in recipe.requires_any if w in trigger.split()]
        text = (
            trigger if needed or not recipe.requires_any else f"{trigger} {recipe.requires_any[0]}"
        )
        assert key in keys(text), (text, keys(text))


PHRASINGS: list[tuple[str, set[str]]] = [
    # list endpoints
    (
        "Add cursor pagination and filtering to the articles list endpoint",
        {"pagination_cursor", "filtering"},
    ),
    ("Paginate the orders list with limit and offset", {"pagination_offset"}),
    ("Add pagination to GET /api/articles/feed", {"pagination_offset"}),
    ("Add infinite scroll to the feed", {"pagination_cursor"}),
    ("Use keyset pagination for GET /api/articles", {"pagination_cursor"}),
    ("Let clients filter products by category and price range", {"filtering"}),
    ("Add a status filter to the orders list", {"filtering"}),
    ("Add sorting by created date to the articles list", {"sorting"}),
    ("Sort the feed by newest first", {"sorting"}),
    ("Add a products endpoint with filtering and pagination", {"filtering", "pagination_offset"}),
    ("Add a reading_time field to articles and sort the feed by it", {"new_fields", "sorting"}),
    ("Add full-text search over article titles and bodies", {"search_db"}),
    ("Let users search articles by keyword", {"search_db"}),
    ("Full-text search for articles with Elasticsearch", {"search_engine"}),
    ("Index products in Meilisearch and keep the index in sync", {"search_engine"}),
    ("Add OpenSearch-backed search for products", {"search_engine"}),
    ("Add a reindex job for the Algolia index", {"search_engine"}),
    # data model
    ("Soft delete articles instead of removing them", {"soft_delete"}),
    ("Add a trash so deleted comments can be restored", {"soft_delete"}),
    ("Add a bio field to user profiles", {"new_fields"}),
    ("Add a published_at column to posts", {"new_fields"}),
    ("Add a `views` counter to articles", {"new_fields"}),
    ("Let admins approve or reject comments", {"status_transitions"}),
    (
        "Add a state machine for order status: pending, paid, shipped, cancelled",
        {"status_transitions"},
    ),
    ("Let authors publish and unpublish articles", {"status_transitions"}),
    ("Let customers cancel an order", {"status_transitions"}),
    ("Add CRUD endpoints for coupons", {"new_entity"}),
    # protection
    ("Add rate limiting to the login endpoint", {"rate_limit"}),
    ("Throttle POST /api/users/login to 5 requests per minute", {"rate_limit"}),
    ("Protect login against brute force attacks", {"rate_limit"}),
    ("Support Idempotency-Key headers on POST /orders", {"idempotency_keys"}),
    ("Prevent double charges when clients retry payments", {"idempotency_keys"}),
    ("Add input validation to the signup endpoint", {"request_validation"}),
    ("Validate request bodies on article creation", {"request_validation"}),
    ("Enable CORS for the frontend origin", {"cors"}),
    # accounts
    ("Add password reset via email", {"password_reset"}),
    ("Users forgot their password and need a reset link", {"password_reset"}),
    ("Add email verification on signup", {"email_verification"}),
    ("Send an activation link to confirm email addresses", {"email_verification"}),
    ("Add Google OAuth login", {"oauth_login"}),
    ("Let users sign in with GitHub", {"oauth_login"}),
    ("Add SSO via OpenID Connect", {"oauth_login"}),
    ("Add two-factor authentication with TOTP", {"two_factor"}),
    ("Require 2FA for admins", {"two_factor"}),
    ("Let users create API keys to call the API from scripts", {"api_keys"}),
    ("Add personal access tokens for the CLI", {"api_keys"}),
    ("Add an admin role that can delete any article", {"roles_permissions"}),
    ("Only admins can delete comments", {"roles_permissions"}),
    ("Add role-based access control", {"roles_permissions"}),
    # relations
    ("Let users bookmark articles", {"user_relation"}),
    ("Add likes to comments", {"user_relation"}),
    ("Let users like articles", {"user_relation"}),
    ("Add a like button to posts", {"user_relation"}),
    ("Let users follow tags", {"user_relation"}),
    ("Users should be able to follow other users", {"user_relation"}),
    ("Add favourites to recipes", {"user_relation"}),
    ("Add upvotes to answers", {"user_relation"}),
    # files and data transfer
    ("Add file uploads to S3 for user avatars", {"file_upload"}),
    ("Let users upload a profile picture", {"file_upload"}),
    ("Let users attach files to support tickets", {"attachments"}),
    ("Add a CSV export of orders", {"export_csv"}),
    ("Let admins download all orders as CSV", {"export_csv"}),
    ("I'd like to export orders to CSV", {"export_csv"}),
    ("Import products from a CSV file with a validation report", {"import_csv"}),
    ("Let users upload a CSV of contacts to import", {"import_csv"}),
    ("Bulk upload users from a spreadsheet", {"import_csv"}),
    # across the service
    ("Add audit logs for user actions", {"audit_log"}),
    ("Keep an audit trail of changes to invoices, searchable by admins", {"audit_log"}),
    ("Track who changed what on orders", {"audit_log"}),
    ("Make the app multi-tenant with an organization per customer", {"multi_tenancy"}),
    ("Scope every query by tenant", {"multi_tenancy"}),
    ("Cache product listings in Redis", {"caching"}),
    ("Add ETag support to the article detail endpoint", {"caching"}),
    ("Add health check and readiness endpoints", {"health_checks"}),
    ("Enable gzip compression on API responses", {"compression"}),
    # integrations
    ("Notify authors when their article gets a comment", {"notifications"}),
    ("Add in-app notifications with email", {"notifications"}),
    ("Handle Stripe webhooks for subscription payments", {"webhooks_in"}),
    ("Receive GitHub webhooks to sync pull requests", {"webhooks_in"}),
    ("Add GitHub webhooks to sync pull requests", {"webhooks_in"}),
    ("Validate the Stripe webhook signature", {"webhooks_in"}),
    ("Send webhooks to customers when orders ship", {"webhooks_out"}),
    ("Add outgoing webhooks with retries and a delivery log", {"webhooks_out"}),
    ("Add webhooks so partners are notified of new orders", {"webhooks_out"}),
    ("Publish order events to Kafka", {"events_publish"}),
    ("Emit an event when an article is published", {"events_publish"}),
    ("Use a transactional outbox for order events", {"events_publish"}),
    ("Consume payment events from RabbitMQ in a worker", {"events_consume"}),
    ("Listen to the payments queue and mark orders paid", {"events_consume"}),
    (
        "Publish order events to Kafka and process them in a consumer worker",
        {"events_publish", "events_consume"},
    ),
    ("Move PDF generation to a background job", {"background_jobs"}),
    ("Process background jobs with RabbitMQ for report generation", {"background_jobs"}),
    (
        "Run report generation asynchronously and let clients poll for the result",
        {"background_jobs"},
    ),
    ("Run a nightly job to purge expired sessions", {"scheduled_jobs"}),
    ("Schedule a cleanup of expired tokens every hour", {"scheduled_jobs"}),
    ("Send a daily digest email of new articles", {"scheduled_jobs"}),
    # two recipes on one request
    ("Rate limit the public API by API key", {"rate_limit", "api_keys"}),
    (
        "Build a multi-tenant billing platform with accounts, plans, invoices, and usage records",
        {"multi_tenancy"},
    ),
]


def test_the_phrasings_cover_enough_ground() -> None:
    assert len(PHRASINGS) >= 60
    named = {key for _, expected in PHRASINGS for key in expected}
    assert REQUIRED - {"new_entity"} <= named, sorted(REQUIRED - named)


@pytest.mark.parametrize(("text", "expected"), PHRASINGS, ids=[t for t, _ in PHRASINGS])
def test_a_request_selects_the_recipes_it_names(text: str, expected: set[str]) -> None:
    assert keys(text) == expected


UNRELATED = [
    "Build a products catalogue API",
    "Fix the 500 on article creation",
    "fix: users endpoint returns 500 when email field is missing",
    "Debug slow database queries on the orders endpoint",
    "Speed up the slow articles list endpoint",
    "Refactor the user service into a repository layer",
    "Return 404 instead of 500 when the article does not exist",
    "Follow the existing conventions when adding the tags endpoint",
    "Upgrade the ORM to the latest version",
    "Write tests for the comments endpoints",
    "Add a comments API for blog posts",
    "Create a REST API for managing warehouses and shipments",
    "Integrate Slack notifications for failed jobs",
    "Send SMS order confirmations with Twilio",
    "Build an invoices endpoint with PDF export",
    "Build subscription API with Stripe",
    "Protect the admin API with Auth0",
    "Add JWT authentication",
    "Migrate from MySQL to PostgreSQL",
    "Audit npm dependencies for vulnerabilities",
    "Fix the circular import in the user service",
    "Publish the OpenAPI docs",
]


@pytest.mark.parametrize("text", UNRELATED)
def test_a_request_that_names_no_kind_of_change_selects_no_recipe(text: str) -> None:
    assert keys(text) == set()


def test_like_and_follow_as_plain_english_are_not_relations() -> None:
    assert "user_relation" not in keys("I'd like a CSV export of orders")
    assert "user_relation" not in keys("Add tags endpoint, follow the existing pattern")


def test_overlapping_kinds_resolve_to_the_more_specific_one() -> None:
    assert keys("Add cursor-based pagination to the feed") == {"pagination_cursor"}
    assert keys("Add Elasticsearch full-text search to articles") == {"search_engine"}
    assert keys("Import orders from an uploaded CSV") == {"import_csv"}
    assert keys("Let users upload attachments to tickets") == {"attachments"}
    assert keys("Consume order events in a background worker") == {"events_consume"}
    assert keys("Add an audit log searchable by actor") == {"audit_log"}
    assert keys("Send outgoing webhooks from a background worker with retries") == {"webhooks_out"}


def test_matches_come_in_request_order() -> None:
    matches = match_recipes("Add soft delete, then CSV export, then rate limiting")
    assert [m.recipe.key for m in matches] == ["soft_delete", "export_csv", "rate_limit"]


# ----------------------------------------------------------------------------- schema errors

VALID = """
[demo]
title = "Demo"
kind = "capability"
triggers = ["demo"]
target = "list_endpoint"
requirements = ["Do it on {endpoint}"]
critical = ["{endpoint} does it"]
tests = ["It is done"]
"""
PLACE = "planning/recipes/demo.toml"


def test_a_valid_document_parses() -> None:
    recipes = parse_recipes(VALID, PLACE)
    assert list(recipes) == ["demo"]
    assert recipes["demo"].target == "list_endpoint"


@pytest.mark.parametrize(
    ("change", "names"),
    [
        (('title = "Demo"', 'title = "Demo"\ntrigers = ["demo"]'), "[demo].trigers"),
        (('triggers = ["demo"]', "triggers = []"), "[demo].triggers"),
        (('requirements = ["Do it on {endpoint}"]\n', ""), "[demo].requirements"),
        (('target = "list_endpoint"', 'target = "everywhere"'), "[demo].target"),
        (('kind = "capability"', 'kind = "feature"'), "[demo].kind"),
        (('title = "Demo"', 'title = "Demo"\npriority = "high"'), "[demo].priority"),
        (('title = "Demo"', 'title = "Demo"\nsecurity = ["magic"]'), "[demo].security"),
        (('"It is done"', '"It is done for {thing}"'), "[demo]: unknown placeholder {thing}"),
        (
            ('title = "Demo"', 'title = "Demo"\nendpoints = [{ method = "GET", path = "{x}" }]'),
            "[demo].endpoints.0.purpose",
        ),
        (
            (
                'title = "Demo"',
                'title = "Demo"\nendpoints = [{ method = "GET", path = "{ids}/a", purpose = "p" }]',
            ),
            "[demo]: unknown placeholder {ids}",
        ),
        (("[demo]", "demo = 1\n[other]"), "[demo]: must be a table"),
    ],
)
def test_a_malformed_recipe_is_an_error_naming_file_recipe_and_key(
    change: tuple[str, str], names: str
) -> None:
    old, new = change
    assert old in VALID
    with pytest.raises(ConfigError) as error:
        parse_recipes(VALID.replace(old, new, 1), PLACE)
    assert str(error.value).startswith(PLACE)
    assert names in str(error.value)


def test_broken_toml_is_an_error_naming_the_file() -> None:
    with pytest.raises(ConfigError, match=r"^planning/recipes/demo\.toml: "):
        parse_recipes(VALID + "\n[unclosed", PLACE)


def test_replacing_an_unknown_recipe_is_an_error_naming_both() -> None:
    recipes = parse_recipes(
        VALID.replace('title = "Demo"', 'title = "Demo"\nreplaces = ["nope"]'), PLACE
    )
    with pytest.raises(ConfigError, match=r"\[demo\]\.replaces names unknown 'nope'"):
        check_references(recipes)
