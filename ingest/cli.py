"""``python -m ingest COMMAND``: everything that writes data and needs nothing above ingest.

Commands:
  import-cbp FILE...   load CBP public drug-seizure files (nationwide or AMO), every vintage kept
  import-bts FILE      load BTS border-crossing entry data
  generate             build seeded demo seizures, shipments and referrals (needs import-cbp first)
  publish              build the public extract (aggregates only, disclosure-controlled)
  simulate             write realistic live batches into the inbox (demo feed)
  compact              merge small live batch files of each partition

The commands that wire ingest and targeting together (the demo build, the live watcher with
scoring on arrival) are ``python -m ops``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

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


def add_generate_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--shipments", type=int, default=1_000_000, help="manifest lines to make")
    p.add_argument("--seed", type=int, default=settings.get("seed"))
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument(
        "--seizures",
        type=int,
        default=None,
        help="add modelled events shaped like CBP's until about this many seizures exist",
    )


def _add_live_commands(sub) -> None:
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
    add_generate_arguments(sub.add_parser("generate", help="build the seeded demo data"))
    _add_live_commands(sub)
    sub.add_parser("publish", help="build the public extract from the lake")
    args = parser.parse_args(argv)
    live = {"simulate": cmd_simulate, "compact": cmd_compact}
    if args.command in live:
        return live[args.command](args)
    if args.command == "import-cbp":
        return cmd_import_cbp(args.files)
    if args.command == "import-bts":
        return cmd_import_bts(args.file)
    if args.command == "generate":
        return cmd_generate(args)
    return cmd_publish()
