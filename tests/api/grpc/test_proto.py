"""The committed proto is the generator's output, and its numbers survive model changes."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from botocore.loaders import Loader
from botocore.model import ListShape, MapShape, ServiceModel, Shape, StructureShape
from google.protobuf import descriptor_pb2
from grpc_tools import protoc

from gateway import model
from gateway.api.grpc import proto
from gateway.api.grpc.stubs import proto_root
from tests.api.grpc.conftest import PB

ROOT = proto_root()


def compiled(text: str, workdir: Path) -> descriptor_pb2.FileDescriptorProto:
    """protoc's own reading of a proto text (so a test can compare like buf does)."""
    source = workdir / proto.PROTO_FILE
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_text(text)
    out = workdir / "set.pb"
    include = str(Path(protoc.__file__).parent / "_proto")
    assert (
        protoc.main(
            [
                "protoc",
                f"-I{workdir}",
                f"-I{include}",
                f"--descriptor_set_out={out}",
                proto.PROTO_FILE,
            ]
        )
        == 0
    )
    files = descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes()).file
    return next(f for f in files if f.name == proto.PROTO_FILE)


def breaking_changes(
    old: descriptor_pb2.FileDescriptorProto, new: descriptor_pb2.FileDescriptorProto
) -> list[str]:
    """buf's FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED, FIELD_SAME_NAME, FIELD_SAME_TYPE,
    FIELD_SAME_LABEL and ENUM_VALUE_SAME_NUMBER rules, on messages and enums."""
    problems = []
    new_messages = {m.name: m for m in new.message_type}
    for message in old.message_type:
        after = new_messages.get(message.name)
        if after is None:
            problems.append(f"message {message.name} deleted")
            continue
        fields = {f.number: f for f in after.field}
        reserved = {n for r in after.reserved_range for n in range(r.start, r.end)}
        for field in message.field:
            moved = fields.get(field.number)
            if moved is None:
                if field.number not in reserved or field.name not in after.reserved_name:
                    problems.append(f"{message.name}.{field.name} deleted without reserving")
                continue
            for aspect in ("name", "type", "type_name", "label"):
                if getattr(moved, aspect) != getattr(field, aspect):
                    problems.append(f"{message.name}.{field.name}: {aspect} changed")
    new_enums = {e.name: {v.name: v.number for v in e.value} for e in new.enum_type}
    for enum in old.enum_type:
        for value in enum.value:
            if new_enums.get(enum.name, {}).get(value.name, value.number) != value.number:
                problems.append(f"{enum.name}.{value.name} renumbered")
    return problems


def test_the_committed_proto_and_registry_are_what_export_proto_writes() -> None:
    text, registry = proto.generate(proto.load_registry(ROOT))
    assert (ROOT / proto.PROTO_FILE).read_text() == text, "run `gateway export-proto --write`"
    assert json.loads((ROOT / proto.REGISTRY_FILE).read_text()) == registry


def test_every_user_pool_member_is_a_field_of_its_message_recursively() -> None:
    messages, _ = proto.collect()
    fields = {m.name: {f.name for f in m.fields} for m in messages}
    seen: set[str] = set()

    def walk(shape: Shape) -> None:
        if isinstance(shape, StructureShape) and shape.name not in seen:
            seen.add(shape.name)
            expected = {proto.field_name(member) for member in shape.members}
            assert expected <= fields[proto.message_name(shape)], shape.name
            for member in shape.members.values():
                walk(member)
        elif isinstance(shape, ListShape):
            walk(shape.member)
        elif isinstance(shape, MapShape):
            walk(shape.value)

    walk(model.user_pool_shape())
    walk(model.input_shape("CreateUserPool"))
    assert len(seen) > 20
    assert fields["UserPool"] >= {"id", "name", "etag", "mfa_configuration", "user_pool_tags"}
    assert "kms_key_id" in fields["LambdaConfig"]


def modified_model() -> ServiceModel:
    """The installed model with a member added in the middle of PasswordPolicyType,
    one removed, and an enum value added: what a botocore upgrade can do."""
    document: dict[str, Any] = copy.deepcopy(
        Loader().load_service_model("cognito-idp", "service-2")
    )
    members = document["shapes"]["PasswordPolicyType"]["members"]
    items = list(members.items())
    middle = len(items) // 2
    items.insert(middle, ("RequireEmoji", {"shape": "BooleanType"}))
    document["shapes"]["PasswordPolicyType"]["members"] = {
        k: v for k, v in items if k != "PasswordHistorySize"
    }
    document["shapes"]["DeletionProtectionType"]["enum"].insert(0, "PARTIAL")
    return ServiceModel(document, service_name="cognito-idp")


def test_a_model_upgrade_moves_no_number_and_reserves_what_it_dropped(tmp_path: Path) -> None:
    registry = proto.load_registry(ROOT)
    old_text, _ = proto.generate(registry)
    new_text, new_registry = proto.generate(registry, modified_model())
    old = registry["messages"]["PasswordPolicy"]["fields"]
    new = new_registry["messages"]["PasswordPolicy"]
    assert {k: v for k, v in new["fields"].items() if k in old} == {
        k: v for k, v in old.items() if k != "password_history_size"
    }
    assert new["fields"]["require_emoji"] == max(old.values()) + 1
    assert new["reserved"] == {"password_history_size": old["password_history_size"]}
    enum = new_registry["enums"]["DeletionProtectionType"]["values"]
    assert enum["PARTIAL"] == 3 and enum["ACTIVE"] == 1
    before = compiled(old_text, tmp_path / "old")
    after = compiled(new_text, tmp_path / "new")
    assert breaking_changes(before, after) == []


def test_the_breaking_change_check_catches_a_renumbering(tmp_path: Path) -> None:
    registry = copy.deepcopy(proto.load_registry(ROOT))
    old_text, _ = proto.generate(registry)
    fields = registry["messages"]["PasswordPolicy"]["fields"]
    fields["minimum_length"], fields["require_symbols"] = (
        fields["require_symbols"],
        fields["minimum_length"],
    )
    new_text, _ = proto.generate(registry)
    problems = breaking_changes(
        compiled(old_text, tmp_path / "a"), compiled(new_text, tmp_path / "b")
    )
    assert any("PasswordPolicy.minimum_length" in p for p in problems)


@pytest.mark.parametrize(
    ("path", "segments"),
    [
        ("policies.password_policy", ["policies", "password_policy"]),
        ("user_pool_tags.`cost-center`", ["user_pool_tags", "cost-center"]),
        ("user_pool_tags.`a.b`", ["user_pool_tags", "a.b"]),
        ("user_pool_tags.`x``y`", ["user_pool_tags", "x`y"]),
    ],
)
def test_mask_paths_split_with_backtick_quoting(path: str, segments: list[str]) -> None:
    from gateway.api.grpc.masks import quote, split

    assert split(path) == segments
    assert ".".join([segments[0], quote(segments[-1])]) == path


def test_the_export_answer_is_wire_identical_to_a_create_request() -> None:
    """An old client reading ExportUserPool's answer as a CreateUserPoolRequest (what it
    answered before) reads every byte and JSON name the same."""

    def fields(message: Any) -> list[tuple[Any, ...]]:
        found = []
        for f in message.DESCRIPTOR.fields:
            kind = f.message_type or f.enum_type
            repeated = f.is_repeated if hasattr(f, "is_repeated") else f.label == f.LABEL_REPEATED
            found.append((f.name, f.number, f.type, repeated, f.json_name, kind and kind.name))
        return sorted(found)

    assert fields(PB.ExportUserPoolResponse) == fields(PB.CreateUserPoolRequest)
    assert len(fields(PB.ExportUserPoolResponse)) > 20
