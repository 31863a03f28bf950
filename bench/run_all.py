"""Run every benchmark (`make bench`): QA latency/accuracy and the scale benchmark."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

BENCHES = [["qa.py", "--runs", "5"], ["retrieval.py"], ["scale.py"]]

if __name__ == "__main__":
    status = 0
    for bench in BENCHES:
        if (HERE / bench[0]).exists():
            print(f"\n## {bench[0]}\n", flush=True)
            status |= subprocess.call([sys.executable, str(HERE / bench[0]), *bench[1:]])
    sys.exit(status)
