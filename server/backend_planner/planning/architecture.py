"""The architecture summary (endpoints, models, services, external systems) and the files of
each component, grounded in the service's profile and route style."""

from __future__ import annotations

from dataclasses import dataclass, field

from backend_planner.planning.model import (
    Architecture,
    DataModel,
    Endpoint,
    ExternalImpact,
    ExternalSystem,
    FeatureSpec,
    Resource,
    ServiceComponent,
)
from backend_planner.planning.paths import (
    FileRef,
    FileSet,
    case,
    file_for,
    layer_file,
    migration_files,
    routes_file,
    test_file,
)
from backend_planner.planning.request import short_name
from backend_planner.workspace.profile import Service
from backend_planner.workspace.routing import Routing


def _words(text: str) -> list[str]:
    """The whitespace-separated words of a vocabulary kept as text."""
    return text.split()


STATEFUL = frozenset(
    _words(
        """
        subscription order payment invoice notification booking reservation job ticket
        shipment refund transfer task delivery application request review approval
        password_reset invitation verification export import upload
        """
    )
)
DOMAIN_FIELDS: dict[str, list[str]] = {
    "order": ["total_amount", "currency"],
    "order_item": ["order_id (FK → orders)", "product_id", "quantity", "unit_price"],
    "inventory": ["product_id", "quantity", "reserved_quantity"],
    "payment": ["order_id (FK → orders)", "amount", "currency"],
    "notification": ["channel", "recipient", "template", "sent_at"],
    "subscription": ["plan_id", "current_period_end", "cancel_at_period_end"],
    "invoice": ["amount_due", "currency", "due_at"],
    "password_reset": ["token_hash", "expires_at", "used_at"],
    "product": ["name", "price", "sku"],
    "user": ["email", "password_hash", "role"],
    "comment": ["body", "author_id (FK → users)"],
    "review": ["rating", "body", "author_id (FK → users)"],
    "upload": ["object_key", "content_type", "size_bytes"],
    "file": ["object_key", "content_type", "size_bytes"],
    "oauth_account": ["provider", "provider_user_id", "email"],
    "user_identity": ["provider", "subject", "roles"],
    "user_avatar": ["object_key", "content_type", "size_bytes"],
}
PAYMENT_RESOURCES = frozenset(
    ["subscription", "payment", "invoice", "refund", "charge", "order", "customer"]
)
# URL segments stay kebab-case plural (`/password-resets`).
ID_STYLE_RESOURCE = frozenset({"fastapi", "litestar", "flask", "django"})


@dataclass
class Component:
    """One resource's code: what to create and modify, and the sources a test must cover."""

    resource: Resource
    files: FileSet = field(default_factory=FileSet)
    sources: list[str] = field(default_factory=list)
    tests: list[str] = field(default_factory=list)
    migrations: list[str] = field(default_factory=list)
    endpoints: list[Endpoint] = field(default_factory=list)


def article(label: str) -> str:
    """ "an order", "a payment" (by the first letter, good enough for resource names)."""
    return ("an " if label[:1] in "aeio" else "a ") + label


def _id_param(service: Service, routing: Routing, resource: Resource) -> str:
    name = f"{resource.singular}_id" if set(service.frameworks) & ID_STYLE_RESOURCE else "id"
    return routing.param(name)


def endpoints_for(
    spec: FeatureSpec, service: Service, routing: Routing, resource: Resource
) -> list[Endpoint]:
    catalog = {e.key: e for e in spec.external}
    if resource.external in catalog:
        return [
            Endpoint(method=method, path=routing.prefix + path, purpose=purpose)
            for method, path, purpose in catalog[resource.external].endpoints
        ]
    base = f"{routing.prefix}/{case(resource.plural, 'kebab')}"
    item = f"{base}/{_id_param(service, routing, resource)}"
    label = resource.label
    ops = set(spec.operations)
    out = [
        Endpoint(method="POST", path=base, purpose=f"create {article(label)}"),
        Endpoint(method="GET", path=base, purpose=f"list {resource.plural.replace('_', ' ')}"),
        Endpoint(
            method="GET",
            path=item,
            purpose=f"get {article(label)}"
            + (" and its status" if resource.singular in STATEFUL else ""),
        ),
    ]
    if resource.singular in STATEFUL and resource.singular in PAYMENT_RESOURCES | {
        "booking",
        "reservation",
    }:
        out.append(
            Endpoint(method="POST", path=f"{item}/cancel", purpose=f"cancel {article(label)}")
        )
    else:
        out.append(
            Endpoint(method=routing.update_method, path=item, purpose=f"update {article(label)}")
        )
        out.append(Endpoint(method="DELETE", path=item, purpose=f"delete {article(label)}"))
    extras = {
        "refund": ("POST", f"{item}/refund", f"refund {article(label)}"),
        "search": ("GET", f"{base}/search", f"search {resource.plural.replace('_', ' ')}"),
        "export": ("GET", f"{base}/export", f"export {resource.plural.replace('_', ' ')}"),
        "import": ("POST", f"{base}/import", f"import {resource.plural.replace('_', ' ')}"),
        "upload": ("POST", f"{item}/upload", f"upload a file for {article(label)}"),
        "download": ("GET", f"{item}/download", f"download {article(label)}"),
        "approve": ("POST", f"{item}/approve", f"approve {article(label)}"),
        "reject": ("POST", f"{item}/reject", f"reject {article(label)}"),
        "archive": ("POST", f"{item}/archive", f"archive {article(label)}"),
        "reserve": ("POST", f"{item}/reserve", f"reserve {article(label)}"),
    }
    for op in sorted(ops & extras.keys()):
        method, path, purpose = extras[op]
        out.append(Endpoint(method=method, path=path, purpose=purpose))
    return out


def webhook_endpoints(spec: FeatureSpec, routing: Routing) -> list[Endpoint]:
    return [
        Endpoint(
            method="POST",
            path=f"{routing.prefix}/webhooks/{case(e.service, 'kebab')}",
            purpose=f"receive {e.name} events (signature verified)",
        )
        for e in spec.external
        if e.webhook
    ]


def model_for(spec: FeatureSpec, resource: Resource) -> DataModel:
    fields = ["id"]
    auth = "auth" in spec.security
    if auth and resource.singular not in ("user", "account", "inventory", "product"):
        fields.append("user_id (FK → users)")
    # What the request puts it on ("comments to posts", "for blog posts"): it belongs to them.
    fields += [f"{c.singular}_id (FK → {c.plural})" for c in spec.context if c != resource]
    fields += DOMAIN_FIELDS.get(resource.singular, [])
    if resource.singular in PAYMENT_RESOURCES | {"payment"}:
        fields += [
            f"{e.service}_{resource.singular}_id" for e in spec.external if e.kind == "payments"
        ]
    if resource.singular in STATEFUL:
        fields.append("status")
    fields += ["created_at", "updated_at"]
    seen: list[str] = []
    for f in fields:
        if f not in seen:
            seen.append(f)
    return DataModel(name=resource.class_name, fields=seen)


def external_resource(external: ExternalSystem) -> Resource:
    return Resource(singular=external.service, plural=external.service)


def component(
    spec: FeatureSpec,
    service: Service,
    routing: Routing,
    resource: Resource,
    planned_migrations: tuple[str, ...],
    *,
    with_migration: bool = True,
) -> Component:
    """Files of one resource: migration → model → repository → service → handler → routes."""
    comp = Component(resource=resource)
    files = comp.files
    if with_migration:
        comp.migrations = migration_files(service, f"create_{resource.plural}", planned_migrations)
        for path in comp.migrations:
            existing = service.migrations is not None and path in service.migrations.latest
            files.add(FileRef(path, not existing))
    model = file_for(service, "models", resource)
    files.add(model)
    repository = layer_file(service, "repositories", resource)
    files.add(repository)
    svc = file_for(service, "services", resource)
    files.add(svc)
    handler = file_for(service, "handlers", resource)
    files.add(handler)
    routes = routes_file(service, resource, routing.registration_file)
    files.add(routes)
    if routes.create and routing.registration_file and routing.registration_file != routes.path:
        files.add(FileRef(routing.registration_file, False))
    for ref in (svc, handler):
        if ref.create and ref.path not in comp.sources:
            comp.sources.append(ref.path)
    for source in comp.sources:
        test = test_file(service, source, resource)
        if test and test not in comp.tests and test not in files.create:
            comp.tests.append(test)
    comp.endpoints = endpoints_for(spec, service, routing, resource)
    return comp


def external_component(spec: FeatureSpec, service: Service, external: ExternalSystem) -> Component:
    """The wrapper service of an external system, and its webhook handler when it calls back."""
    resource = external_resource(external)
    comp = Component(resource=resource)
    svc = file_for(service, "services", resource)
    comp.files.add(svc)
    if svc.create:
        comp.sources.append(svc.path)
    if external.webhook:
        hook = Resource(
            singular=f"{external.service}_webhook", plural=f"{external.service}_webhooks"
        )
        handler = file_for(service, "handlers", hook)
        comp.files.add(handler)
        if handler.create:
            comp.sources.append(handler.path)
    for source in comp.sources:
        test = test_file(service, source, resource)
        if test and test not in comp.tests:
            comp.tests.append(test)
    return comp


def build_architecture(
    spec: FeatureSpec,
    service: Service,
    components: list[Component],
    externals: list[Component],
    routing: Routing,
) -> Architecture:
    endpoints: list[Endpoint] = []
    for comp in components:
        endpoints += comp.endpoints
    endpoints += webhook_endpoints(spec, routing)
    models = [model_for(spec, c.resource) for c in components]
    services: list[ServiceComponent] = []
    for comp in components:
        svc = next((p for p in comp.files.create if _is_layer(service, "services", p)), None)
        services.append(
            ServiceComponent(
                name=f"{comp.resource.class_name}Service",
                responsibility=_responsibility(comp.resource),
                file=svc,
            )
        )
    for ext, comp in zip(spec.external, externals, strict=True):
        services.append(
            ServiceComponent(
                name=f"{case(ext.service, 'pascal')}Service",
                responsibility=f"{ext.name} client wrapper: calls, retries, error mapping"
                + ("; webhook verification" if ext.webhook else ""),
                file=comp.files.create[0] if comp.files.create else None,
            )
        )
    external = [
        ExternalImpact(name=e.name, implications=list(e.implications)) for e in spec.external
    ]
    flow: list[str] = []
    if len(components) > 1:
        flow = [f"{c.resource.class_name} {_verb(c.resource)}" for c in components]
    what = spec.subject
    named = [e for e in spec.external if short_name(e).lower() not in what.lower()]
    if named:
        what += " with " + ", ".join(e.name for e in named) + " integration"
    if any(e.webhook for e in spec.external):
        what += " and webhook handling"
    stack = ", ".join([*(service.frameworks or [service.language or "unknown"]), *service.orm])
    summary = f"{what[0].upper()}{what[1:]} in the {stack} service at `{service.path}`."
    return Architecture(
        summary=summary,
        endpoints=endpoints,
        models=models,
        services=services,
        external=external,
        flow=flow,
    )


def _is_layer(service: Service, layer: str, path: str) -> bool:
    naming = getattr(service.naming, layer, None)
    suffixes = [naming.suffix] if naming is not None and naming.suffix else []
    return any(path.endswith(s) for s in suffixes) or "service" in path.lower()


def _responsibility(resource: Resource) -> str:
    label = resource.label
    if resource.singular in STATEFUL:
        return f"{label} lifecycle: create, read, status transitions, persistence"
    return f"{label} business rules and persistence"


def _verb(resource: Resource) -> str:
    verbs = {
        "order": "created",
        "inventory": "reserved",
        "payment": "processed",
        "notification": "sent",
        "subscription": "activated",
        "invoice": "issued",
        "shipment": "dispatched",
    }
    return verbs.get(resource.singular, "handled")
