"""GraphQL's spelling of the service's field references and change paths.

The core and the service speak botocore paths (``("Policies", "PasswordPolicy",
"MinimumLength")``); GraphQL shows lowerCamel names with map keys in brackets:
``policies.passwordPolicy.minimumLength``, ``userPoolTags[env]``, and errors
name the argument too: ``patch.policies.passwordPolicy.minimumLength``.
"""

from __future__ import annotations

from gateway import model
from gateway.errors import Argument, Field, Path

ARGUMENTS = {
    Argument.POOL_ID: "id",
    Argument.IF_VERSION: "ifVersion",
    Argument.PAGE_SIZE: "first",
    Argument.PAGE_TOKEN: "after",
    Argument.UPDATE: "patch",
    Argument.CREATE: "input",
}
DOCUMENTS = {Argument.UPDATE: "UpdateUserPool", Argument.CREATE: "CreateUserPool"}


def change_path(path: Path, operation: str = "UpdateUserPool") -> str:
    """A change's path: ``policies.passwordPolicy.minimumLength``."""
    shape = model.input_shape(operation)
    return model.dotted(model.render_path(shape, path, model.graphql_name))


def field_name(field: Field) -> str:
    """An error's ``extensions.field``: ``patch.policies.passwordPolicy.minimumLength``."""
    name = ARGUMENTS[field.argument]
    operation = DOCUMENTS.get(field.argument)
    if operation is None or not field.path:
        return name
    rendered = change_path(field.path, operation)
    return name + (rendered if rendered.startswith("[") else f".{rendered}")
