"""GraphQL output types generated from a kind's describe shape (``UserPoolType``,
``UserPoolClientType``) and every shape below it.

Every member is nullable in the output: real describe documents are partial and
old resources lack newer members, and one missing value must not blank out the
whole resource. The ids (``UserPool.id``, ``UserPoolClient.clientId``...), the
pool's ``name`` and every root's ``version`` are the exceptions the contract
makes non-null.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Mapping
from enum import Enum
from typing import Any, Optional

import strawberry
from botocore.model import MapShape, Shape, StructureShape
from botocore.utils import parse_timestamp

from gateway import model
from gateway.api.graphql.shapes import GeneratedTypes, describe, is_enum, make_class
from gateway.errors import forbidden
from gateway.service.access import ADMIN, secret_members

log = logging.getLogger(__name__)

NON_NULL_POOL_MEMBERS = {"Id": strawberry.ID, "Name": str}
NON_NULL_CLIENT_MEMBERS = {"UserPoolId": strawberry.ID, "ClientId": strawberry.ID}
Fields = dict[str, tuple[Any, Any]]
SECRET_PREFIX = "secret_"


def _secret_field(member_name: str, member: Shape, annotation: Any) -> dict[str, tuple[Any, Any]]:
    """A member only ``pools:admin`` may read: the value is kept private and its resolver
    answers null with a FORBIDDEN error to anyone else (the same error in every surface's
    vocabulary: GraphQL names the field by the error's path)."""
    stored = SECRET_PREFIX + member_name

    def resolve(self: Any, info: strawberry.Info) -> Any:
        value = getattr(self, stored, None)
        if value is not None and not info.context.principal.may(ADMIN):
            raise forbidden(f"reading this setting needs the {ADMIN} scope")
        return value

    resolve.__annotations__ = {"self": Any, "info": strawberry.Info, "return": annotation}
    return {
        stored: (strawberry.Private[Any], None),  # type: ignore[misc]
        member_name: (
            annotation,
            strawberry.field(
                resolver=resolve, name=model.graphql_name(member_name), description=describe(member)
            ),
        ),
    }


class OutputTypes(GeneratedTypes):
    """Builds the output classes once and converts botocore dicts into them."""

    def root(
        self, target: StructureShape, non_null: Mapping[str, Any], extra: Fields | None = None
    ) -> type:
        """The type of a kind's describe document: its ``non_null`` members (the ids)
        never null, a ``version``, and ``extra`` fields (a pool's clients)."""
        return self._structure(target, non_null=non_null, extra=extra or {})

    def _structure(
        self,
        target: StructureShape,
        non_null: Mapping[str, Any] | None = None,
        extra: Fields | None = None,
    ) -> type:
        name = model.type_name(target.name)
        if name in self._classes:
            return self._classes[name]
        root = non_null is not None
        fields: Fields = {}
        for member_name, member in target.members.items():
            annotation = self.annotation(member)
            if member_name in secret_members():
                fields.update(_secret_field(member_name, member, Optional[annotation]))  # noqa: UP045
                continue
            if non_null is not None and member_name in non_null:
                annotation = non_null[member_name]
                default: Any = ""
            else:
                annotation = Optional[annotation]  # noqa: UP045 - a runtime object, not syntax
                default = None
            fields[member_name] = (
                annotation,
                strawberry.field(
                    name=model.graphql_name(member_name),
                    description=describe(member),
                    default=default,
                ),
            )
        if root:
            fields["version"] = (
                str,
                strawberry.field(
                    description="Opaque hash of the writable configuration; pass it as "
                    "`ifVersion` to make an update conditional.",
                    default="",
                ),
            )
            fields.update(extra or {})
        cls = make_class(
            name,
            fields,
            description=model.plain_documentation(target.documentation),
            is_input=False,
        )
        self._classes[name] = cls
        return cls

    def _entry(self, target: MapShape) -> type:
        name = model.type_name(target.name) + "Entry"
        if name in self._classes:
            return self._classes[name]
        key = self.annotation(target.key)
        value = self.annotation(target.value)
        fields = {
            "key": (key, strawberry.field(default=None)),
            "value": (value, strawberry.field(default=None)),
        }
        cls = make_class(
            name,
            fields,
            description=f"One entry of the {model.type_name(target.name)} map.",
            is_input=False,
        )
        self._classes[name] = cls
        return cls

    # -- botocore dict -> generated objects -------------------------------------------------

    def pool(self, document: Mapping[str, Any], version: str) -> Any:
        return self.document(model.user_pool_shape(), document, version)

    def document(self, target: StructureShape, document: Mapping[str, Any], version: str) -> Any:
        """A root type's object: the describe document, with its version."""
        result = self.convert(target, document)
        result.version = version
        return result

    def convert(self, target: Shape, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(target, StructureShape):
            if not isinstance(value, Mapping):
                return None
            cls = self._structure(target)
            kwargs = {
                SECRET_PREFIX + name if name in secret_members() else name: self.convert(
                    member, value.get(name)
                )
                for name, member in target.members.items()
                if value.get(name) is not None
            }
            return cls(**kwargs)
        if isinstance(target, MapShape):
            entry = self._entry(target)
            return [
                entry(key=self.convert(target.key, k), value=self.convert(target.value, v))
                for k, v in value.items()
            ]
        if target.type_name == "list":
            return [self.convert(target.member, item) for item in value]
        if is_enum(target):
            return self._enum_value(self._enums.get(target), value)
        if target.type_name == "timestamp":
            return value if isinstance(value, datetime.datetime) else parse_timestamp(value)
        return value

    @staticmethod
    def _enum_value(enum: type[Enum], value: Any) -> Enum | None:
        try:
            return enum(value)
        except ValueError:
            log.warning(
                "enum value not in the service model",
                extra={"enum": enum.__name__, "value": str(value)},
            )
            return None
