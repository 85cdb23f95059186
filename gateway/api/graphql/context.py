"""Per-request context: who calls and the service, nothing else."""

from dataclasses import dataclass
from typing import Any

from gateway.service.access import Principal
from gateway.service.pools import PoolService


@dataclass
class GatewayContext:
    principal: Principal
    service: PoolService
    request: Any = None
    response: Any = None
