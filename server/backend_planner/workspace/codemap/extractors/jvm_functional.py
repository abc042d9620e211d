"""Functional endpoints of Spring WebFlux / WebMvc.fn, read from one file's syntax tree.

Kotlin's router DSL — `router { (accept(JSON) and "/api").nest { GET("/{id}", handler::show) } }`
(`coRouter` too; `GET("/x") { ... }`, `GET("/x").invoke(h::f)`, `"/p".nest { }`,
`path("/p").nest { }`) — and Java's RouterFunctions — `route().GET("/x", h::list)
.path("/api", b -> b.POST(...)).nest(path("/v1"), b -> ...)`, `route(GET("/x").and(accept(JSON)),
h::f).andRoute(POST("/y"), h::g)`, `nest(path("/api"), route(...))` — become plain route facts:

    {"method": "GET" | "ANY", "path": [items: the prefixes', then the route's own path],
     "line": where the route is declared, "owner": "Class.function" declaring it,
     "handler": {"receiver", "type", "method"} for `h::f`, {"line"} for an inline lambda}

Path items are jvm_source argument items (constants are evaluated in resolve). A handler's
receiver is typed from the router function's parameters and its class's constructor parameters,
properties and fields, so resolve can find the handler method. Java's route functions are the
bodies of methods whose return type is a RouterFunction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from backend_planner.workspace.codemap import syntax
from backend_planner.workspace.codemap.extractors.jvm_source import Item, java_value, kotlin_value
from backend_planner.workspace.codemap.rules import load_rules

if TYPE_CHECKING:
    from tree_sitter import Node


@dataclass(frozen=True)
class Functional:
    name: str
    role: str


RULES = {r.name: r.role for r in load_rules("jvm", "functional", Functional)}
HTTP_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
ROUTER_TYPE = "RouterFunction"
HANDLER_MARKER = "ServerRequest"  # what a handler function takes: its class is read too
MAX_DEPTH = 60
# statements whose blocks may declare routes of the enclosing router DSL (a route path built
# from the loop variable is {dynamic})
KOTLIN_CONTROL = frozenset(
    {"for_statement", "while_statement", "do_while_statement", "if_expression", "block"}
    | {"when_expression", "when_entry", "control_structure_body", "statements"}
)

Route = dict[str, Any]
Scope = dict[str, str]  # receiver name → its type's simple name


def read_routes(grammar: str, root: Node) -> list[Route]:
    """The functional routes declared in a file."""
    out: list[Route] = []
    if grammar == "kotlin":
        _kotlin_scan(root, {}, "", out, 0)
    else:
        _java_scan(root, {}, "", out, 0)
    return out


def _role(name: str) -> str:
    return RULES.get(name, "")


def _first(node: Node | None, kind: str) -> Node | None:
    if node is None:
        return None
    return next((c for c in node.named_children if c.type == kind), None)


def _route(
    method: str | None, path: list[Item], node: Node, handler: dict[str, Any], owner: str
) -> Route:
    return {
        "method": method or "ANY",
        "path": path,
        "line": syntax.line(node),
        "owner": owner,
        "handler": handler,
    }


def _type_name(node: Node | None) -> str:
    return syntax.text(node).split("<", 1)[0].rstrip("?").strip().rsplit(".", 1)[-1]


# ---------------------------------------------------------------- Kotlin


def _kotlin_scan(node: Node, scope: Scope, owner: str, out: list[Route], depth: int) -> None:
    if depth > MAX_DEPTH:
        return
    for child in node.named_children:
        kind = child.type
        if kind in ("class_declaration", "object_declaration"):
            name = syntax.text(_first(child, "identifier"))
            _kotlin_scan(child, {**scope, **_kotlin_members(child)}, name, out, depth + 1)
        elif kind == "function_declaration":
            params = _kotlin_params(_first(child, "function_value_parameters"), "parameter")
            function = f"{owner.split('.')[0]}.{syntax.text(_first(child, 'identifier'))}"
            _kotlin_scan(child, {**scope, **params}, function.lstrip("."), out, depth + 1)
        elif kind == "call_expression" and _role(syntax.text(child.named_children[0])) == "dsl":
            body = _first(_first(child, "annotated_lambda"), "lambda_literal")
            if body is not None:
                _kotlin_block(body, [], None, scope, owner, out, depth + 1)
        else:
            _kotlin_scan(child, scope, owner, out, depth + 1)


def _kotlin_members(declaration: Node) -> Scope:
    """Typed constructor parameters and properties of a class."""
    scope: Scope = {}
    constructor = _first(declaration, "primary_constructor")
    scope.update(_kotlin_params(_first(constructor, "class_parameters"), "class_parameter"))
    for member in (_first(declaration, "class_body") or declaration).named_children:
        if member.type != "property_declaration":
            continue
        variable = _first(member, "variable_declaration")
        typed = _first(variable, "user_type") or _first(variable, "nullable_type")
        if variable is not None and typed is not None:
            scope[syntax.text(_first(variable, "identifier"))] = _type_name(typed)
    return scope


def _kotlin_params(params: Node | None, kind: str) -> Scope:
    scope: Scope = {}
    for param in params.named_children if params is not None else ():
        typed = _first(param, "user_type") or _first(param, "nullable_type")
        if param.type == kind and typed is not None:
            scope[syntax.text(_first(param, "identifier"))] = _type_name(typed)
    return scope


def _kotlin_block(
    block: Node,
    prefix: list[Item],
    method: str | None,
    scope: Scope,
    owner: str,
    out: list[Route],
    depth: int,
) -> None:
    if depth > MAX_DEPTH:
        return
    for statement in block.named_children:
        if statement.type == "call_expression":
            _kotlin_call(statement, prefix, method, scope, owner, out, depth + 1)
        elif statement.type in KOTLIN_CONTROL:  # routes declared in a loop or a condition
            _kotlin_block(statement, prefix, method, scope, owner, out, depth + 1)


def _kotlin_call(
    call: Node,
    prefix: list[Item],
    method: str | None,
    scope: Scope,
    owner: str,
    out: list[Route],
    depth: int,
) -> None:
    """One statement of a router block: a route, or a nested block."""
    callee = call.named_children[0]
    lambda_body = _first(_first(call, "annotated_lambda"), "lambda_literal")
    arguments = _kotlin_arguments(call)
    if callee.type == "navigation_expression":
        receiver, suffix = callee.named_children[0], syntax.text(callee.named_children[-1])
        if _role(suffix) == "nest" and lambda_body is not None:
            parts, verb = _kotlin_predicate(receiver, 0)
            _kotlin_block(lambda_body, prefix + parts, verb or method, scope, owner, out, depth)
        elif suffix == "invoke" and receiver.type == "call_expression":
            last = arguments[-1] if arguments else None
            handler = _kotlin_handler(last, lambda_body, scope, owner)
            _kotlin_method_route(receiver, handler, prefix, scope, owner, out)
        elif lambda_body is not None:  # `(2012..last).forEach { year -> GET("/$year") {} }`
            _kotlin_block(lambda_body, prefix, method, scope, owner, out, depth)
        return
    if callee.type == "call_expression" and lambda_body is not None:  # GET("/x") { ... }
        _kotlin_method_route(callee, _kotlin_lambda(lambda_body), prefix, scope, owner, out)
        return
    name = syntax.text(callee)
    handler = _kotlin_handler(arguments[-1] if arguments else None, lambda_body, scope, owner)
    if name in HTTP_METHODS:
        _kotlin_method_route(call, handler, prefix, scope, owner, out)
    elif method is not None and handler is not None:  # GET("/x").nest { accept(JSON, h::f) }
        out.append(_route(method, prefix, call, handler, owner))
    elif lambda_body is not None and callee.type in ("identifier", "simple_identifier"):
        _kotlin_block(lambda_body, prefix, method, scope, owner, out, depth)  # repeat(n) { }


def _kotlin_arguments(call: Node) -> list[Node]:
    arguments = _first(call, "value_arguments")
    return [
        a.named_children[-1]
        for a in (arguments.named_children if arguments is not None else ())
        if a.type == "value_argument" and a.named_children
    ]


def _kotlin_method_route(
    call: Node,
    handler: dict[str, Any] | None,
    prefix: list[Item],
    scope: Scope,
    owner: str,
    out: list[Route],
) -> None:
    verb = syntax.text(call.named_children[0])
    if verb not in HTTP_METHODS or handler is None:
        return
    arguments = _kotlin_arguments(call)
    path: list[Item] = []
    if arguments and not _is_callable_reference(arguments[0]):
        path = _kotlin_predicate(arguments[0], 0)[0]
    out.append(_route(verb, prefix + path, call, handler, owner))


def _is_callable_reference(node: Node) -> bool:
    return node.type in ("callable_reference", "navigation_expression") and any(
        c.type == "::" for c in node.children
    )


def _kotlin_handler(
    node: Node | None, lambda_body: Node | None, scope: Scope, owner: str
) -> dict[str, Any] | None:
    if node is not None and _is_callable_reference(node):
        named = node.named_children
        receiver = syntax.text(named[0]) if len(named) > 1 else "this"
        return _reference(receiver, syntax.text(named[-1]), scope, owner)
    if lambda_body is not None:
        return _kotlin_lambda(lambda_body)
    return None


def _kotlin_lambda(body: Node) -> dict[str, Any]:
    return {"line": syntax.line(body)}


def _reference(receiver: str, method: str, scope: Scope, owner: str) -> dict[str, Any]:
    if receiver == "this":
        kind = owner.split(".")[0]
    elif receiver in scope:
        kind = scope[receiver]
    else:
        kind = receiver if receiver[:1].isupper() else ""
    return {"receiver": receiver, "type": kind, "method": method}


def _kotlin_predicate(node: Node, depth: int) -> tuple[list[Item], str | None]:
    """The path parts and the method a request predicate names: `"/api"`, `PREFIX`,
    `accept(JSON) and "/api"`, `path("/x")`, `GET("/x")`; others name nothing."""
    if depth > 20:
        return [], None
    kind = node.type
    values = ("string_literal", "identifier", "navigation_expression")
    if kind in values and not _is_callable_reference(node):
        item = kotlin_value(node)
        return ([item] if item is not None else []), None
    if kind == "parenthesized_expression" and node.named_children:
        return _kotlin_predicate(node.named_children[0], depth + 1)
    if kind in ("infix_expression", "conjunction_expression", "disjunction_expression"):
        operands = node.named_children
        if kind == "infix_expression":  # `a and b`: the middle one is the function's name
            operands = operands[::2]
        return _combine([_kotlin_predicate(c, depth + 1) for c in operands])
    if kind == "call_expression":
        callee = node.named_children[0]
        arguments = _kotlin_arguments(node)
        if callee.type == "navigation_expression":  # "/api".and(accept(JSON))
            found = [_kotlin_predicate(callee.named_children[0], depth + 1)]
            return _combine(found + [_kotlin_predicate(a, depth + 1) for a in arguments])
        name = syntax.text(callee)
        if (name in HTTP_METHODS or _role(name) == "path") and arguments:
            parts, _ = _kotlin_predicate(arguments[0], depth + 1)
            return parts, name if name in HTTP_METHODS else None
    return [], None


def _combine(found: list[tuple[list[Item], str | None]]) -> tuple[list[Item], str | None]:
    parts = [p for each, _ in found for p in each]
    verb = next((v for _, v in found if v), None)
    return parts, verb


# ---------------------------------------------------------------- Java


def _java_scan(node: Node, scope: Scope, owner: str, out: list[Route], depth: int) -> None:
    if depth > MAX_DEPTH:
        return
    for child in node.named_children:
        kind = child.type
        if kind in ("class_declaration", "record_declaration", "interface_declaration"):
            name = syntax.text(child.child_by_field_name("name"))
            body = child.child_by_field_name("body")
            if body is not None:
                _java_scan(body, {**scope, **_java_members(child)}, name, out, depth + 1)
        elif kind == "method_declaration":
            if ROUTER_TYPE in syntax.text(child.child_by_field_name("type")):
                params = _java_params(child.child_by_field_name("parameters"))
                function = f"{owner}.{syntax.text(child.child_by_field_name('name'))}"
                context = _Context([], None, {**scope, **params}, function)
                _java_body(child.child_by_field_name("body"), context, out, 0)
        elif kind not in ("field_declaration", "constructor_declaration"):
            _java_scan(child, scope, owner, out, depth + 1)


def _java_members(declaration: Node) -> Scope:
    """Typed fields and constructor parameters of a class."""
    scope: Scope = {}
    body = declaration.child_by_field_name("body")
    for member in body.named_children if body is not None else ():
        if member.type == "field_declaration":
            kind = _type_name(member.child_by_field_name("type"))
            for declarator in member.children_by_field_name("declarator"):
                scope[syntax.text(declarator.child_by_field_name("name"))] = kind
        elif member.type == "constructor_declaration":
            scope.update(_java_params(member.child_by_field_name("parameters")))
    return scope


def _java_params(params: Node | None) -> Scope:
    scope: Scope = {}
    for param in params.named_children if params is not None else ():
        if param.type == "formal_parameter":
            name = syntax.text(param.child_by_field_name("name"))
            scope[name] = _type_name(param.child_by_field_name("type"))
    return scope


@dataclass(frozen=True)
class _Context:
    """Where a Java route expression is: the prefix and method of the predicates around it."""

    prefix: list[Item]
    verb: str | None
    scope: Scope
    owner: str

    def nested(self, parts: list[Item], verb: str | None) -> _Context:
        return _Context(self.prefix + parts, verb or self.verb, self.scope, self.owner)


def _java_body(body: Node | None, context: _Context, out: list[Route], depth: int) -> None:
    """The returned / built route expressions of a method or lambda body (its local variables
    typed first: `HandlerImplementation handler = new HandlerImplementation()`)."""
    if body is None or depth > MAX_DEPTH:
        return
    if body.type != "block":
        _java_expression(body, context, out, depth + 1)
        return
    scope = dict(context.scope)
    for statement in body.named_children:
        if statement.type == "local_variable_declaration":
            kind = _type_name(statement.child_by_field_name("type"))
            for declarator in statement.children_by_field_name("declarator"):
                scope[syntax.text(declarator.child_by_field_name("name"))] = kind
    context = _Context(context.prefix, context.verb, scope, context.owner)
    for statement in body.named_children:
        if statement.type in ("return_statement", "expression_statement"):
            for expression in statement.named_children:
                _java_expression(expression, context, out, depth + 1)
        elif statement.type == "local_variable_declaration":
            for declarator in statement.children_by_field_name("declarator"):
                value = declarator.child_by_field_name("value")
                if value is not None:
                    _java_expression(value, context, out, depth + 1)


def _java_expression(node: Node, context: _Context, out: list[Route], depth: int) -> None:
    if depth > MAX_DEPTH:
        return
    if node.type == "lambda_expression":
        _java_body(node.child_by_field_name("body"), context, out, depth + 1)
        return
    if node.type != "method_invocation":
        return
    receiver = node.child_by_field_name("object")
    if receiver is not None and receiver.type == "method_invocation":
        _java_expression(receiver, context, out, depth + 1)  # the builder's chain
    name_node = node.child_by_field_name("name") or node  # a chain's line is its call's own
    name = syntax.text(name_node)
    arguments = list(node.child_by_field_name("arguments").named_children)  # type: ignore[union-attr]
    role = _role(name)
    if name in HTTP_METHODS:
        handler = _java_handler(arguments[-1], context) if arguments else None
        if handler is not None:  # builder.GET("/x", [predicate,] handler)
            path = _java_predicate(arguments[0], 0)[0] if len(arguments) > 1 else []
            out.append(_route(name, context.prefix + path, name_node, handler, context.owner))
    elif role == "route" and len(arguments) == 2:  # route(GET("/x"), handler)
        handler = _java_handler(arguments[1], context)
        parts, verb = _java_predicate(arguments[0], 0)
        if handler is not None:
            route_path = context.prefix + parts
            out.append(_route(verb or context.verb, route_path, name_node, handler, context.owner))
    elif role in ("nest", "path") and len(arguments) == 2:  # nest(path("/p"), …), .path("/p", …)
        parts, verb = _java_predicate(arguments[0], 0)
        _java_expression(arguments[1], context.nested(parts, verb), out, depth + 1)
    else:
        for argument in arguments:  # .and(route(...)), .add(...)
            if argument.type == "method_invocation":
                _java_expression(argument, context, out, depth + 1)


def _java_handler(node: Node, context: _Context) -> dict[str, Any] | None:
    if node.type == "method_reference":
        named = node.named_children
        receiver = syntax.text(named[0]) if len(named) > 1 else "this"
        return _reference(receiver, syntax.text(named[-1]), context.scope, context.owner)
    if node.type == "lambda_expression":
        return {"line": syntax.line(node)}
    return None


def _java_predicate(node: Node, depth: int) -> tuple[list[Item], str | None]:
    """The path parts and the method of a request predicate: `"/x"` (a builder's path),
    `GET("/x")`, `path("/x")`, `method(HttpMethod.PUT)`, combined with `.and(...)`."""
    if depth > 20:
        return [], None
    if node.type in ("string_literal", "identifier", "field_access", "binary_expression"):
        item = java_value(node)
        return ([item] if item is not None else []), None
    if node.type != "method_invocation":
        return [], None
    name = syntax.text(node.child_by_field_name("name"))
    arguments = list(node.child_by_field_name("arguments").named_children)  # type: ignore[union-attr]
    receiver = node.child_by_field_name("object")
    found: list[tuple[list[Item], str | None]] = []
    if receiver is not None and receiver.type == "method_invocation":
        found.append(_java_predicate(receiver, depth + 1))
    if name in HTTP_METHODS and arguments:
        found.append((_java_predicate(arguments[0], depth + 1)[0], name))
    elif _role(name) == "path" and arguments:
        found.append((_java_predicate(arguments[0], depth + 1)[0], None))
    elif _role(name) == "method" and arguments:
        verb = syntax.text(arguments[0]).rsplit(".", 1)[-1].upper()
        found.append(([], verb if verb in HTTP_METHODS else None))
    elif _role(name) == "combine":
        found += [_java_predicate(a, depth + 1) for a in arguments]
    return _combine(found)
