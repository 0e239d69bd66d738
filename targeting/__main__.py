"""``python -m targeting COMMAND``: train, evaluate and score the targeting model.

Commands:
  train                  evaluate on a time split, fit on all labelled shipments, save the model
  evaluate [--json F]    print the time-split evaluation (top 1 % and 5 %, vs random and rules)
  score                  score every shipment with the current model into the scores table
  emerging [--as-of D]   compute the emerging threats (as of the latest arrival) for the app
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date
from pathlib import Path

import settings
from targeting import emerging_cache, evaluation, pipeline, scoring


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
    p.add_argument("--nice", type=int, default=0, help="lower this process's CPU priority by N")
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
            os.nice(args.nice)
            answer = emerging_cache.compute_for(settings.data_dir(), args.as_of)
            print(f"emerging threats as of {answer.as_of}: {answer.frame.height} signals "
                  f"in {time.perf_counter() - started:.1f} s")  # fmt: skip
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
