"""Resource kinds: what the engine needs to know of a Cognito resource, declared once.

A kind names its operations (describe, update, create, list) and the members that
identify one resource; everything else (its shapes, which members an update takes,
which only a describe shows, which are secret) is read off the botocore model from
those names. ``UserPool`` is the first kind, ``UserPoolClient`` the second; the
planner, the writer, the cache, the locks and the history work on a kind's keys
and shapes, so a third kind is one more declaration here and its round-trip rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from botocore.model import StructureShape

from gateway import model

KEY_SEPARATOR = "/"


@dataclass(frozen=True)
class ResourceKind:
    """``identifiers``: the request members that address one resource, outermost first
    (the pool's id first for every kind); ``described_as``: the same ids as the
    describe document names them (DescribeUserPool says ``Id``); ``collection``:
    the path segment of a child kind in keys and resource names."""

    name: str
    describe: str
    update: str
    create: str
    list: str
    identifiers: tuple[str, ...]
    described_as: tuple[str, ...]
    collection: str = ""
    # A pool's configuration joins its MFA setup, which another operation writes.
    joins_mfa_setup: bool = False
    # What a copy between two resources leaves alone unless asked: their identity.
    not_copied: tuple[str, ...] = ()

    @cached_property
    def document_shape(self) -> StructureShape:
        """The shape a describe answers with (``UserPoolClientType``)."""
        output = model.operation(self.describe).output_shape
        assert isinstance(output, StructureShape) and len(output.members) == 1
        document = next(iter(output.members.values()))
        assert isinstance(document, StructureShape)
        return document

    @cached_property
    def answer_member(self) -> str:
        """The member of the describe answer that holds the document."""
        output = model.operation(self.describe).output_shape
        return str(next(iter(output.members)))

    @cached_property
    def update_shape(self) -> StructureShape:
        return model.input_shape(self.update)

    @cached_property
    def configuration_shape(self) -> StructureShape:
        """What patches, diffs and the history walk: the update's input (for a pool,
        joined with its MFA setup)."""
        return model.configuration_shape() if self.joins_mfa_setup else self.update_shape

    @cached_property
    def writable_members(self) -> frozenset[str]:
        """What an update takes, except the ids that address the resource."""
        return frozenset(self.update_shape.members) - set(self.identifiers)

    @cached_property
    def describe_only(self) -> frozenset[str]:
        """Members a describe shows that an update refuses (secrets, dates)."""
        return (
            frozenset(self.document_shape.members)
            - self.writable_members
            - set(self.described_as)
            - set(self.identifiers)
        )

    @cached_property
    def secret_members(self) -> frozenset[str]:
        """Members the model marks sensitive, except the ids that address a resource
        (a client id is in every browser that signs in; its secret is in none)."""
        shapes = (self.document_shape, model.input_shape(self.create))
        found = {
            name
            for shape in shapes
            for name, member in shape.members.items()
            if member.metadata.get("sensitive")
        }
        return frozenset(found) - set(self.identifiers) - set(self.described_as)

    def key(self, *ids: str) -> str:
        """The one string that names a resource in locks, caches and the history:
        the pool's id, then ``/<collection>/<id>`` for a child kind."""
        assert len(ids) == len(self.identifiers)
        if len(ids) == 1:
            return ids[0]
        return KEY_SEPARATOR.join((ids[0], self.collection, *ids[1:]))

    def ids_in(self, key: str) -> tuple[str, ...]:
        """The ids a key of this kind names (the inverse of ``key``)."""
        parts = key.split(KEY_SEPARATOR)
        return (parts[0], *parts[2:]) if len(parts) > 1 else (parts[0],)

    def ids_of(self, document: dict[str, object]) -> tuple[str, ...]:
        """The ids of a described resource."""
        return tuple(str(document.get(name, "")) for name in self.described_as)

    def key_of(self, document: dict[str, object]) -> str:
        return self.key(*self.ids_of(document))

    def request_ids(self, *ids: str) -> dict[str, str]:
        """The members that address the resource in a request."""
        return dict(zip(self.identifiers, ids, strict=True))


USER_POOL = ResourceKind(
    name="UserPool",
    describe="DescribeUserPool",
    update="UpdateUserPool",
    create="CreateUserPool",
    list="ListUserPools",
    identifiers=("UserPoolId",),
    described_as=("Id",),
    joins_mfa_setup=True,
    not_copied=("PoolName", "UserPoolTags", "DeletionProtection"),
)
USER_POOL_CLIENT = ResourceKind(
    name="UserPoolClient",
    describe="DescribeUserPoolClient",
    update="UpdateUserPoolClient",
    create="CreateUserPoolClient",
    list="ListUserPoolClients",
    identifiers=("UserPoolId", "ClientId"),
    described_as=("UserPoolId", "ClientId"),
    collection="clients",
    not_copied=("ClientName",),
)
KINDS = {kind.name: kind for kind in (USER_POOL, USER_POOL_CLIENT)}


def pool_of(key: str) -> str:
    """The pool a resource key belongs to (every kind's key starts with it)."""
    return key.partition(KEY_SEPARATOR)[0]


def kind_of_key(key: str) -> ResourceKind:
    """The kind a key names, from its collection segment."""
    parts = key.split(KEY_SEPARATOR)
    if len(parts) == 1:
        return USER_POOL
    return next(k for k in KINDS.values() if k.collection == parts[1])
