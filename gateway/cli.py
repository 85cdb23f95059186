"""``gateway serve | demo | check-config | migrate | export-schema | export-proto |
export-settings``."""

from __future__ import annotations

import argparse
import json
import os
import sys

from gateway.config_errors import ConfigError, load_settings, unknown_variables
from gateway.observability.metrics import build_version
from gateway.settings import FIELDS, Settings


def _checked_settings(command: str, args: argparse.Namespace) -> Settings | None:
    """The settings, checked; None after printing one line per problem to stderr."""
    for warning in unknown_variables(os.environ):
        sys.stderr.write(f"gateway {command}: warning: {warning}\n")
    given = {k: getattr(args, k, None) for k in ("host", "port", "grpc_port")}
    try:
        settings = load_settings(**{k: v for k, v in given.items() if v is not None})
        if settings.limits.allowed_operations_file:
            from gateway.api.graphql.allow_list import load_allowed

            load_allowed(settings.limits.allowed_operations_file)
    except ConfigError as error:
        sys.stderr.writelines(f"gateway {command}: {line}\n" for line in error.lines)
        return None
    except ValueError as error:
        sys.stderr.write(f"gateway {command}: {error}\n")
        return None
    return settings


def _migrated(command: str, settings: Settings) -> bool:
    """Migrate the history database first: a failure is one line naming the setting."""
    import asyncio

    from gateway.store.history import HistoryUnavailable, migrate_url

    try:
        asyncio.run(migrate_url(settings.history.history_url))
    except HistoryUnavailable as error:
        if command == "serve" and error.unreachable:  # it may be restarting: serve anyway
            sys.stderr.write(
                f"gateway {command}: warning: {error}; serving, with the history journaled "
                "until the database answers\n"
            )
            return True
        sys.stderr.write(f"gateway {command}: {error}\n")
        return False
    return True


def _migrate(args: argparse.Namespace) -> int:
    settings = _checked_settings("migrate", args)
    if settings is None or not _migrated("migrate", settings):
        return 2
    from gateway.store.history import shown_url

    sys.stdout.write(f"history schema up to date at {shown_url(settings.history.history_url)}\n")
    return 0


def _serve(args: argparse.Namespace) -> int:
    settings = _checked_settings("serve", args)
    if settings is None:
        return 2
    from gateway.api.http_protocol import busy_port

    ports = {"--port or GATEWAY_PORT": settings.serving.port}
    if settings.grpc_server.grpc:
        ports["--grpc-port or GATEWAY_GRPC_PORT"] = settings.grpc_server.grpc_port
    busy = busy_port(settings.serving.host, ports)
    if busy is not None:
        sys.stderr.write(f"gateway serve: {busy}\n")
        return 2
    if not _migrated("serve", settings):
        return 2
    from gateway.observability import logs
    from gateway.servers import run

    logs.configure(settings.telemetry.log_level, settings.telemetry.log_format)
    run(settings)
    return 0


def _check_config(args: argparse.Namespace) -> int:
    settings = _checked_settings("check-config", args)
    if settings is None:
        return 2
    sys.stdout.write(
        f"configuration OK: auth {settings.auth.auth_mode}, region {settings.cognito.region}, "
        f"redis {'on' if settings.redis.redis_url else 'off'}, "
        f"http {settings.serving.host}:{settings.serving.port}, "
        f"grpc {settings.grpc_server.grpc_port if settings.grpc_server.grpc else 'off'}\n"
    )
    return 0


def _demo(args: argparse.Namespace) -> int:
    from gateway.demo.run import run_demo

    for warning in unknown_variables(os.environ):
        sys.stderr.write(f"gateway demo: warning: {warning}\n")
    from gateway.store.history import HistoryUnavailable

    try:
        return run_demo(host=args.host, port=args.port, grpc_port=args.grpc_port)
    except ConfigError as error:
        sys.stderr.writelines(f"gateway demo: {line}\n" for line in error.lines)
        return 2
    except HistoryUnavailable as error:
        sys.stderr.write(f"gateway demo: {error}\n")
        return 2


def _export_schema(_: argparse.Namespace) -> int:
    from gateway.api.graphql.schema import build_schema

    sys.stdout.write(build_schema().as_str() + "\n")
    return 0


def _export_proto(args: argparse.Namespace) -> int:
    """Print the proto; with ``--write``, update it and its number registry in ``proto/``."""
    from pathlib import Path

    from gateway.api.grpc import proto
    from gateway.api.grpc.stubs import proto_root

    root = Path(args.root) if args.root else proto_root()
    text, registry = proto.generate(proto.load_registry(root))
    if not args.write:
        sys.stdout.write(text)
        return 0
    (root / proto.PROTO_FILE).parent.mkdir(parents=True, exist_ok=True)
    (root / proto.PROTO_FILE).write_text(text)
    (root / proto.REGISTRY_FILE).write_text(json.dumps(registry, indent=1, sort_keys=True) + "\n")
    sys.stderr.write(f"wrote {root / proto.PROTO_FILE} and {root / proto.REGISTRY_FILE}\n")
    return 0


def _export_settings(args: argparse.Namespace) -> int:
    """Print the settings tables; with ``--write``, put them into docs/configuration.md."""
    from pathlib import Path

    from gateway import settings_doc

    if not args.write:
        sys.stdout.write(settings_doc.tables() + "\n")
        return 0
    document = Path(args.document)
    changed = settings_doc.write(document)
    sys.stderr.write(f"{'updated' if changed else 'unchanged'}: {document}\n")
    return 0


DOCUMENT = "docs/configuration.md"
DESCRIPTION = (
    "Cognito user-pool gateway: read pool configuration with GraphQL or gRPC and change it "
    "with patches that never reset a setting. Settings come from GATEWAY_* environment "
    "variables; `gateway check-config` validates them."
)
EPILOG = (
    "Every option also has an environment variable (GATEWAY_HOST, GATEWAY_PORT, "
    "GATEWAY_GRPC_PORT); docs/configuration.md lists all GATEWAY_* settings."
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="gateway", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"%(prog)s {build_version()}")
    commands = parser.add_subparsers(dest="command", required=True)
    defaults = FIELDS
    for name, handler, text in (
        ("serve", _serve, "serve the gateway against AWS or GATEWAY_COGNITO_ENDPOINT_URL"),
        ("demo", _demo, "start the Cognito emulator, seed pools, serve with GraphiQL"),
    ):
        command = commands.add_parser(
            name,
            help=text,
            description=text,
            epilog=EPILOG,
        )
        command.add_argument(
            "--host",
            default=None,
            help=f"bind address (GATEWAY_HOST, default {defaults['host'].default})",
        )
        command.add_argument(
            "--port",
            type=int,
            default=None,
            help=f"HTTP port (GATEWAY_PORT, default {defaults['port'].default})",
        )
        command.add_argument(
            "--grpc-port",
            type=int,
            default=None,
            help=f"gRPC port (GATEWAY_GRPC_PORT, default {defaults['grpc_port'].default})",
        )
        command.set_defaults(handler=handler)
    check = commands.add_parser(
        "check-config", help="validate the GATEWAY_* environment and exit (2 when invalid)"
    )
    check.set_defaults(handler=_check_config)
    migrate = commands.add_parser(
        "migrate", help="create or upgrade the history database (GATEWAY_HISTORY_URL) and exit"
    )
    migrate.set_defaults(handler=_migrate)
    export = commands.add_parser("export-schema", help="print the GraphQL schema (SDL)")
    export.set_defaults(handler=_export_schema)
    export_proto = commands.add_parser(
        "export-proto", help="print the gRPC contract generated from the botocore model"
    )
    export_proto.add_argument(
        "--write", action="store_true", help="update the .proto and its field-number registry"
    )
    export_proto.add_argument("--root", default=None, help="the proto/ directory")
    export_proto.set_defaults(handler=_export_proto)
    export_settings = commands.add_parser(
        "export-settings", help="print the settings tables of docs/configuration.md"
    )
    export_settings.add_argument(
        "--write", action="store_true", help="update the tables in the document"
    )
    export_settings.add_argument("--document", default=DOCUMENT, help=f"(default {DOCUMENT})")
    export_settings.set_defaults(handler=_export_settings)
    args = parser.parse_args(argv)
    result: int = args.handler(args)
    return result


if __name__ == "__main__":
    raise SystemExit(main())
