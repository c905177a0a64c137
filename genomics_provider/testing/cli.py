"""Command line: ``python -m genomics_provider.testing serve --port 8080 --seed demo``."""

from __future__ import annotations

import argparse
import shlex
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType
from typing import TextIO

from genomics_provider.testing.seeds import SEEDS


def build_parser() -> argparse.ArgumentParser:
    """Describe the command line.

    :return: The parser.
    """
    parser = argparse.ArgumentParser(
        prog="python -m genomics_provider.testing", description="Local One Codex + Seven Bridges API emulator."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve both APIs until SIGINT/SIGTERM")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8080, help="port to bind; 0 picks a free one (default 8080)")
    serve.add_argument("--seed", choices=SEEDS, default="demo", help="starting data (default demo)")
    serve.add_argument("--sb-files", type=int, default=0, metavar="N", help="generated Seven Bridges files")
    serve.add_argument("--oc-samples", type=int, default=0, metavar="N", help="generated One Codex samples")
    serve.add_argument("--no-rate-limit", action="store_true", help="disable both rate limiters")
    serve.add_argument("--latency-ms", type=float, default=0.0, metavar="N", help="latency added to every call")
    serve.add_argument("--onecodex-api-key", default=None, help="One Codex API key to accept")
    serve.add_argument("--sevenbridges-token", default=None, help="Seven Bridges token to accept")
    return parser


def serve(args: argparse.Namespace, out: TextIO, stop: threading.Event | None = None) -> int:
    """Run the emulator until a signal (or ``stop``) arrives.

    :param args: Parsed ``serve`` arguments.
    :param out: Where to print the URLs and connection exports.
    :param stop: Event that ends the run; a new one, set by SIGINT/SIGTERM, when ``None``.
    :return: The exit status.
    """
    from genomics_provider.testing.emulator import Emulator

    stop = stop or _signal_event()
    emu = Emulator(
        seed=args.seed,
        host=args.host,
        port=args.port,
        sb_files=args.sb_files,
        oc_samples=args.oc_samples,
        onecodex_api_key=args.onecodex_api_key,
        sevenbridges_token=args.sevenbridges_token,
        rate_limit_enabled=not args.no_rate_limit,
    )
    if args.latency_ms:
        emu.faults.latency(args.latency_ms)
    with emu:
        print(f"Genomics API emulator (seed {args.seed!r}) listening on {emu.url}", file=out)
        print(f"  One Codex:     {emu.url}/api/v1", file=out)
        print(f"  Seven Bridges: {emu.sevenbridges_url}", file=out)
        print(f"export AIRFLOW_CONN_ONECODEX_DEFAULT={shlex.quote(emu.onecodex_conn_json())}", file=out)
        print(f"export AIRFLOW_CONN_SEVENBRIDGES_DEFAULT={shlex.quote(emu.sevenbridges_conn_json())}", file=out)
        print("Press Ctrl+C to stop.", file=out, flush=True)
        stop.wait()
    print("Emulator stopped.", file=out, flush=True)
    return 0


def _signal_event() -> threading.Event:
    event = threading.Event()

    def handler(signum: int, frame: FrameType | None) -> None:
        event.set()

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)
    return event


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m genomics_provider.testing``.

    :param argv: Arguments (``sys.argv[1:]`` by default).
    :return: The exit status.
    """
    args = build_parser().parse_args(argv)
    return serve(args, sys.stdout)
