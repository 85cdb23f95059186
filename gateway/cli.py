"""``gateway serve | demo | export-schema``."""

from __future__ import annotations

import argparse
import sys

from gateway.settings import Settings


def _serve(args: argparse.Namespace) -> int:
    from gateway.api.app import run
    from gateway.observability import logs

    overrides = {k: v for k, v in {"host": args.host, "port": args.port}.items() if v is not None}
    settings = Settings(**overrides)
    logs.configure(settings.log_level)
    try:
        settings.check_auth()
        settings.check_locks()
    except ValueError as error:
        sys.stderr.write(f"gateway serve: {error}\n")
        return 2
    run(settings)
    return 0


def _demo(args: argparse.Namespace) -> int:
    from gateway.demo.run import run_demo

    return run_demo(host=args.host, port=args.port)


def _export_schema(_: argparse.Namespace) -> int:
    from gateway.api.graphql.schema import build_schema

    sys.stdout.write(build_schema().as_str() + "\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="gateway", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for name, handler, text in (
        ("serve", _serve, "serve the gateway (settings from GATEWAY_* variables)"),
        ("demo", _demo, "start the Cognito emulator, seed pools, serve with GraphiQL"),
    ):
        command = commands.add_parser(name, help=text)
        command.add_argument("--host", default=None)
        command.add_argument("--port", type=int, default=None)
        command.set_defaults(handler=handler)
    export = commands.add_parser("export-schema", help="print the GraphQL schema (SDL)")
    export.set_defaults(handler=_export_schema)
    args = parser.parse_args(argv)
    result: int = args.handler(args)
    return result


if __name__ == "__main__":
    raise SystemExit(main())
