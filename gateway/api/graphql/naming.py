"""GraphQL's spelling of the service's field references and change paths.

The core and the service speak botocore paths (``("Policies", "PasswordPolicy",
"MinimumLength")``); GraphQL shows lowerCamel names with map keys in brackets:
``policies.passwordPolicy.minimumLength``, ``userPoolTags[env]``, and errors
name the argument too: ``patch.policies.passwordPolicy.minimumLength``.
"""

from __future__ import annotations

from botocore.model import MapShape, Shape, StructureShape

from gateway import model
from gateway.errors import Argument, Field, Path

ARGUMENTS = {
    Argument.POOL_ID: "id",
    Argument.IF_VERSION: "ifVersion",
    Argument.PAGE_SIZE: "first",
    Argument.PAGE_TOKEN: "after",
    Argument.VERSION: "version",
    Argument.LEFT: "left",
    Argument.RIGHT: "right",
    Argument.PATHS: "paths",
    Argument.CONFIRM_HIGH_RISK: "confirmHighRisk",
    Argument.UPDATE: "patch",
    Argument.CREATE: "input",
    Argument.CLIENT_ID: "clientId",
    Argument.PARENT: "poolId",
    Argument.UPDATE_CLIENT: "patch",
    Argument.CREATE_CLIENT: "input",
}
DOCUMENTS = {
    argument: argument.value
    for argument in (
        Argument.UPDATE,
        Argument.CREATE,
        Argument.UPDATE_CLIENT,
        Argument.CREATE_CLIENT,
    )
}


def change_path(path: Path, operation: str = "UpdateUserPool") -> str:
    """A change's path: ``policies.passwordPolicy.minimumLength``."""
    shape = model.document_shape(operation)
    return model.dotted(model.render_path(shape, path, model.graphql_name))


def field_name(field: Field) -> str:
    """An error's ``extensions.field``: ``patch.policies.passwordPolicy.minimumLength``."""
    name = ARGUMENTS[field.argument]
    if field.argument == Argument.PATHS and field.path:
        return f"{name}[{field.path[0]}]"
    operation = DOCUMENTS.get(field.argument)
    if operation is None or not field.path:
        return name
    rendered = change_path(field.path, operation)
    return name + (rendered if rendered.startswith("[") else f".{rendered}")


def parse_path(text: str, operation: str = "UpdateUserPool") -> Path | None:
    """``policies.passwordPolicy`` -> ``("Policies", "PasswordPolicy")``; map keys in
    brackets (``userPoolTags[env]``). None when the text names no setting."""
    shape: Shape | None = model.document_shape(operation)
    path: list[str] = []
    for segment in text.split("."):
        name, _, rest = segment.partition("[")
        if not isinstance(shape, StructureShape):
            return None
        member = next((m for m in shape.members if model.graphql_name(m) == name), None)
        if member is None:
            return None
        path.append(member)
        shape = shape.members[member]
        if rest:
            if not (isinstance(shape, MapShape) and rest.endswith("]") and len(rest) > 1):
                return None
            path.append(rest[:-1])
            shape = shape.value
    return tuple(path)
