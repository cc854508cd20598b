"""Wall time of the main job, ``pytest --env=local`` from the repository root (target: <= 120 s).

Every suite against the embedded reference platform, with the gates and the HTML report, exactly
as CI's main job runs it. Prints one JSON document; extra arguments go to pytest (e.g. -n 2).

    .venv/bin/python benchmarks/main_job.py [-- -n 2]
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 120.0
FINAL_LINE = re.compile(r" in \d+(\.\d+)?s\b")


def main() -> None:
    extra = [arg for arg in sys.argv[1:] if arg != "--"]
    command = [sys.executable, "-m", "pytest", "--env=local", "-q", *extra]
    started = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - started
    gates_file = ROOT / "reports" / "gates.json"
    gates = json.loads(gates_file.read_text()) if gates_file.exists() else {}
    # pytest's last line: "12 passed, 1 skipped in 73.20s (0:01:13)".
    summary = next(
        (line for line in reversed(result.stdout.splitlines()) if FINAL_LINE.search(line)), ""
    )
    print(
        json.dumps(
            {
                "benchmark": "main_job",
                "command": " ".join(["pytest", "--env=local", "-q", *extra]),
                "wall_s": round(wall, 2),
                "target_s": TARGET_S,
                "within_target": wall <= TARGET_S,
                "exit_status": result.returncode,
                "pytest_summary": summary.strip("= "),
                "gates_verdict": gates.get("verdict"),
                "tests": gates.get("tests", {}).get("all"),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
