"""The local Cognito emulator (moto in server mode), made faithful where it matters.

moto's UpdateUserPool replaces the pool's whole stored configuration, which
also wipes the members that only CreateUserPool accepts (``AliasAttributes``,
``UsernameAttributes``, ``UsernameConfiguration``, ...). Real Cognito never
changes those after creation. That one difference would make every correct
patch look like it reset settings, so the emulator keeps them, exactly as
the service does. Which members are create-only comes from the model.

moto also keeps two MFA modes: DescribeUserPool shows the last one
UpdateUserPool was sent, GetUserPoolMfaConfig the last one
SetUserPoolMfaConfig set. Cognito has one; so does the emulator here.

Run it standalone with ``python -m gateway.demo.emulator -H 127.0.0.1 -p PORT [--seed]``
(the tests do; so does ``deploy/compose.yaml``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import threading
from typing import Any

from gateway import model
from gateway.cognito.clients import CognitoClients
from gateway.demo.seed import DEMO_REGION, seed_pools
from gateway.settings import Settings

_patched = False


def create_only_members() -> frozenset[str]:
    create = set(model.input_shape("CreateUserPool").members)
    update = set(model.input_shape("UpdateUserPool").members)
    return frozenset(create - update - {"PoolName", "Schema"})


def keep_create_only_members_on_update() -> None:
    """Patch moto's user pool so an update leaves create-only members alone."""
    global _patched
    if _patched:
        return
    from moto.cognitoidp.models import CognitoIdpUserPool

    create_only = create_only_members()
    original = CognitoIdpUserPool.update_extended_config

    def update_extended_config(self: Any, extended_config: dict[str, Any]) -> None:
        existing = getattr(self, "extended_config", {})
        kept = {k: v for k, v in existing.items() if k in create_only}
        original(self, extended_config)
        for key, value in kept.items():
            self.extended_config.setdefault(key, value)
        # One MFA mode: the one SetUserPoolMfaConfig and DescribeUserPool both report.
        mode = self.extended_config.pop("MfaConfiguration", None)
        if mode is not None:
            self.mfa_config = mode

    CognitoIdpUserPool.update_extended_config = update_extended_config  # type: ignore[method-assign]
    _patched = True


def answer_list_user_pool_replicas() -> None:
    """moto has no ListUserPoolReplicas; a pool it holds is never replicated."""
    from moto.cognitoidp.responses import CognitoIdpResponse
    from moto.core.responses import ActionResult

    def list_user_pool_replicas(self: Any) -> Any:
        self.backend.describe_user_pool(self._get_param("UserPoolId"))  # not found: an error
        return ActionResult({"UserPoolReplicas": []})

    CognitoIdpResponse.list_user_pool_replicas = list_user_pool_replicas  # type: ignore[attr-defined]


def use_emulator_credentials() -> None:
    """The emulator accepts any credentials; make sure some exist (never real ones)."""
    for variable, value in (
        ("AWS_ACCESS_KEY_ID", "emulator"),
        ("AWS_SECRET_ACCESS_KEY", "emulator"),
    ):
        os.environ.setdefault(variable, value)


def start_in_thread(host: str = "127.0.0.1", port: int = 0) -> Any:
    """Start the emulator in this process (for ``gateway demo``); returns the server."""
    from moto.server import ThreadedMotoServer

    keep_create_only_members_on_update()
    answer_list_user_pool_replicas()
    server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
    server.start()
    return server


def main(argv: list[str] | None = None) -> None:
    """``python -m gateway.demo.emulator [-H HOST] [-p PORT] [--seed]``: serve until killed."""
    parser = argparse.ArgumentParser(prog="python -m gateway.demo.emulator")
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=5000)
    parser.add_argument("--seed", action="store_true", help="create the demo pools")
    args = parser.parse_args(argv)
    server = start_in_thread(args.host, args.port)
    if args.seed:
        use_emulator_credentials()

        async def seed() -> list[str]:
            settings = Settings.of(
                region=DEMO_REGION, cognito_endpoint_url=f"http://127.0.0.1:{args.port}"
            )
            async with CognitoClients(settings) as clients:
                return await seed_pools(clients)

        print("seeded pools:", ", ".join(asyncio.run(seed())), flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
