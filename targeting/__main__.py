"""``python -m targeting COMMAND``: train, evaluate and score the targeting model.

Commands:
  train                  evaluate on a time split, fit on all labelled shipments, save the model
  evaluate [--json F]    print the time-split evaluation (top 1 % and 5 %, vs random and rules)
  score                  score every shipment with the current model into the scores table
  emerging [--as-of D] [--json F]
                         compute the emerging threats (as of the latest arrival) for the app,
                         print them as a table, and write them as JSON for scripts
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
from datetime import date
from pathlib import Path

import settings
from targeting import emerging, emerging_cache, evaluation, pipeline, scoring


def lowest_priority() -> None:
    """Leave the CPU to every other process: SCHED_IDLE where the kernel has it (the process runs
    only on otherwise idle time, and DuckDB's threads inherit it), and nice 19 besides. On two
    cores a refresh at nice 10 still took time from the web workers' requests."""
    os.nice(19 - os.nice(0))
    if hasattr(os, "sched_setscheduler") and hasattr(os, "SCHED_IDLE"):
        with contextlib.suppress(OSError):  # not permitted here: nice 19 alone
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m targeting", description=__doc__.splitlines()[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("train", "evaluate"):
        p = sub.add_parser(name)
        p.add_argument("--seed", type=int, default=settings.get("seed"))
        if name == "evaluate":
            p.add_argument("--json", type=Path, help="also write the numbers to this JSON file")
    sub.add_parser("score")
    p = sub.add_parser("emerging")
    p.add_argument("--as-of", type=date.fromisoformat, help="YYYY-MM-DD (default: latest arrival)")
    p.add_argument("--background", action="store_true", help="run on CPU time nothing else wants")
    p.add_argument("--json", type=Path, help="also write the signals to this JSON file")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        if args.command == "train":
            trained, result = pipeline.train_lake(seed=args.seed)
            print(evaluation.table(result))
            seconds = time.perf_counter() - started
            print(
                f"\nsaved model {trained.version} ({trained.rows:,} examined shipments, "
                f"{trained.feedback_rows} from feedback) in {seconds:.1f} s"
            )
        elif args.command == "evaluate":
            result = pipeline.evaluate_lake(seed=args.seed)
            print(evaluation.table(result))
            if args.json:
                args.json.write_text(evaluation.dumps(result))
                print(f"\nwrote {args.json}")
        elif args.command == "emerging":
            if args.background:
                lowest_priority()
            answer = emerging_cache.compute_for(settings.data_dir(), args.as_of)
            print(emerging.table(answer.frame))
            beyond = int(answer.frame["emerging"].sum()) if answer.frame.height else 0
            seconds = time.perf_counter() - started
            print(
                f"\nemerging threats as of {answer.as_of}: {answer.frame.height} signals "
                f"({beyond} beyond their control limits) in {seconds:.1f} s"
            )
            if args.json:
                rows = answer.frame.drop("month", strict=False).to_dicts()
                args.json.write_text(
                    json.dumps(
                        {"as_of": answer.as_of.isoformat(), "signals": rows}, indent=1, default=str
                    )
                )
                print(f"wrote {args.json}")
        else:
            scored = scoring.score_lake()
            print(
                f"scored {scored.rows:,} shipments with {scored.version} "
                f"in {time.perf_counter() - started:.1f} s"
            )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
