"""``python -m counter_api``: serve, plus subcommands other parts register.

``python -m counter_api --config FILE [--host H] [--port P]`` serves;
``python -m counter_api COMMAND --config FILE ...`` runs a subcommand from
``COMMANDS`` (reports, backups and the procedure catalogue add theirs).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence

from sothutu.config import Config, load_or_exit

#: name → (help, add_arguments(parser), run(config, args) -> exit status)
COMMANDS: dict[
    str,
    tuple[
        str, Callable[[argparse.ArgumentParser], None], Callable[[Config, argparse.Namespace], int]
    ],
] = {}


def command(name: str, help: str, add_arguments: Callable[[argparse.ArgumentParser], None]):
    """Register a subcommand: ``@command("backup", "...", add_args) def run(config, args)``."""

    def register(fn: Callable[[Config, argparse.Namespace], int]) -> Callable:
        COMMANDS[name] = (help, add_arguments, fn)
        return fn

    return register


def _load_commands() -> None:
    """Import the modules that register subcommands (kept lazy: no Flask at import)."""
    import importlib

    for module in (
        "counter_api.reports.cli",
        "counter_api.backup_cli",
        "counter_api.procedures.cli",
    ):
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name is None or not module.startswith(exc.name):
                raise


def setup_logging(level: str = "INFO") -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    _load_commands()
    if argv and argv[0] in COMMANDS:
        name = argv.pop(0)
        help_text, add_arguments, run = COMMANDS[name]
        parser = argparse.ArgumentParser(
            prog=f"python -m counter_api {name}", description=help_text
        )
        parser.add_argument("--config", required=True, help="the centre's config.toml")
        add_arguments(parser)
        args = parser.parse_args(argv)
        setup_logging("WARNING")
        return run(load_or_exit(args.config, "counter_api"), args)

    parser = argparse.ArgumentParser(
        prog="python -m counter_api",
        description="Sothutu queue server. Subcommands: " + (", ".join(sorted(COMMANDS)) or "none"),
    )
    parser.add_argument("--config", required=True, help="the centre's config.toml")
    parser.add_argument("--host", help="listen address (overrides [server] host)")
    parser.add_argument("--port", type=int, help="TCP port (overrides [server] port)")
    parser.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING or ERROR")
    args = parser.parse_args(argv)
    setup_logging(args.log_level)
    config = load_or_exit(args.config, "counter_api")
    if args.port is not None and not 0 <= args.port <= 65535:
        parser.error("--port must be between 0 and 65535")
    if args.host and args.host not in ("127.0.0.1", "localhost", "::1") and config.server.demo:
        print(
            "counter_api: config error: server.demo = true only serves 127.0.0.1; "
            f"--host {args.host} needs real keys and demo = false",
            file=sys.stderr,
        )
        return 2
    from counter_api.server import serve

    return serve(config, args.host, args.port)
