"""``python -m ops COMMAND``: the commands that need both ingest and targeting.

Commands:
  demo                 import the real files, generate, publish, train and score (`make run`)
  watch [--once]       ingest batch files dropped into $CHOKEPOINT_DATA/inbox/ (live feed),
                       scoring new shipments seconds after they land
  targeting            train the model, score every shipment, compute the emerging threats
"""

from __future__ import annotations

import argparse
import sys
import time

import settings
from ingest.cli import (
    add_generate_arguments,
    cmd_generate,
    cmd_import_bts,
    cmd_import_cbp,
    cmd_publish,
    vendored_bts_file,
    vendored_cbp_files,
)
from queries.errors import QueryOutOfMemory


def cmd_targeting(args: argparse.Namespace) -> int:
    """Train the targeting model on the fresh lake, score every shipment with it, and compute
    the emerging threats once, so the app's first Targeting page does not wait for them."""
    from queries import targeting as queue_queries
    from queries.gateway import Gateway
    from targeting import emerging_cache
    from targeting.pipeline import train_and_score

    try:
        print(train_and_score(seed=args.seed))
        gateway = Gateway(settings.data_dir())
        answer = emerging_cache.compute(gateway, queue_queries.as_of(gateway).date())
        print(f"emerging threats as of {answer.as_of}: {answer.frame.height} signals")
    except ValueError as exc:
        print(f"targeting skipped: {exc}", file=sys.stderr)
        return 2
    except (QueryOutOfMemory, MemoryError) as exc:
        print(f"targeting skipped, out of memory: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 2
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    if cmd_import_cbp(vendored_cbp_files()) or cmd_import_bts(vendored_bts_file()):
        return 2
    status = cmd_generate(args) or cmd_publish() or cmd_targeting(args)
    marker = settings.data_dir() / "lake" / "DEMO_BUILT"
    marker.write_text(f"built in {time.perf_counter() - started:.1f} s\n")
    print(f"demo lake ready in {time.perf_counter() - started:.1f} s")
    return status


def cmd_watch(args: argparse.Namespace) -> int:
    from ingest.live.watcher import AlreadyWatching, watch
    from targeting.scoring import score_arrivals

    try:
        return watch(once=args.once, compact=not args.no_compact, on_arrivals=score_arrivals)
    except AlreadyWatching as exc:
        print(exc, file=sys.stderr)
        return 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    add_generate_arguments(sub.add_parser("demo", help="build the demo lake, model and extract"))
    p = sub.add_parser("watch", help="ingest batch files dropped into the inbox, and score them")
    p.add_argument("--once", action="store_true", help="process the inbox, then exit")
    p.add_argument("--no-compact", action="store_true", help="do not compact small files")
    p = sub.add_parser("targeting", help="train, score and compute the emerging threats")
    p.add_argument("--seed", type=int, default=settings.get("seed"))
    args = parser.parse_args(argv)
    commands = {"demo": cmd_demo, "watch": cmd_watch, "targeting": cmd_targeting}
    return commands[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
