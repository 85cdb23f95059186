"""What both surfaces share in front of the service, built once per process: the
metrics, the admission (with its rate limiter), the parsed GraphQL documents and the
requests' deadlines."""

from __future__ import annotations

from dataclasses import dataclass

from gateway.api.admission import Admission
from gateway.api.auth.credentials import make_authenticator
from gateway.api.deadlines import Deadlines
from gateway.api.documents import Documents
from gateway.core.clock import MONOTONIC, Clock
from gateway.observability.metrics import Metrics
from gateway.service.limits import ClientLimiter
from gateway.settings import Settings


@dataclass(frozen=True)
class Edge:
    metrics: Metrics
    admission: Admission
    limiter: ClientLimiter
    documents: Documents
    deadlines: Deadlines
    clock: Clock


def edge_for(settings: Settings, clock: Clock = MONOTONIC) -> Edge:
    # One budget per client, whichever surface it calls; without authentication (a
    # loopback developer setup) there are no clients to tell apart.
    rate = settings.limits.client_requests_per_second if settings.auth.auth_mode != "none" else 0
    size = settings.limits.client_table_size
    limiter = ClientLimiter(
        rate, settings.limits.client_burst, clients=size, anonymous=size, clock=clock
    )
    return Edge(
        metrics=Metrics(),
        admission=Admission(make_authenticator(settings.auth), limiter),
        limiter=limiter,
        documents=Documents(settings.limits.max_tokens),  # every GraphQL document parsed once
        deadlines=Deadlines(settings.serving.request_timeout_seconds),
        clock=clock,
    )
