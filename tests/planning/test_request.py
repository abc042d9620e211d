"""Reading a request: intent, resources (with inflection), operations, external systems."""

from __future__ import annotations

import pytest

from backend_planner.planning import understand
from backend_planner.planning.request import external_catalog, security_needs


def test_ecommerce_resources_are_singularised_and_pluralised() -> None:
    spec = understand(
        "Build a complete e-commerce order management API with orders, inventory, payments, "
        "and notifications"
    )
    assert spec.intent == "build"
    assert [(r.singular, r.plural) for r in spec.resources] == [
        ("order", "orders"),
        ("inventory", "inventory"),
        ("payment", "payments"),
        ("notification", "notifications"),
    ]
    assert spec.subject == "order management API"
    assert spec.broad


def test_compound_nouns_stay_one_resource() -> None:
    spec = understand("Add password reset via email")
    assert [r.singular for r in spec.resources] == ["password_reset"]
    assert [e.key for e in spec.external] == ["email"]


@pytest.mark.parametrize(
    ("text", "resources", "external"),
    [
        ("Add warehouse transfers with Kafka events", ["warehouse_transfer"], ["kafka"]),
        ("Publish order updates as RabbitMQ messages", ["order_update"], ["rabbitmq"]),
    ],
)
def test_messages_of_a_broker_are_not_a_resource(
    text: str, resources: list[str], external: list[str]
) -> None:
    """ "Kafka events" are what the feature publishes, not a table with CRUD endpoints."""
    spec = understand(text)
    assert [r.singular for r in spec.resources] == resources
    assert [e.key for e in spec.external] == external


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("Build subscription API with Stripe", "build"),
        ("Fix the API rate limiting issues", "fix"),
        ("Debug slow database queries on the orders endpoint", "fix"),
        ("Refactor the user service into a repository layer", "refactor"),
        ("Integrate Slack notifications for failed jobs", "integrate"),
        ("Connect to Kafka", "integrate"),
    ],
)
def test_intent(text: str, intent: str) -> None:
    assert understand(text).intent == intent


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Accept payments with Stripe", "stripe"),
        ("Accept PayPal payments", "paypal"),
        ("Send SMS with Twilio", "twilio"),
        ("Send emails through SendGrid", "email"),
        ("Store avatars in S3", "s3"),
        ("Post alerts to Slack", "slack"),
        ("Handle GitHub webhooks", "github"),
        ("Add Google OAuth login", "oauth"),
        ("Protect the API with Auth0", "auth0"),
        ("Publish events to Kafka", "kafka"),
        ("Consume jobs from RabbitMQ", "rabbitmq"),
        ("Cache sessions in Redis", "redis"),
        ("Search articles with Elasticsearch", "elasticsearch"),
        ("Summarise tickets with OpenAI", "openai"),
    ],
)
def test_catalogued_external_systems(text: str, key: str) -> None:
    spec = understand(text)
    assert key in [e.key for e in spec.external]
    assert all(e.key not in [r.singular for r in spec.resources] for e in spec.external)


def test_catalog_entries_carry_their_implications() -> None:
    catalog = external_catalog()
    assert len(catalog) >= 14
    stripe = catalog["stripe"]
    assert stripe.webhook and "STRIPE_WEBHOOK_SECRET" in stripe.secrets
    assert any("signature" in i.lower() for i in stripe.implications)
    assert any("idempot" in i.lower() for i in stripe.implications)
    for entry in catalog.values():
        assert entry.implications and entry.secrets, entry.key


def test_security_needs() -> None:
    assert security_needs("Build subscription API with Stripe") == [
        "auth",
        "idempotency",
        "input_validation",
        "pii",
        "secrets",
        "webhook_signature",
    ]
    assert security_needs("Cache product listings in Redis") == ["input_validation", "secrets"]


def test_operations_are_read() -> None:
    spec = understand("Build an invoices endpoint with PDF export")
    assert "export" in spec.operations
    assert spec.resources[0].singular == "invoice"


def test_nouns_after_for_on_of_are_context_not_new_resources() -> None:
    spec = understand("Build a comments API for blog posts with moderation")
    assert [r.singular for r in spec.resources] == ["comment", "moderation"]
    assert [r.singular for r in spec.context] == ["blog_post"]
    purpose = understand("Create a REST API for managing warehouses and shipments")
    assert [r.singular for r in purpose.resources] == ["warehouse", "shipment"]


def test_fix_and_refactor_subjects_keep_the_users_words() -> None:
    assert understand("Fix the API rate limiting issues").subject == "API rate limiting issues"
    assert (
        understand("Refactor the user service into a repository layer").subject
        == "user service into a repository layer"
    )


def test_a_todo_that_states_the_problem_then_the_change_is_a_refactor() -> None:
    spec = understand(
        "counters live in process memory and are never evicted, so every instance enforces "
        "its own limit. Move the counters to a shared store with expiry before running more "
        "than one replica."
    )
    assert spec.intent == "refactor"
    # The subject is the sentence that says what to do.
    assert (
        spec.subject
        == "counters to a shared store with expiry before running more than one replica"
    )
    long = understand("Fix " + "very " * 30 + "slow pages")
    assert long.subject.endswith("very…") and len(long.subject) <= 81  # cut at a word


def test_a_refactor_of_several_modules_is_one_standard_plan() -> None:
    from backend_planner.planning import plan_workspace
    from conftest import EXAMPLES_DIR
    from planning.support import SKILLS

    plan = plan_workspace(
        "Refactor the users, orders and payments modules", EXAMPLES_DIR / "go-gin-shop", SKILLS
    )
    assert plan.intent == "refactor" and plan.pattern == "standard"
    assert not plan.violations
