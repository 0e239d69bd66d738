"""Chokepoint: supply-chain intelligence for synthetic-drug interdiction.

Two separate apps, one per process:

- ``create_app()`` builds the internal analyst and leadership app (``internal_app.py``, pages
  under ``pages/``, the whole lake);
- ``create_app(public=True)`` builds the public, read-only view (the ``public`` package, its
  factory ``public/app.py``; only the disclosure-controlled extract in
  ``$CHOKEPOINT_DATA/public/``). The internal modules are imported only on the internal path, so
  internal pages and callbacks do not exist in a public process.

Nothing here touches data at import time: DuckDB opens lazily in each worker, after any fork.

    python app.py [--public] [--host H] [--port P]
    gunicorn 'public.app:server()'      # the public app under gunicorn
"""

from __future__ import annotations

import argparse

from dash import Dash

import settings


def create_app(public: bool = False) -> Dash:
    """The internal app, or with ``public=True`` the public one (never both in one process)."""
    if public:
        from public.app import create_app as create_public_app

        return create_public_app()
    from internal_app import create_internal_app

    return create_internal_app(__name__)


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve Chokepoint")
    parser.add_argument("--public", action="store_true", help="serve the public, read-only view")
    parser.add_argument("--host", default=settings.get("host"))
    parser.add_argument("--port", type=int, default=None)
    args = parser.parse_args()
    port = args.port or settings.get("public_port" if args.public else "port")
    app = create_app(public=args.public)
    options = {}
    if args.public:
        from public.http import QuietRequestHandler

        options["request_handler"] = QuietRequestHandler
    kind = "public view" if args.public else "internal app"
    print(f"Chokepoint {kind} on http://{args.host}:{port}/")
    app.run(host=args.host, port=port, debug=False, **options)


if __name__ == "__main__":
    main()
