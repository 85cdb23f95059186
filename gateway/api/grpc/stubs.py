"""The Python messages and stubs, generated from the committed proto when first needed.

``grpc.protos_and_services`` (grpcio-tools) compiles the ``.proto`` in memory:
nothing generated is committed or written to disk, so the stubs always match
the proto that ``gateway export-proto`` keeps up to date.
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path
from types import ModuleType

import grpc

from gateway.api.grpc.proto import PROTO_FILE


def proto_root() -> Path:
    """Where ``cognito_gateway/v1/user_pool.proto`` lies: inside an installed wheel,
    or at ``proto/`` in a source checkout."""
    packaged = Path(__file__).parent / "_proto"
    if (packaged / PROTO_FILE).exists():
        return packaged
    return Path(__file__).resolve().parents[3] / "proto"


@cache
def load() -> tuple[ModuleType, ModuleType]:
    """``(user_pool_pb2, user_pool_pb2_grpc)``, compiled once per process."""
    root = str(proto_root())
    if root not in sys.path:
        sys.path.append(root)  # protos_and_services looks for .proto files on sys.path
    messages, services = grpc.protos_and_services(PROTO_FILE)
    return messages, services
