"""A fault-injecting HTTP proxy between the gateway and the Cognito emulator.

It forwards every request, counts calls per operation (read from
``X-Amz-Target``), and on demand answers chosen operations with an AWS-style
error, a delay, or a canned document (for example a real pool's
DescribeUserPool response). It runs its own event loop in a thread, so the
tests can drive it from any loop, and it is small enough to read in one go.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import ClientSession, web

from tests.support.strict_cognito import StrictCognito

AMZ_JSON = "application/x-amz-json-1.1"


@dataclass
class Fault:
    code: str
    message: str
    status: int = 400
    times: int | None = None  # None: every time
    rate: float = 1.0
    after: int = 0  # let this many calls through first
    forward: bool = False  # apply the call upstream, then answer with the error anyway


class FaultProxy:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.url = ""
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._faults: dict[str, Fault] = {}
        self._delays: dict[str, tuple[float, float]] = {}
        self._hooks: dict[str, Callable[[], Any]] = {}
        self._bodies: dict[str, list[bytes]] = {}
        self._documents: dict[str, bytes] = {}
        self._gates: dict[str, list[Any]] = {}
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None
        self._session: ClientSession | None = None
        self._random = random.Random(7)
        self._stand_in: StrictCognito | None = None
        self._sequence: list[str] = []
        self._seconds: list[float] = []  # how long each call took here, answer included

    # -- control (thread-safe) --------------------------------------------------------------

    def count(self, operation: str) -> int:
        with self._lock:
            return self._counts[operation]

    def requests(self, operation: str) -> list[dict[str, Any]]:
        """The JSON bodies of every ``operation`` call since the last reset, in order."""
        with self._lock:
            return [json.loads(body) for body in self._bodies.get(operation, [])]

    def sequence(self) -> list[str]:
        """Every operation since the last reset, in the order the proxy received them."""
        with self._lock:
            return list(self._sequence)

    def counts(self) -> Counter[str]:
        with self._lock:
            return Counter(self._counts)

    def upstream_seconds(self) -> float:
        """The time every call since the last reset spent here (in the emulator, plus
        any delay), added up: what a client's latency owes to the upstream."""
        with self._lock:
            return sum(self._seconds)

    def fail(
        self,
        operation: str,
        code: str,
        *,
        times: int | None = None,
        rate: float = 1.0,
        message: str | None = None,
        status: int = 400,
        after: int = 0,
        forward: bool = False,
    ) -> None:
        """Answer ``operation`` with an AWS error. ``forward``: the call reaches the
        emulator first (it is applied) and only its answer is replaced (a lost answer)."""
        with self._lock:
            self._faults[operation] = Fault(
                code, message or f"injected {code}", status, times, rate, after, forward
            )

    def delay(self, operation: str, seconds: float, jitter: float = 0.0) -> None:
        """Hold each call of ``operation`` for ``seconds`` plus up to ``jitter`` at random."""
        with self._lock:
            self._delays[operation] = (seconds, jitter)

    def after_call(self, operation: str, hook: Callable[[], Any]) -> None:
        """Run ``hook`` (in a thread) once, after the next ``operation`` reached the
        emulator and before its answer goes back: someone else acting in between."""
        with self._lock:
            self._hooks[operation] = hook

    def gate(self, operation: str, parties: int) -> None:
        """Hold the first ``parties`` calls of ``operation`` until all of them have arrived
        (a barrier, at most 10 s): makes concurrent writers collide deterministically."""
        with self._lock:
            self._gates[operation] = [parties, None]

    def respond(self, operation: str, document: bytes | dict[str, Any]) -> None:
        """Answer ``operation`` with this body; bytes are sent exactly as given."""
        body = document if isinstance(document, bytes) else json.dumps(document).encode()
        with self._lock:
            self._documents[operation] = body

    def stand_in(self, strict: StrictCognito | None) -> None:
        """Answer the calls on the pools ``strict`` holds from it, as the real service
        would (faults and delays still apply); other pools still reach the emulator."""
        with self._lock:
            self._stand_in = strict

    def reset(self) -> None:
        with self._lock:
            self._stand_in = None
            self._sequence.clear()
            self._counts.clear()
            self._faults.clear()
            self._delays.clear()
            self._documents.clear()
            self._gates.clear()
            self._hooks.clear()
            self._bodies.clear()
            self._seconds.clear()

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> str:
        self._thread.start()
        self.url = asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        return self.url

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    async def _start(self) -> str:
        self._session = ClientSession()
        app = web.Application(client_max_size=10 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return f"http://127.0.0.1:{port}"

    async def _stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    # -- the proxy --------------------------------------------------------------------------

    def _plan(self, operation: str) -> tuple[Fault | None, float, bytes | None]:
        with self._lock:
            self._counts[operation] += 1
            fault = self._faults.get(operation)
            if fault is not None and fault.after > 0:
                fault.after -= 1
                fault = None
            if fault is not None:
                if fault.times is not None:
                    if fault.times <= 0:
                        fault = None
                    else:
                        fault.times -= 1
                if fault is not None and self._random.random() >= fault.rate:
                    fault = None
            seconds, jitter = self._delays.get(operation, (0.0, 0.0))
            delay = seconds + self._random.random() * jitter
            return fault, delay, self._documents.get(operation)

    async def _pass_gate(self, operation: str) -> None:
        with self._lock:
            gate = self._gates.get(operation)
            if gate is None or gate[0] <= 0:
                return
            if gate[1] is None:
                gate[1] = asyncio.Event()
            gate[0] -= 1
            opened: asyncio.Event = gate[1]
            if gate[0] == 0:
                opened.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(opened.wait(), 10)

    async def _handle(self, request: web.Request) -> web.Response:
        started = time.perf_counter()
        try:
            return await self._answer(request)
        finally:
            with self._lock:
                self._seconds.append(time.perf_counter() - started)

    async def _answer(self, request: web.Request) -> web.Response:
        body = await request.read()
        operation = request.headers.get("X-Amz-Target", "").rpartition(".")[2] or "unknown"
        with self._lock:
            self._bodies.setdefault(operation, []).append(body)
            self._sequence.append(operation)
        fault, delay, document = self._plan(operation)
        await self._pass_gate(operation)
        if delay:
            await asyncio.sleep(delay)
        if fault is not None and not fault.forward:
            return _error(fault)
        if document is not None:
            return web.Response(status=200, body=document, content_type=AMZ_JSON)
        with self._lock:
            strict = self._stand_in
        answer = strict.handle(operation, json.loads(body or b"{}")) if strict else None
        if answer is not None:
            status, payload = answer
            return web.Response(
                status=status, body=json.dumps(payload).encode(), content_type=AMZ_JSON
            )
        response = await self._forward(request, body)
        with self._lock:
            hook = self._hooks.pop(operation, None)
        if hook is not None:
            await asyncio.to_thread(hook)
        return _error(fault) if fault is not None else response

    async def _forward(self, request: web.Request, body: bytes) -> web.Response:
        assert self._session is not None
        headers = {
            k: v
            for k, v in request.headers.items()
            if k.lower() not in ("host", "content-length", "transfer-encoding")
        }
        async with self._session.request(
            request.method, self.upstream + request.path_qs, data=body, headers=headers
        ) as upstream:
            content = await upstream.read()
            return web.Response(
                status=upstream.status, body=content, content_type=upstream.content_type or AMZ_JSON
            )


def _error(fault: Fault) -> web.Response:
    payload = {"__type": fault.code, "message": fault.message}
    return web.Response(
        status=fault.status, body=json.dumps(payload).encode(), content_type=AMZ_JSON
    )
