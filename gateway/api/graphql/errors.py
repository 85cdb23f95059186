"""Error masking: only documented codes and safe messages reach a client.

Which errors are ours and what a client may learn of the rest is decided in
``gateway.errors.classify``; this module only spells the result the GraphQL
way: ``extensions.code``, ``extensions.field`` (GraphQL names), ``rule`` and
``upstreamCode``.
"""

import logging
import re
from typing import Any

import strawberry
from graphql.error import GraphQLError
from strawberry.extensions import MaskErrors
from strawberry.types import ExecutionContext

from gateway.api.graphql.naming import field_name
from gateway.errors import INTERNAL_MESSAGE, ErrorCode, GatewayError, classify, is_expected

log = logging.getLogger(__name__)

# graphql-core appends "Did you mean 'x'?" to validation errors: it spells out
# the schema, so it goes when introspection is off.
_SUGGESTION = re.compile(r" Did you mean [^?]*\?")
_BAD_VARIABLE = re.compile(r"^Variable '\$(\w+)' (?:has invalid value(?: at \.?([\w.\[\]]+))?|of )")
_UNKNOWN_FIELD = re.compile(r"unknown field '(\w+)'")


def variable_field(message: str) -> tuple[str, str] | None:
    """``(field, rule)`` of a variable coercion error: the variable and the path inside it
    that a form can map to its input (``patch.policies.passwordPolicy.minimumLength``)."""
    found = _BAD_VARIABLE.match(message)
    if found is None:
        return None
    field = found.group(1) + (f".{found.group(2)}" if found.group(2) else "")
    unknown = _UNKNOWN_FIELD.search(message)
    if unknown is not None:
        return f"{field}.{unknown.group(1)}", "unknown"
    return field, "type"


_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')
_VALUE_TAIL = re.compile(
    r"(got invalid value|has invalid value|found|; Expected type|cannot represent)\b.*", re.DOTALL
)


def loggable(message: str) -> dict[str, str]:
    """What a log line may keep of a request error: its field and rule when it is about
    a variable, else the message without any value the caller sent (quoted strings and
    what follows "got invalid value" / "found" can quote input, secrets included)."""
    variable = variable_field(message)
    if variable is not None:
        return {"field": variable[0], "rule": variable[1]}
    return {"error": _VALUE_TAIL.sub(r"\1 [value]", _QUOTED.sub('"[value]"', message))[:300]}


def extensions_of(error: GatewayError) -> dict[str, Any]:
    extensions: dict[str, Any] = {"code": error.code.value}
    if error.field is not None:
        extensions["field"] = field_name(error.field)
    if error.rule is not None:
        extensions["rule"] = error.rule
    if error.upstream is not None:
        extensions["upstreamCode"] = error.upstream
    return extensions


def message_of(error: GatewayError) -> str:
    """The message, led by the field it is about (``patch.x.y: must be ...``)."""
    if error.field is None or (error.code == ErrorCode.FORBIDDEN and not error.field.path):
        return error.message
    return f"{field_name(error.field)}: {error.message}"


class GatewayMaskErrors(MaskErrors):
    """Masks every unexpected exception and gives every error an ``extensions.code``.

    Errors the GraphQL layer produces itself (syntax, unknown field, bad
    variable) carry no original exception (or another GraphQLError, for
    variable coercion) and are about the request: ``BAD_USER_INPUT``.
    """

    def __init__(self, suggestions: bool = True) -> None:
        super().__init__(should_mask_error=lambda _: True, error_message=INTERNAL_MESSAGE)
        self._suggestions = suggestions

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        original = error.original_error
        if original is None or isinstance(original, GraphQLError):
            extensions = {"code": ErrorCode.BAD_USER_INPUT.value, **(error.extensions or {})}
            variable = variable_field(error.message)
            if variable is not None:
                extensions["field"], extensions["rule"] = variable
            message = error.message if self._suggestions else _SUGGESTION.sub("", error.message)
            return _relabel(error, message, extensions)
        safe = classify(original)
        return _relabel(error, message_of(safe), extensions_of(safe))


class QuietSchema(strawberry.Schema):
    """Logs unexpected errors with their traceback; expected ones (bad input,
    not found, upstream refusals) are routine and logged in one line."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        for error in errors:
            original = error.original_error
            if original is None or isinstance(original, GraphQLError):
                log.info("request rejected", extra=loggable(error.message))
            elif is_expected(original):
                failure = classify(original)
                log.info(
                    "request failed", extra={"code": failure.code.value, "error": failure.message}
                )
            else:
                log.error("unexpected error", exc_info=original)


def _relabel(error: GraphQLError, message: str, extensions: dict[str, Any]) -> GraphQLError:
    """The same error location with a client-safe message and extensions (no original)."""
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions=extensions,
    )
