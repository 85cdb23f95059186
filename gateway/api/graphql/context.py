"""Per-request context: who calls and the service, nothing else."""

from dataclasses import dataclass
from typing import Any

from gateway.service.access import Principal
from gateway.service.clients import ClientService
from gateway.service.pools import PoolService
from gateway.service.versions import VersionService


@dataclass
class GatewayContext:
    principal: Principal
    service: PoolService
    versions: VersionService
    app_clients: ClientService
    client_versions: VersionService
    request: Any = None
    response: Any = None
