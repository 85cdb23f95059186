"""The local Cognito emulator (moto in server mode), made faithful where it matters.

moto's UpdateUserPool replaces the pool's whole stored configuration, which
also wipes the members that only CreateUserPool accepts (``AliasAttributes``,
``UsernameAttributes``, ``UsernameConfiguration``, ...). Real Cognito never
changes those after creation. That one difference would make every correct
patch look like it reset settings, so the emulator keeps them, exactly as
the service does. Which members are create-only comes from the model.

Run it standalone with ``python -m gateway.emulator -H 127.0.0.1 -p PORT``.
"""

from __future__ import annotations

import sys
from typing import Any

from gateway import model

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

    CognitoIdpUserPool.update_extended_config = update_extended_config  # type: ignore[method-assign]
    _patched = True


def start_in_thread(host: str = "127.0.0.1", port: int = 0) -> Any:
    """Start the emulator in this process (for ``gateway demo``); returns the server."""
    from moto.server import ThreadedMotoServer

    keep_create_only_members_on_update()
    server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
    server.start()
    return server


def main(argv: list[str] | None = None) -> None:
    from moto.server import main as moto_main

    keep_create_only_members_on_update()
    moto_main(argv if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    main()
