"""QA benchmark: warm latency (p50/p95) by answer kind, cold start, embedding share,
and accuracy against a plain embedding-retrieval baseline, side by side.

    python bench/qa.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

QUESTION_SETS = [ROOT / "tests" / "data" / "qa_questions.jsonl", ROOT.parent / "shared" / "eval" / "qa-dev.jsonl"]


def load_questions() -> list[dict]:
    golds = []
    for path in QUESTION_SETS:
        if path.exists():
            golds += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return golds


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def cold_start(runs: int) -> list[float]:
    plankg = ROOT / ".venv" / "bin" / "plankg"
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([str(plankg), "ask", "市公安局牵头哪些事项", "--json"], check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT / "tests"))
    from test_qa import check

    from graph import bundled_graph
    from qa import answer, engine_for

    kg = bundled_graph()
    golds = load_questions()
    engine = engine_for(kg)
    engine.retriever._ensure_dense()  # load once so warm figures are warm

    latencies: dict[str, list[float]] = {"structured": [], "retrieval": []}
    used_model = 0
    correct = 0
    for gold in golds:
        samples = []
        result = None
        before = engine.retriever.dense_queries
        for _ in range(args.runs):
            type(engine.retriever)._query_vector.cache_clear()  # time the model, not the cache
            start = time.perf_counter()
            result = answer(gold["q"], kg)
            samples.append(time.perf_counter() - start)
        kind = "retrieval" if result.intent == "search" else "structured"
        latencies[kind].append(statistics.median(samples))
        used_model += engine.retriever.dense_queries > before
        correct += not check(gold, result)

    # Baseline: top-3 items by embeddings alone, answer = best passage text.
    retriever = engine.retriever
    baseline_correct = 0
    for gold in golds:
        scores = retriever.dense_scores(gold["q"])
        order = scores.argsort()[::-1]
        items, texts = [], []
        for index in order:
            passage = retriever.passages[index]
            if passage.item not in items:
                items.append(passage.item)
                texts.append(passage.text)
            if len(items) == 3:
                break

        class Fake:
            pass

        fake = Fake()
        fake.items = [type("Ref", (), {"no": engine.vocab.items[i].no}) for i in items]
        fake.answer = texts[0]
        baseline_correct += not check(gold, fake)

    cold = cold_start(args.runs)
    report = {
        "questions": len(golds),
        "runs_per_question": args.runs,
        "warm_ms": {kind: {"n": len(v), "p50": 1000 * percentile(v, 0.5), "p95": 1000 * percentile(v, 0.95)}
                    for kind, v in latencies.items() if v},
        "cold_start_s": {"median": statistics.median(cold), "p95": percentile(cold, 0.95)},
        "share_needing_embeddings": used_model / len(golds),
        "accuracy": {"plankg": correct / len(golds), "embedding_baseline": baseline_correct / len(golds)},
        "embedding_backend": retriever.dense_status,
    }
    (ROOT / "bench" / "results" / "qa.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(f"| QA ({len(golds)} questions, {args.runs} runs each) | p50 | p95 |")
    print("|---|---|---|")
    for kind, row in report["warm_ms"].items():
        print(f"| warm, {kind} (n={row['n']}) | {row['p50']:.1f} ms | {row['p95']:.1f} ms |")
    print(f"| cold start `plankg ask` (structured) | {report['cold_start_s']['median']:.2f} s | {report['cold_start_s']['p95']:.2f} s |")
    print(f"\nshare needing the embedding model: {report['share_needing_embeddings']:.0%} ({retriever.dense_status})")
    print(f"accuracy: plankg {report['accuracy']['plankg']:.0%} vs embeddings-only baseline "
          f"{report['accuracy']['embedding_baseline']:.0%}")


if __name__ == "__main__":
    main()
