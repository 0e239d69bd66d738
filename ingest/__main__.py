"""``python -m ingest COMMAND``: everything that writes data.

Commands:
  import-cbp FILE...   load CBP public drug-seizure files (nationwide or AMO), every vintage kept
  import-bts FILE      load BTS border-crossing entry data
  generate             build seeded demo seizures, shipments and referrals (needs import-cbp first)
  demo                 import the vendored real files, then generate: what `make run` builds
"""

from __future__ import annotations

import argparse
import sys
import time
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
    )
    print(report.summary())
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    if cmd_import_cbp(vendored_cbp_files()) or cmd_import_bts(vendored_bts_file()):
        return 2
    status = cmd_generate(args)
    marker = settings.data_dir() / "lake" / "DEMO_BUILT"
    marker.write_text(f"built in {time.perf_counter() - started:.1f} s\n")
    print(f"demo lake ready in {time.perf_counter() - started:.1f} s")
    return status


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
    args = parser.parse_args(argv)
    if args.command == "import-cbp":
        return cmd_import_cbp(args.files)
    if args.command == "import-bts":
        return cmd_import_bts(args.file)
    if args.command == "generate":
        return cmd_generate(args)
    return cmd_demo(args)


if __name__ == "__main__":
    sys.exit(main())
