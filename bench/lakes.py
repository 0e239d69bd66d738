"""The benchmark's lakes: one data folder per scale, built once with the generator and reused.

Each lake is a complete data folder (lake, public extract, trained model and scores), built by the
same ``python -m ops demo`` a user runs, in a subprocess with ``CHOKEPOINT_DATA`` pointing at
``.cache/bench/lake-<shipments>`` (git-ignored). A lake is reused when its ``DEMO_BUILT`` marker
exists, so ``make bench`` pays the build once per machine.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAKES = ROOT / ".cache" / "bench"
SEIZURES_PER_SHIPMENT = 0.05  # 20M shipments carry 1M seizures at national scale


@dataclass(frozen=True)
class Lake:
    shipments: int
    seizures: int | None  # None: the generator's own count (the published CBP cells)

    @property
    def data_dir(self) -> Path:
        return LAKES / f"lake-{self.shipments}"

    @property
    def built(self) -> bool:
        return (self.data_dir / "lake" / "DEMO_BUILT").is_file()

    @property
    def label(self) -> str:
        return f"{self.shipments / 1e6:g}M"


def lake_for(shipments: int) -> Lake:
    """A lake of ``shipments`` manifest lines; seizures grow with it once the published CBP
    events (about half a million) are fewer than one per twenty shipments."""
    target = int(shipments * SEIZURES_PER_SHIPMENT)
    return Lake(shipments, target if target > 600_000 else None)


def ensure(lake: Lake) -> float:
    """Build ``lake`` unless it exists; returns the build's seconds (0.0 when reused)."""
    if lake.built:
        return 0.0
    started = time.perf_counter()
    cmd = [sys.executable, "-m", "ops", "demo", "--shipments", str(lake.shipments), "--quiet"]
    if lake.seizures:
        cmd += ["--seizures", str(lake.seizures)]
    env = {**os.environ, "CHOKEPOINT_DATA": str(lake.data_dir)}
    print(f"building the {lake.label}-shipment lake in {lake.data_dir.relative_to(ROOT)}")
    status = subprocess.run(cmd, env=env, cwd=ROOT, check=False).returncode
    if not lake.built:
        raise RuntimeError(f"building the {lake.label} lake failed (exit status {status})")
    if status:  # built, but a step after generation (the targeting model) was skipped
        print(f"the {lake.label} lake was built without every step (exit status {status})")
    return time.perf_counter() - started
