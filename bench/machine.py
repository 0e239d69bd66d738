"""What a benchmark ran on, written into every result file: times only compare on one machine."""

from __future__ import annotations

import os
import platform


def machine() -> dict:
    memory_gib = None
    try:
        with open("/proc/meminfo") as meminfo:
            kib = int(meminfo.readline().split()[1])
        memory_gib = round(kib / 1024**2, 1)
    except (OSError, ValueError, IndexError):
        pass
    return {
        "cpus": os.cpu_count(),
        "memory_gib": memory_gib,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
