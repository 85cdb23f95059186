"""The botocore service model of ``cognito-idp``: the single source of truth.

Everything the gateway knows about Cognito's shapes (which members exist, which
are writable, enums, ranges, required members, documentation) is read here from
the model that ships with the installed botocore, never from a hand-written list.
A new botocore release that adds a member therefore flows through the schema,
the merge and the round trip without code changes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from html.parser import HTMLParser

import botocore.session
from botocore.model import (
    ListShape,
    MapShape,
    OperationModel,
    ServiceModel,
    Shape,
    StructureShape,
)

SERVICE_NAME = "cognito-idp"
USER_POOL_SHAPE = "UserPoolType"
SUMMARY_SHAPE = "UserPoolDescriptionType"
# The MFA and passkey setup is written by its own operation, which replaces it whole.
MFA_OPERATION = "SetUserPoolMfaConfig"


@cache
def service_model() -> ServiceModel:
    """The ``cognito-idp`` model of the installed botocore (loaded once)."""
    return botocore.session.get_session().get_service_model(SERVICE_NAME)


def operation(name: str) -> OperationModel:
    return service_model().operation_model(name)


def shape(name: str) -> Shape:
    return service_model().shape_for(name)


@cache
def mfa_members() -> frozenset[str]:
    """Members of the MFA and passkey setup that only ``SetUserPoolMfaConfig`` writes
    (SMS, software-token and email MFA, WebAuthn): part of a pool's configuration,
    though DescribeUserPool never shows them and UpdateUserPool never takes them."""
    return frozenset(input_shape(MFA_OPERATION).members) - frozenset(
        input_shape("UpdateUserPool").members
    )


class JoinedStructure(StructureShape):  # type: ignore[misc]  # botocore is untyped
    """A structure with the members of a model shape and some of another's: the
    gateway's view of a pool joins what two operations read or write. Names,
    documentation and member shapes stay the model's."""

    def __init__(self, base: StructureShape, extra: Mapping[str, Shape]) -> None:
        definition = {
            "type": "structure",
            "members": {},
            "required": list(base.required_members),
            "documentation": base.documentation,
        }
        super().__init__(base.name, definition, None)
        self._joined = {**base.members, **extra}

    @property
    def members(self) -> dict[str, Shape]:
        return self._joined


def with_mfa_members(base: Shape, service: ServiceModel | None = None) -> StructureShape:
    """``base`` and the MFA-only members of ``SetUserPoolMfaConfig`` in ``service``."""
    service = service or service_model()
    assert isinstance(base, StructureShape)
    mfa = service.operation_model(MFA_OPERATION).input_shape
    update = service.operation_model("UpdateUserPool").input_shape
    assert isinstance(mfa, StructureShape) and isinstance(update, StructureShape)
    extra = {k: v for k, v in mfa.members.items() if k not in update.members}
    return JoinedStructure(base, extra)


@cache
def user_pool_shape() -> StructureShape:
    """``UserPoolType`` and the MFA-only members: the pool as the gateway shows it."""
    return with_mfa_members(shape(USER_POOL_SHAPE))


@cache
def configuration_shape() -> StructureShape:
    """A pool's whole writable configuration: ``UpdateUserPoolRequest`` and the MFA-only
    members of ``SetUserPoolMfaConfigRequest``. Patches, diffs and history use it."""
    return with_mfa_members(input_shape("UpdateUserPool"))


def input_shape(operation_name: str) -> StructureShape:
    result = operation(operation_name).input_shape
    assert isinstance(result, StructureShape)
    return result


def member_shape(parent: Shape, key: str) -> Shape:
    """The shape below ``parent`` at ``key``: a structure's member, or a map's value (any
    key). ``KeyError`` when ``parent`` has nothing below it."""
    if isinstance(parent, StructureShape):
        return parent.members[key]
    if isinstance(parent, MapShape):
        return parent.value
    raise KeyError(key)


def shape_at(root: Shape, path: Iterable[str]) -> Shape:
    """The shape a botocore path leads to; ``KeyError`` if the path leaves the model."""
    current = root
    for key in path:
        current = member_shape(current, key)
    return current


READ_PREFIXES = ("Describe", "List", "Get")


def call_kind(operation: str) -> str:
    """``read`` or ``update``: Cognito's two quota buckets (per account and Region)."""
    return "read" if operation.startswith(READ_PREFIXES) else "update"


@cache
@cache
def regions() -> frozenset[str]:
    """The Regions botocore knows cognito-idp in, in every partition (aws, aws-cn, ...);
    read once (every pool id is checked against it)."""
    session = botocore.session.get_session()
    found: set[str] = set()
    for partition in session.get_available_partitions():
        found |= set(session.get_available_regions(SERVICE_NAME, partition))
    return frozenset(found)


@cache
def create_shape() -> StructureShape:
    """``CreateUserPoolRequest`` and the MFA-only members: a new pool with its MFA and
    passkey setup (an export of any pool creates its twin)."""
    return with_mfa_members(input_shape("CreateUserPool"))


def document_shape(operation: str) -> StructureShape:
    """The shape a request document of ``operation`` is walked with: a pool's whole
    configuration for ``UpdateUserPool`` and ``CreateUserPool`` (with the MFA setup)."""
    if operation == "UpdateUserPool":
        return configuration_shape()
    if operation == "CreateUserPool":
        return create_shape()
    return input_shape(operation)


@cache
def writable_members() -> frozenset[str]:
    """Members of a pool's writable configuration, except the id that addresses the pool:
    what UpdateUserPool accepts, and the MFA-only members (see ``configuration_shape``)."""
    return frozenset(configuration_shape().members) - {"UserPoolId"}


@cache
def update_members() -> frozenset[str]:
    """Members UpdateUserPool itself accepts, except the pool's id."""
    return frozenset(input_shape("UpdateUserPool").members) - {"UserPoolId"}


@cache
@cache
def sensitive_members() -> frozenset[str]:
    """Member names the model marks ``sensitive`` anywhere in a pool, an update or a
    create request: the one walk behind what is hidden below admin and redacted in
    audits, logs and the history."""
    names: set[str] = set()
    for root in (user_pool_shape(), document_shape("UpdateUserPool"), create_shape()):
        for path, member in iter_members(root):
            if member.metadata.get("sensitive"):
                names.add(path.rsplit(".", 1)[-1].rstrip("[]{}"))
    return frozenset(names)


def summary_members() -> frozenset[str]:
    """UserPool members that ListUserPools already returns (no Describe needed)."""
    return frozenset(shape(SUMMARY_SHAPE).members) & frozenset(user_pool_shape().members)


_ACRONYM_HEAD = re.compile(r"^[A-Z]+")


@cache
def graphql_name(member: str) -> str:
    """lowerCamel with a leading acronym lowered as a whole.

    ``MfaConfiguration`` -> ``mfaConfiguration``, ``KMSKeyID`` -> ``kmsKeyID``,
    ``SMSMessage`` -> ``smsMessage``, ``ID`` -> ``id``.
    """
    head = _ACRONYM_HEAD.match(member)
    if head is None:
        return member
    run = head.group(0)
    if len(run) == len(member):
        return member.lower()
    if len(run) > 1:
        # The last capital of the run starts the next word ("KMSKey": "KMS" + "Key").
        run = run[:-1]
    return run.lower() + member[len(run) :]


def type_name(shape_name: str) -> str:
    """GraphQL type name of a botocore shape: ``PasswordPolicyType`` -> ``PasswordPolicy``."""
    if shape_name.endswith("Type") and len(shape_name) > len("Type"):
        return shape_name[: -len("Type")]
    return shape_name


@dataclass(frozen=True)
class Limits:
    """Value rules a member carries in the model."""

    minimum: int | None = None
    maximum: int | None = None
    pattern: str | None = None
    enum: tuple[str, ...] = ()


def limits(target: Shape) -> Limits:
    meta = target.metadata
    return Limits(
        minimum=meta.get("min"),
        maximum=meta.get("max"),
        pattern=meta.get("pattern"),
        enum=tuple(getattr(target, "enum", None) or ()),
    )


def required_members(target: StructureShape) -> tuple[str, ...]:
    return tuple(target.required_members)


class _TextOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_documentation(html: str | None, limit: int = 600) -> str | None:
    """The model's HTML documentation as one paragraph of plain text."""
    if not html:
        return None
    parser = _TextOnly()
    parser.feed(html)
    text = " ".join(" ".join(parser.parts).split())
    if len(text) > limit:
        cut = text.rfind(". ", 0, limit)
        text = text[: cut + 1] if cut > 0 else text[:limit].rstrip() + "..."
    return text or None


def describe_limits(target: Shape) -> str | None:
    """A short sentence with the member's range, for schema descriptions."""
    rules = limits(target)
    if target.type_name in ("integer", "long"):
        if rules.minimum is not None and rules.maximum is not None:
            return f"Range: {rules.minimum} to {rules.maximum}."
        if rules.minimum is not None:
            return f"Minimum: {rules.minimum}."
        if rules.maximum is not None:
            return f"Maximum: {rules.maximum}."
    elif target.type_name in ("string", "list", "map"):
        noun = "Length" if target.type_name == "string" else "Items"
        if rules.minimum is not None and rules.maximum is not None:
            return f"{noun}: {rules.minimum} to {rules.maximum}."
        if rules.maximum is not None:
            return f"{noun}: at most {rules.maximum}."
    return None


def iter_members(root: StructureShape, prefix: str = "") -> Iterator[tuple[str, Shape]]:
    """Every member below ``root`` as (dotted path, shape); lists use ``[]``, maps ``{}``."""
    seen: set[str] = set()

    def walk(current: Shape, path: str) -> Iterator[tuple[str, Shape]]:
        if isinstance(current, StructureShape):
            if current.name in seen:
                return
            seen.add(current.name)
            for name, member in current.members.items():
                child = f"{path}.{name}" if path else name
                yield child, member
                yield from walk(member, child)
            seen.discard(current.name)
        elif current.type_name == "list":
            yield from walk(current.member, path + "[]")
        elif current.type_name == "map":
            yield from walk(current.value, path + "{}")

    yield from walk(root, prefix)


def render_path(
    root: Shape,
    path: Iterable[str],
    member: Callable[[str], str] = str,
    key: Callable[[str], str] = lambda k: f"[{k}]",
) -> list[str]:
    """The segments of a botocore path below ``root``, each surface in its own spelling.

    Members go through ``member`` (``graphql_name``, ``xform_name``...), map keys
    through ``key``; the model tells which is which. List indexes are kept.
    """
    segments: list[str] = []
    current: Shape | None = root
    for part in path:
        if isinstance(current, MapShape):
            segments.append(key(part))
            current = current.value
        elif isinstance(current, ListShape):
            segments.append(f"[{part}]")
            current = current.member
        else:
            segments.append(member(part))
            current = current.members.get(part) if isinstance(current, StructureShape) else None
    return segments


def dotted(segments: list[str]) -> str:
    """``["policies", "passwordPolicy"]`` -> ``policies.passwordPolicy``; ``[k]`` attaches."""
    text = ""
    for segment in segments:
        text += segment if segment.startswith("[") or not text else f".{segment}"
    return text
