"""Where a failed gRPC call's error points: the request field (and the offending path)
that each method's arguments are spelled as."""

from __future__ import annotations

import functools

from gateway.api.grpc import masks
from gateway.api.grpc.errors import FieldNamer
from gateway.errors import Argument, Field

ARGUMENTS = {
    Argument.IF_VERSION: "etag",
    Argument.PAGE_SIZE: "page_size",
    Argument.PAGE_TOKEN: "page_token",
}


@functools.cache  # one namer per field name, not one closure per call
def namer(pool_id_field: str) -> FieldNamer:
    def name(field: Field) -> tuple[str, str]:
        if field.argument == Argument.POOL_ID:
            return pool_id_field, ""
        return ARGUMENTS.get(field.argument, field.argument.value), ""

    return name


def update_namer(
    paths: list[str],
    document: Argument = Argument.UPDATE,
    message: str = "user_pool",
    addressed_by: FieldNamer | None = None,
) -> FieldNamer:
    """A path inside the patch is named by the mask path that covers it; anything else
    by ``addressed_by`` (default: the pool's id in ``user_pool.id``)."""
    other = addressed_by or namer("user_pool.id")

    def name(field: Field) -> tuple[str, str]:
        if field.argument != document:
            return other(field)
        rendered = masks.render(field.path, document.value)
        for index, path in enumerate(paths):
            if rendered == path or rendered.startswith(path + "."):
                return f"update_mask.paths[{index}]", rendered
        return f"{message}.{rendered}", rendered

    return name


def copy_namer(field: Field) -> tuple[str, str]:
    if field.argument == Argument.PATHS:
        index = f"[{field.path[0]}]" if field.path else ""
        return f"copy_mask.paths{index}", ""
    return namer("target_id")(field)


def create_namer(field: Field, document: Argument = Argument.CREATE) -> tuple[str, str]:
    if field.argument == document:
        rendered = masks.render(field.path, document.value)
        return rendered, rendered
    return namer("id")(field)
