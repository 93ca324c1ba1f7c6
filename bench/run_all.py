"""`make bench`: runs every benchmark program in bench/ and prints each one's table.

Pass --quick to run each on its small setting; a failing benchmark makes the run fail.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROGRAMS = [
    "bench_live",
    "bench_join",
    "bench_votes",
    "bench_logins",
    "bench_themes",
    "bench_minutes",
    "bench_media",
    "bench_assessment",
]


def main(argv: list[str]) -> int:
    failed = []
    for name in PROGRAMS:
        print(f"\n=== {name} ===", flush=True)
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", f"bench.{name}", *argv], cwd=HERE.parent)
        print(f"({name}: {time.perf_counter() - started:.1f} s)", flush=True)
        if done.returncode != 0:
            failed.append(name)
    if failed:
        print("failed: " + ", ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
