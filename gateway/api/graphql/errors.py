"""Error masking: only documented codes and safe messages reach a client."""

import re
from typing import Any

from graphql.error import GraphQLError
from strawberry.extensions import MaskErrors

from gateway.errors import ErrorCode, GatewayError

# graphql-core appends "Did you mean 'x'?" to validation errors: it spells out
# the schema, so it goes when introspection is off.
_SUGGESTION = re.compile(r" Did you mean [^?]*\?")


class GatewayMaskErrors(MaskErrors):
    """Masks every unexpected exception and gives every error an ``extensions.code``.

    Errors raised by the gateway keep their message and extensions. Errors the
    GraphQL layer produces itself (syntax, unknown field, bad variable) carry
    no original exception (or another GraphQLError, for variable coercion) and
    are about the request: ``BAD_USER_INPUT``.
    Anything else becomes ``INTERNAL_ERROR`` with a fixed message; the
    traceback goes to the server log only.
    """

    def __init__(self, suggestions: bool = True) -> None:
        super().__init__(should_mask_error=self._should_mask, error_message="Internal error.")
        self._suggestions = suggestions

    @staticmethod
    def _should_mask(error: GraphQLError) -> bool:
        return True

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        original = error.original_error
        if isinstance(original, GatewayError):
            return _relabel(error, original.message, original.extensions)
        if original is None or isinstance(original, GraphQLError):
            extensions = {"code": ErrorCode.BAD_USER_INPUT.value, **(error.extensions or {})}
            message = error.message if self._suggestions else _SUGGESTION.sub("", error.message)
            return _relabel(error, message, extensions)
        masked = super().anonymise_error(error)
        masked.extensions = {"code": ErrorCode.INTERNAL_ERROR.value}
        return masked


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
