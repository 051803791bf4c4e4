"""The ``sosim app`` command: start the web page on this machine.

    sosim app [--port 8501] [--host 127.0.0.1] [--open]

It serves :mod:`sim.app.page` with Streamlit, bound to 127.0.0.1 unless ``--host`` says
otherwise, prints the address, and runs until Ctrl-C. Streamlit is an optional
dependency (``pip install "sosim[app]"``); without it the command says so and exits 1.

Example:
    >>> import argparse
    >>> parser = argparse.ArgumentParser(prog="sosim")
    >>> register(parser.add_subparsers(dest="command"), lambda sp: None)
    >>> args = parser.parse_args(["app", "--port", "8600"])
    >>> args.host, args.port
    ('127.0.0.1', 8600)
    >>> streamlit_command(args)[-2:]
    ['--server.port', '8600']
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from collections.abc import Callable
from pathlib import Path

EXIT_OK, EXIT_FAILURE = 0, 1
MAX_UPLOAD_MB = 3
"""Streamlit's own upload limit; the loader refuses anything over 2 MiB with its message."""
INSTALL_HINT = ('sosim app needs Streamlit, an optional dependency: install it with\n'
                '    python -m pip install "sosim[app]"\n'
                '(from a checkout: python -m pip install -c constraints.txt -e ".[app]")')

__all__ = ["cmd_app", "register", "streamlit_command"]


def register(sub: argparse._SubParsersAction, scenario_args: Callable[..., None]) -> None:
    """Add ``app`` to ``sosim``'s subcommands (no scenario argument: it is picked on the page)."""
    del scenario_args
    p = sub.add_parser("app", help="start the web page: edit a scenario, run it, compare, market",
                       description="Start sosim's web page (Streamlit) on this machine and print "
                                   "its address. Ctrl-C stops it.")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to bind (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=8501, help="port (default 8501)")
    p.add_argument("--open", action="store_true", help="open the page in a browser")
    p.set_defaults(handler=cmd_app)


def page_path() -> Path:
    """The Streamlit script of the page."""
    return Path(__file__).with_name("page.py")


def streamlit_command(args: argparse.Namespace) -> list[str]:
    """The ``python -m streamlit run`` command line for ``args``."""
    return [sys.executable, "-m", "streamlit", "run", str(page_path()),
            "--server.headless", "false" if args.open else "true",
            "--browser.gatherUsageStats", "false",
            "--server.fileWatcherType", "none",
            "--server.runOnSave", "false",
            "--server.maxUploadSize", str(MAX_UPLOAD_MB),
            "--global.developmentMode", "false",
            "--client.toolbarMode", "minimal",
            "--theme.base", "light",
            "--theme.primaryColor", "#1f6feb",
            "--server.address", args.host,
            "--server.port", str(args.port)]


def cmd_app(args: argparse.Namespace) -> int:
    """Run ``sosim app``: replace this process with Streamlit serving the page."""
    if importlib.util.find_spec("streamlit") is None:
        print(f"sosim app: {INSTALL_HINT}", file=sys.stderr)
        return EXIT_FAILURE
    if not 0 < args.port < 65536:
        print(f"sosim app: --port must be 1-65535 (got {args.port})", file=sys.stderr)
        return 2
    host = f"[{args.host}]" if ":" in args.host else args.host
    print(f"sosim app: serving on http://{host}:{args.port}  (Ctrl-C to stop)", flush=True)
    env = dict(os.environ, MPLBACKEND="Agg", STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
    command = streamlit_command(args)
    sys.stderr.flush()
    os.execve(sys.executable, command, env)  # one process: Ctrl-C and kill reach Streamlit
    return EXIT_OK  # not reached
