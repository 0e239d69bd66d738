"""Chokepoint: supply-chain intelligence for synthetic-drug interdiction.

Two separate apps, one per process:

- ``create_app()`` builds the internal analyst and leadership app (``internal_app.py``, pages
  under ``pages/``, the whole lake);
- ``create_app(public=True)`` builds the public, read-only view (the ``public`` package, its
  factory ``public/app.py``; only the disclosure-controlled extract in
  ``$CHOKEPOINT_DATA/public/``). The internal modules are imported only on the internal path, so
  internal pages and callbacks do not exist in a public process.

Nothing here touches data at import time: DuckDB opens lazily in each worker, after any fork.

    python app.py [--public] [--host H] [--port P]    # under gunicorn (``make run``)
    python app.py --debug                              # Flask's development server
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from dash import Dash

import settings

ROOT = Path(__file__).resolve().parent


def create_app(public: bool = False) -> Dash:
    """The internal app, or with ``public=True`` the public one (never both in one process)."""
    if public:
        from public.app import create_app as create_public_app

        return create_public_app()
    from internal_app import create_internal_app

    return create_internal_app(__name__)


def gunicorn_command(
    public: bool, host: str, port: int, workers: int, threads: int, log_level: str = "info"
) -> list[str]:
    """The gunicorn command that serves one app: threaded workers (gthread), each building its
    own app after the fork (no ``--preload``: DuckDB is not fork-safe), keep-alive long enough
    that a browser's connection stays on its worker between clicks."""
    target = "public.app:server()" if public else "app:internal_server()"
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--worker-class",
        "gthread",
        "--keep-alive",
        "30",
        "--timeout",
        "120",
        "--chdir",
        str(ROOT),
        "--log-level",
        log_level,
        target,
    ]


def internal_server():
    """The internal app's WSGI server, for gunicorn: built in each worker after the fork."""
    return create_app().server


def first_admin_notice() -> str | None:
    """On a fresh data folder with no accounts: create ``admin`` and say its password once."""
    from accounts import service

    password = service.ensure_first_admin(settings.data_dir())
    if password is None:
        return None
    return (
        "\n  No accounts yet: created user 'admin' (role admin).\n"
        f"  Password (shown once, change it with `python -m accounts reset-password admin`):"
        f"\n\n      {password}\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve Chokepoint")
    parser.add_argument("--public", action="store_true", help="serve the public, read-only view")
    parser.add_argument("--host", default=settings.get("host"))
    parser.add_argument("--port", type=int, default=None)
    parser.add_argument(
        "--debug", action="store_true", help="Flask's development server, one process (not for use)"
    )
    args = parser.parse_args()
    port = args.port or settings.get("public_port" if args.public else "port")
    kind = "public view" if args.public else "internal app"
    if not args.public:
        notice = first_admin_notice()
        if notice:
            print(notice, flush=True)
    if not args.debug:
        workers, threads = settings.get("server_workers"), settings.get("server_threads")
        print(f"Chokepoint {kind} on http://{args.host}:{port}/ (gunicorn)", flush=True)
        command = gunicorn_command(args.public, args.host, port, workers, threads)
        os.execv(command[0], command)
    app = create_app(public=args.public)
    options = {}
    if args.public:
        from public.http import QuietRequestHandler

        options["request_handler"] = QuietRequestHandler
    print(f"Chokepoint {kind} on http://{args.host}:{port}/ (development server)")
    # Without Dash's dev tools: they add an error handler, which Flask accepts only before the
    # first request, and the app has answered its own set-up request while it was built.
    app.run(host=args.host, port=port, debug=False, **options)


if __name__ == "__main__":
    main()
