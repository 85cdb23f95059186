"""Helpers that derive queries and expectations from the schema and the model,
independently of the gateway's converters, so the two can check each other."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

from botocore.model import MapShape, Shape, StructureShape
from botocore.utils import parse_timestamp
from graphql import (
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLType,
)

from gateway import model


def _find_fixtures() -> Path:
    """``shared/`` sits beside the checkout (CI clones main next to it)."""
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "fixtures" / "real-pools"
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("shared/fixtures/real-pools not found beside the checkout")


FIXTURES = _find_fixtures()


def real_pool_files() -> list[Path]:
    files = sorted(FIXTURES.glob("*.json"))
    if not files:
        raise FileNotFoundError(f"no real-pool fixtures in {FIXTURES}")
    return files


def load_real_pool(path: Path) -> dict[str, Any]:
    pool: dict[str, Any] = json.loads(path.read_text())["UserPool"]
    return pool


def unwrap(graphql_type: GraphQLType) -> GraphQLType:
    while isinstance(graphql_type, GraphQLNonNull | GraphQLList):
        graphql_type = graphql_type.of_type
    return graphql_type


def full_selection(schema: GraphQLSchema, type_name: str) -> str:
    """A selection set with every field of ``type_name``, recursively; fields that take
    arguments (a pool's ``clients`` connection) are other resources, and left out."""
    object_type = schema.get_type(type_name)
    assert isinstance(object_type, GraphQLObjectType)
    parts = []
    for name, field in object_type.fields.items():
        if field.args:
            continue
        inner = unwrap(field.type)
        if isinstance(inner, GraphQLObjectType):
            parts.append(f"{name} {full_selection(schema, inner.name)}")
        else:
            parts.append(name)
    return "{ " + " ".join(parts) + " }"


def expected_graphql(target: Shape, value: Any) -> Any:
    """What the GraphQL answer holds for a botocore value of ``target``."""
    if value is None:
        return None
    if isinstance(target, StructureShape):
        return {
            model.graphql_name(name): expected_graphql(member, value.get(name))
            for name, member in target.members.items()
        }
    if isinstance(target, MapShape):
        return [{"key": k, "value": expected_graphql(target.value, v)} for k, v in value.items()]
    if target.type_name == "list":
        return [expected_graphql(target.member, item) for item in value]
    if target.type_name == "timestamp":
        moment = value if isinstance(value, datetime.datetime) else parse_timestamp(value)
        return moment.timestamp()
    return value


def comparable(answer: Any, target: Shape) -> Any:
    """The GraphQL answer with timestamps as epoch seconds, for comparison."""
    if answer is None:
        return None
    if isinstance(target, StructureShape):
        return {
            model.graphql_name(name): comparable(answer.get(model.graphql_name(name)), member)
            for name, member in target.members.items()
        }
    if isinstance(target, MapShape):
        return [{"key": e["key"], "value": comparable(e["value"], target.value)} for e in answer]
    if target.type_name == "list":
        return [comparable(item, target.member) for item in answer]
    if target.type_name == "timestamp":
        return datetime.datetime.fromisoformat(answer).timestamp()
    return answer


def differences(expected: Any, actual: Any, path: str = "") -> list[str]:
    """Field-by-field differences, each with its path, for readable failures."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        found = []
        for key in sorted(set(expected) | set(actual)):
            found += differences(expected.get(key), actual.get(key), f"{path}.{key}".lstrip("."))
        return found
    if isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        found = []
        for index, (e, a) in enumerate(zip(expected, actual, strict=True)):
            found += differences(e, a, f"{path}[{index}]")
        return found
    return [] if expected == actual else [f"{path}: expected {expected!r}, got {actual!r}"]
