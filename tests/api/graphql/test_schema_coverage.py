"""The schema is generated from the model: every UserPoolType member, at every
depth, is in the schema with a matching type."""

from __future__ import annotations

from botocore.model import MapShape, Shape, StructureShape
from graphql import (
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
)

from gateway import model
from gateway.api.graphql.schema import build_schema

SCALAR_NAMES = {
    "string": "String",
    "integer": "Int",
    "long": "Int",
    "boolean": "Boolean",
    "timestamp": "DateTime",
    "double": "Float",
    "float": "Float",
}


def nullable(graphql_type: GraphQLOutputType) -> GraphQLOutputType:
    return graphql_type.of_type if isinstance(graphql_type, GraphQLNonNull) else graphql_type


def check(shape: Shape, graphql_type: GraphQLOutputType, path: str, problems: list[str]) -> None:
    graphql_type = nullable(graphql_type)
    if isinstance(shape, StructureShape):
        if not isinstance(graphql_type, GraphQLObjectType):
            problems.append(f"{path}: expected an object type, got {graphql_type}")
            return
        for name, member in shape.members.items():
            field = graphql_type.fields.get(model.graphql_name(name))
            if field is None:
                problems.append(f"{path}.{name}: missing from {graphql_type.name}")
                continue
            check(member, field.type, f"{path}.{name}", problems)
    elif isinstance(shape, MapShape):
        if not isinstance(graphql_type, GraphQLList):
            problems.append(f"{path}: a map must be a list of entries, got {graphql_type}")
            return
        entry = nullable(graphql_type.of_type)
        assert isinstance(entry, GraphQLObjectType)
        check(shape.key, entry.fields["key"].type, f"{path}{{key}}", problems)
        check(shape.value, entry.fields["value"].type, f"{path}{{value}}", problems)
    elif shape.type_name == "list":
        if not isinstance(graphql_type, GraphQLList):
            problems.append(f"{path}: expected a list, got {graphql_type}")
            return
        check(shape.member, graphql_type.of_type, f"{path}[]", problems)
    elif model.limits(shape).enum:
        if not isinstance(graphql_type, GraphQLEnumType):
            problems.append(f"{path}: expected an enum, got {graphql_type}")
        elif set(graphql_type.values) != set(model.limits(shape).enum):
            problems.append(f"{path}: enum values differ from the model")
    else:
        expected = "ID" if path == "UserPool.Id" else SCALAR_NAMES[shape.type_name]
        if not isinstance(graphql_type, GraphQLScalarType) or graphql_type.name != expected:
            problems.append(f"{path}: expected {expected}, got {graphql_type}")


def test_every_user_pool_member_is_in_the_schema_with_a_matching_type() -> None:
    schema = build_schema()._schema
    user_pool = schema.get_type("UserPool")
    assert isinstance(user_pool, GraphQLObjectType)
    problems: list[str] = []
    check(model.user_pool_shape(), user_pool, "UserPool", problems)
    assert problems == []
    member_count = sum(1 for _ in model.iter_members(model.user_pool_shape()))
    assert member_count > 80  # the walk really went deep


def test_the_check_fails_for_a_missing_member() -> None:
    """The coverage check itself can fail: a member the schema lacks is reported."""
    schema = build_schema()._schema
    password_policy = schema.get_type("PasswordPolicy")
    assert isinstance(password_policy, GraphQLObjectType)
    trimmed = GraphQLObjectType(
        "PasswordPolicy", {k: v for k, v in password_policy.fields.items() if k != "minimumLength"}
    )
    problems: list[str] = []
    check(model.shape("PasswordPolicyType"), trimmed, "PasswordPolicy", problems)
    assert problems == ["PasswordPolicy.MinimumLength: missing from PasswordPolicy"]


def test_contract_fields_and_docs() -> None:
    schema = build_schema()._schema
    user_pool = schema.get_type("UserPool")
    assert isinstance(user_pool, GraphQLObjectType)
    assert str(user_pool.fields["id"].type) == "ID!"
    assert str(user_pool.fields["name"].type) == "String!"
    assert str(user_pool.fields["version"].type) == "String!"
    minimum = schema.get_type("PasswordPolicy").fields["minimumLength"]  # type: ignore[union-attr]
    assert "Range: 6 to 99." in (minimum.description or "")
    tags = schema.get_type("UserPoolTagsEntry")
    assert isinstance(tags, GraphQLObjectType)
    assert str(tags.fields["value"].type) == "String!"
    acr = schema.get_type("AcrConfigurationEntry")
    assert str(acr.fields["value"].type) == "AcrLevelConfig!"  # type: ignore[union-attr]
