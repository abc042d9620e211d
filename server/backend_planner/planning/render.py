"""Plans for people: markdown (architecture first, then the task tree, criteria, validator
result) and a compact tree for hovers."""

from __future__ import annotations

from backend_planner.planning.model import Plan, PlannedTask
from backend_planner.planning.spec import ChangeSpec


def render_markdown(plan: Plan) -> str:
    arch = plan.architecture
    out = [f"# Plan: {plan.request}", ""]
    out.append(
        f"Intent **{plan.intent}** · pattern **{plan.pattern}** · service `{plan.service}`"
        + (f" ({', '.join(plan.stack)})" if plan.stack else "")
    )
    out += ["", f"> {plan.pattern_reason}", ""]
    if plan.change_spec is not None:
        out += render_change_spec(plan.change_spec)
    out += ["## Architecture", "", arch.summary, ""]
    if arch.endpoints:
        out.append(
            "- **Endpoints**: "
            + ", ".join(f"`{e.method} {e.path}` ({e.purpose})" for e in arch.endpoints)
        )
    if arch.models:
        out.append(
            "- **Models**: " + "; ".join(f"{m.name} ({', '.join(m.fields)})" for m in arch.models)
        )
    if arch.services:
        out.append(
            "- **Services**: "
            + "; ".join(
                f"{s.name} ({s.responsibility})" + (f" in `{s.file}`" if s.file else "")
                for s in arch.services
            )
        )
    if arch.external:
        out.append("- **External**: " + ", ".join(e.name for e in arch.external))
        for ext in arch.external:
            for implication in ext.implications:
                out.append(f"  - {ext.name}: {implication}")
    if arch.flow:
        out.append("- **Flow**: " + " → ".join(arch.flow))
    out += ["", "## Tasks", ""]
    for task in plan.tasks:
        out += _task(task, str(task.task_order), level=3)
        for sub in task.subtasks:
            out += _task(sub, f"{task.task_order}.{sub.task_order}", level=4)
    out += ["## Validation", ""]
    checks = "the planner skill's rules" + (
        " and the checks against the tree" if plan.tree_checked else ""
    )
    if plan.violations:
        out.append(f"**{len(plan.violations)} finding(s)** against {checks}:")
        out += [f"- `{v.place}`: {v.message}" for v in plan.violations]
    else:
        out.append(
            "Passes every rule of the planner skill (13 rules checked)"
            + (" and every check against the tree." if plan.tree_checked else ".")
        )
    return "\n".join(out).rstrip() + "\n"


KIND_LABELS = {
    "existing": "exists — modified",
    "new_entity": "new entity",
    "new_fields": "new fields",
    "capability": "capability on existing endpoints",
    "relation": "relation between existing entities",
    "cross_cutting": "cross-cutting",
    "flow": "flow",
    "integration": "integration",
    "not_found": "not found",
}


def render_change_spec(spec: ChangeSpec) -> list[str]:
    """The change spec first: what exists and is modified (file:line), what is created, what
    must not change, and what the repository does not have."""
    out = ["## Change", ""]
    for item in spec.items:
        label = KIND_LABELS.get(item.kind, item.kind)
        head = f"- **{item.name}** ({label}"
        head += f", recipe `{item.recipe}`)" if item.recipe else ")"
        out.append(head)
        if item.kind == "not_found":
            out.append(f"  - {item.note or 'The repository has no ' + item.name}")
            continue
        for endpoint in item.endpoints:
            where = f" — `{endpoint.where}`" if endpoint.where else ""
            out.append(f"  - modifies `{endpoint.method} {endpoint.path}`{where}")
        for entity in item.entities:
            where = f" — `{entity.where}`" if entity.where else ""
            table = f" (`{entity.table}`)" if entity.table else ""
            out.append(f"  - builds on entity {entity.name}{table}{where}")
        if item.template:
            out.append(f"  - copies the existing {item.template}")
        if item.new_entity is not None:
            fields = ", ".join(
                f.name + (f" → {f.references}" if f.references else "")
                for f in item.new_entity.fields
            )
            out.append(
                f"  - creates entity {item.new_entity.name} (`{item.new_entity.table}`: {fields})"
            )
        if item.new_fields:
            out.append(
                "  - adds fields " + ", ".join(f"`{f.name}` ({f.type})" for f in item.new_fields)
            )
        for new in item.new_endpoints:
            public = " (public)" if new.public else ""
            out.append(f"  - adds `{new.method} {new.path}` — {new.purpose}{public}")
    if spec.unchanged:
        out += ["", "**Must not change**: " + "; ".join(spec.unchanged)]
    out.append("")
    return out


def _task(task: PlannedTask, number: str, *, level: int) -> list[str]:
    head = "#" * level
    out = [f"{head} {number}. {task.task_name}", ""]
    meta = f"skill `{task.skill_id}` · timeout {task.timeout_seconds}s"
    if task.dependencies:
        meta += " · after " + ", ".join(task.dependencies)
    out += [task.description, "", meta, ""]
    inputs = task.inputs
    for key in ("files_to_create", "files_to_modify", "files_to_investigate", "files_to_test"):
        values = inputs.get(key)
        if values:
            out.append(
                f"- {key.replace('_', ' ').capitalize()}: " + ", ".join(f"`{v}`" for v in values)
            )
    for key, label in (
        ("locations", "Locations"),
        ("candidate_causes", "Candidate causes"),
        ("checks", "Checks"),
        ("must_not_change", "Must not change"),
    ):
        values = inputs.get(key)
        if values:
            out.append(f"- {label}:")
            out += [f"  - {v}" for v in values]
    if inputs.get("patterns_to_follow"):
        out.append(f"- Patterns: {inputs['patterns_to_follow']}")
    if inputs.get("validation_commands"):
        out.append("- Commands: " + ", ".join(f"`{c}`" for c in inputs["validation_commands"]))
    if inputs.get("user_expectations"):
        out.append("- User expectations:")
        out += [f"  - {e}" for e in inputs["user_expectations"]]
    preceding = inputs.get("preceding_task")
    if isinstance(preceding, dict):
        out.append(f"- Reviews task {preceding.get('task_order')}: {preceding.get('task_name')}")
    criteria = task.validation_criteria
    for label, items in (
        ("Critical", criteria.critical),
        ("Expected", criteria.expected),
        ("Nice to have", criteria.nice_to_have),
    ):
        if items:
            out.append(f"- {label}: " + "; ".join(items))
    out.append("")
    return out


def render_tree(
    plan: Plan, ids: dict[str, str] | None = None, statuses: dict[str, str] | None = None
) -> str:
    """A compact task tree (hover, terminal): `1. Build X` / `   1.1 Build OrderService`.

    `ids` and `statuses` map a task's number ("1", "1.2") to its task id / status once pushed.
    """
    ids = ids or {}
    statuses = statuses or {}
    lines = [f"{plan.pattern}: {plan.request}"]

    def line(number: str, task: PlannedTask, indent: str) -> str:
        extra = []
        if number in statuses:
            extra.append(statuses[number])
        if number in ids:
            extra.append(ids[number])
        suffix = f"  [{' · '.join(extra)}]" if extra else ""
        deps = f" (after {', '.join(task.dependencies)})" if task.dependencies else ""
        return f"{indent}{number}. {task.task_name}{deps}{suffix}"

    for task in plan.tasks:
        number = str(task.task_order)
        lines.append(line(number, task, ""))
        for sub in task.subtasks:
            lines.append(line(f"{number}.{sub.task_order}", sub, "   "))
    return "\n".join(lines) + "\n"
