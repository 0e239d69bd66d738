"""``python -m ingest COMMAND``: everything that writes data.

Commands:
  import-cbp FILE...   load CBP public drug-seizure files (nationwide or AMO), every vintage kept
  import-bts FILE      load BTS border-crossing entry data
  generate             build seeded demo seizures, shipments and referrals (needs import-cbp first)
  demo                 import the real files, generate, publish, train and score (`make run`)
  publish              build the public extract (aggregates only, disclosure-controlled)
  watch [--once]       ingest batch files dropped into $CHOKEPOINT_DATA/inbox/ (live feed)
  simulate             write realistic live batches into the inbox (demo feed)
  compact              merge small live batch files of each partition
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import duckdb

import settings
from ingest.bts import BtsFormatError, import_bts_file
from ingest.cbp import CbpFormatError, import_cbp_file
from settings import REPO_ROOT

REAL_DIR = REPO_ROOT / "data" / "real"


def vendored_cbp_files() -> list[Path]:
    return sorted(REAL_DIR.glob("cbp-*.csv.gz"))


def vendored_bts_file() -> Path:
    return REAL_DIR / "bts-border-crossing-entry-data-1996-2025feb.csv.gz"


def cmd_import_cbp(paths: list[Path]) -> int:
    status = 0
    for path in paths:
        try:
            result = import_cbp_file(path)
        except (CbpFormatError, OSError) as exc:
            print(f"refused {path}: {exc}", file=sys.stderr)
            status = 2
            continue
        years = f"FY{result.fiscal_years[0]}-FY{result.fiscal_years[-1]}"
        print(
            f"{path.name}: {result.rows_loaded:,} of {result.rows_read:,} rows loaded "
            f"({result.rows_quarantined} quarantined), {result.publication} {years}, "
            f"through {result.through:%b %Y}, vintage {result.vintage}"
        )
    return status


def cmd_import_bts(path: Path) -> int:
    try:
        result = import_bts_file(path)
    except (BtsFormatError, OSError) as exc:
        print(f"refused {path}: {exc}", file=sys.stderr)
        return 2
    print(
        f"{path.name}: {result.rows_read:,} rows read, {result.rows_quarantined} quarantined, "
        f"{result.duplicate_keys_summed} duplicate keys summed, {result.rows_loaded:,} "
        f"port-month-measure rows {result.first_month}..{result.last_month}"
    )
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    from ingest.generate import generate_demo

    report = generate_demo(
        shipments=args.shipments,
        seed=args.seed,
        progress=not args.quiet,
        seizures=args.seizures,
    )
    print(report.summary())
    return 0


def cmd_publish() -> int:
    from ingest.publish import publish

    try:
        report = publish()
    except RuntimeError as exc:
        print(f"publish refused: {exc}", file=sys.stderr)
        return 2
    print(report.summary())
    return 0


def cmd_targeting(args: argparse.Namespace) -> int:
    """Train the targeting model on the fresh lake, score every shipment with it, and compute
    the emerging threats once, so the app's first Targeting page does not wait for them."""
    from queries.gateway import Gateway
    from targeting import emerging_cache
    from targeting.pipeline import train_and_score

    try:
        print(train_and_score(seed=args.seed))
        gateway = Gateway(settings.data_dir())
        last = gateway.scalar("SELECT max(arrived_at) FROM shipments")
        answer = emerging_cache.compute(gateway, last.date())
        print(f"emerging threats as of {answer.as_of}: {answer.frame.height} signals")
    except ValueError as exc:
        print(f"targeting skipped: {exc}", file=sys.stderr)
        return 2
    except (duckdb.OutOfMemoryException, MemoryError) as exc:
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

    try:
        return watch(once=args.once, compact=not args.no_compact)
    except AlreadyWatching as exc:
        print(exc, file=sys.stderr)
        return 2


def cmd_simulate(args: argparse.Namespace) -> int:
    from ingest.live.simulate import simulate

    simulate(
        rate=args.rate,
        seconds=args.seconds,
        bad_share=args.bad_share,
        file_format=args.format,
        seed=args.seed,
    )
    return 0


def cmd_compact(args: argparse.Namespace) -> int:
    from ingest.live.compact import compact_all

    done = compact_all(min_files=args.min_files)
    for c in done:
        print(f"{c.table}/{c.partition}: {c.sources} files, {c.rows:,} rows -> {c.file}")
    if not done:
        print("nothing to compact")
    return 0


def _add_live_commands(sub) -> None:
    p = sub.add_parser("watch", help="ingest batch files dropped into the inbox")
    p.add_argument("--once", action="store_true", help="process the inbox, then exit")
    p.add_argument("--no-compact", action="store_true", help="do not compact small files")
    p = sub.add_parser("simulate", help="write realistic live batches into the inbox")
    p.add_argument("--rate", type=float, default=50.0, help="rows per second (default 50)")
    p.add_argument("--seconds", type=float, default=None, help="stop after this many seconds")
    p.add_argument("--bad-share", type=float, default=0.0, help="share of invalid rows (demo)")
    p.add_argument("--format", choices=("csv", "jsonl", "parquet", "mixed"), default="csv")
    p.add_argument("--seed", type=int, default=None, help="seed (default: from the clock)")
    p = sub.add_parser("compact", help="merge small live batch files of each partition")
    p.add_argument("--min-files", type=int, default=None, help="default: compact_min_files")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ingest", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("import-cbp", help="load CBP public drug-seizure CSV files")
    p.add_argument("files", nargs="+", type=Path)
    p = sub.add_parser("import-bts", help="load the BTS border-crossing entry data CSV")
    p.add_argument("file", type=Path)
    for name in ("generate", "demo"):
        p = sub.add_parser(name, help="build the seeded demo data")
        p.add_argument("--shipments", type=int, default=1_000_000, help="manifest lines to make")
        p.add_argument("--seed", type=int, default=settings.get("seed"))
        p.add_argument("--quiet", action="store_true", help="no progress bar")
        p.add_argument(
            "--seizures",
            type=int,
            default=None,
            help="add modelled events shaped like CBP's until about this many seizures exist",
        )
    _add_live_commands(sub)
    sub.add_parser("publish", help="build the public extract from the lake")
    args = parser.parse_args(argv)
    live = {"watch": cmd_watch, "simulate": cmd_simulate, "compact": cmd_compact}
    if args.command in live:
        return live[args.command](args)
    if args.command == "import-cbp":
        return cmd_import_cbp(args.files)
    if args.command == "import-bts":
        return cmd_import_bts(args.file)
    if args.command == "generate":
        return cmd_generate(args)
    if args.command == "publish":
        return cmd_publish()
    return cmd_demo(args)


if __name__ == "__main__":
    sys.exit(main())
