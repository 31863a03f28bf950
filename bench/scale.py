"""Scale benchmark: ingest 1 → 1,000 plans and query them on each SPARQL engine, side by side.

For N = 1, 10, 100, 1000 plans (the bundled Qingdao plan plus N-1 synthetic
plans from ``bench/synth.py``) and each engine of ``bench/engines.py``
(pyoxigraph, rdflib's in-memory SPARQL, rdflib over Oxigraph via oxrdflib), a
fresh subprocess reads the plan files into a graph and reports:

- ingest throughput (items/s, median of several runs; file reading included),
- peak memory (``ru_maxrss`` of the subprocess, and what it was before ingesting),
- store size (triples),
- p50/p95 latency of fixed analyst queries (items by lead agency, milestones due
  by a date, targets by metric, agencies per domain, counts), each repeated,
- p50/p95 latency of ``qa.answer`` on fixed questions (lexical retrieval only),
  and the one-off cost of the QA engine's vocabulary.

A query run longer than ``--query-cap`` seconds is stopped and reported as
"timeout" (rdflib's engine at 1,000 plans), and a subprocess running past
``--worker-timeout`` is killed. Results print as a markdown table and are saved
to ``bench/results/scale.json``.

    python bench/scale.py              # N up to 1,000, every engine (about 10 minutes)
    python bench/scale.py --quick      # N up to 100, fewer repetitions (under 2 minutes)
    python bench/scale.py --max-n 100 --engines pyoxigraph rdflib
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, this folder comes first on sys.path, and bench/qa.py would hide the qa package.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() not in (ROOT, ROOT / "bench")]

SIZES = (1, 10, 100, 1000)
RESULTS = ROOT / "bench" / "results" / "scale.json"
CACHE = Path(os.environ.get("PLANKG_BENCH_CACHE", "/tmp/plankg-bench-plans"))

# Each query starts from its most selective pattern (a FILTER right after the pattern it
# tests, aggregates over IRIs before labels): Oxigraph mostly joins in the written order.
ANALYST_QUERIES = {
    "items by lead agency": """
        SELECT ?item ?title WHERE {
          ?agency rdfs:label "市公安局"@zh . ?item pk:leadAgency ?agency ; rdfs:label ?title }""",
    "milestones due by a date": """
        SELECT ?item ?deadline ?text WHERE {
          ?m pk:deadline ?deadline FILTER(?deadline >= "2023-06-01"^^xsd:date && ?deadline <= "2023-06-30"^^xsd:date)
          ?item pk:milestone ?m . ?m pk:text ?text }""",
    "targets by metric": """
        SELECT ?target ?value ?unit WHERE {
          ?target pk:metric ?metric FILTER(CONTAINS(?metric, "充电"))
          ?target pk:value ?value ; pk:unit ?unit }""",
    "agencies per domain": """
        SELECT ?domain (COUNT(DISTINCT ?agency) AS ?agencies) WHERE {
          ?d a pk:Domain ; rdfs:label ?domain . ?item pk:domain ?d ; pk:responsibleAgency ?agency
        } GROUP BY ?domain""",
    "counts": """
        SELECT ?class ?n WHERE {
          { SELECT ?c (COUNT(?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c }
          FILTER(STRSTARTS(STR(?c), STR(pk:))) BIND(STRAFTER(STR(?c), "#") AS ?class) }""",
}

# The same questions written in the first way that comes to mind; measured apart to show
# what the written order costs on each engine.
NAIVE_QUERIES = {
    "items by lead agency": """
        SELECT ?item ?title WHERE {
          ?item pk:leadAgency ?agency ; rdfs:label ?title . ?agency rdfs:label "市公安局"@zh }""",
    "milestones due by a date": """
        SELECT ?item ?deadline ?text WHERE {
          ?item pk:milestone ?m . ?m pk:deadline ?deadline ; pk:text ?text
          FILTER(?deadline >= "2023-06-01"^^xsd:date && ?deadline <= "2023-06-30"^^xsd:date) }""",
    "targets by metric": """
        SELECT ?target ?value ?unit WHERE {
          ?target a pk:Target ; pk:metric ?metric ; pk:value ?value ; pk:unit ?unit
          FILTER(CONTAINS(?metric, "充电")) }""",
    "agencies per domain": """
        SELECT ?domain (COUNT(DISTINCT ?agency) AS ?agencies) WHERE {
          ?item pk:domain/rdfs:label ?domain ; pk:responsibleAgency ?agency } GROUP BY ?domain""",
    "counts": """
        SELECT ?class (COUNT(?s) AS ?n) WHERE {
          ?s a ?c FILTER(STRSTARTS(STR(?c), STR(pk:))) BIND(STRAFTER(STR(?c), "#") AS ?class)
        } GROUP BY ?class""",
}

QA_QUESTIONS = (
    "市公安局牵头哪些事项",
    "城管局牵头几个事项",
    "6月底前要完成哪些任务",
    "物业管理领域的事项",
    "4月底前新增多少个电动自行车充电位",
    "机场集团参与了哪些工作",
    "事项3的牵头单位是谁",
    "共有多少个攻坚事项",
    "噪声扰民方面由哪些部门负责",
    "年底前违建累计拆除目标是多少",
)


# ---------------------------------------------------------------------- worker (one engine, one N)
class _Timeout(BaseException):  # not an Exception: engines wrap those in SparqlError
    pass


def _on_alarm(signum, frame):
    raise _Timeout


def _timed(work, cap_s: float) -> float | None:
    """Milliseconds *work* took, or None when it ran past *cap_s* (stopped by SIGALRM)."""
    signal.setitimer(signal.ITIMER_REAL, cap_s)
    start = time.perf_counter()
    try:
        work()
        return (time.perf_counter() - start) * 1000
    except _Timeout:
        return None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _latencies(runs: dict[str, object], reps: int, cap_s: float, budget_s: float) -> dict:
    """Each named callable run *reps* times (fewer past *budget_s*); p50/p95 per name and pooled."""
    per, pooled = {}, []
    for name, work in runs.items():
        samples, spent = [], 0.0
        for _ in range(reps):
            ms = _timed(work, cap_s)
            if ms is None:
                samples = None
                break
            samples.append(ms)
            spent += ms / 1000
            if spent > budget_s and len(samples) >= 2:
                break
        per[name] = "timeout" if samples is None else {**_summary(samples), "n": len(samples)}
        pooled += samples or []
    timeouts = sum(v == "timeout" for v in per.values())
    overall = "timeout" if timeouts else _summary(pooled)
    return {"overall": overall, "timeouts": timeouts, "queries": per}


def _summary(samples: list[float]) -> dict:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return {"p50_ms": round(statistics.median(ordered), 3), "p95_ms": round(p95, 3)}


def worker(engine: str, n: int, *, reps: int, cap_s: float, queries: bool) -> dict:
    os.environ.setdefault("PLANKG_RETRIEVAL", "lexical")  # embedding 100,000 passages is another benchmark
    from bench.engines import build
    from graph.knowledge import _gc_paused
    from ingest import BUNDLED_PLAN

    paths = [BUNDLED_PLAN, *sorted(CACHE.glob("*.txt"))[: n - 1]]
    assert len(paths) == n, f"{len(paths)} plan files, expected {n}"
    signal.signal(signal.SIGALRM, _on_alarm)
    before = _maxrss_mb()
    start = time.perf_counter()
    if engine == "pyoxigraph":
        kg = build(engine, paths)
    else:
        with _gc_paused():  # the same treatment plankg's own build gets
            kg = build(engine, paths)
    ingest_s = time.perf_counter() - start
    items = sum(len(p.items) for p in kg.plans)
    out = {"engine": engine, "n": n, "items": items, "triples": len(kg.store), "ingest_s": round(ingest_s, 3),
           "items_per_s": round(items / ingest_s), "rss_before_mb": round(before), "rss_ingest_mb": round(_maxrss_mb())}
    if not queries:
        return out
    store = kg.store
    out["analyst"] = _latencies({name: (lambda q=q: store.query(q)) for name, q in ANALYST_QUERIES.items()},
                                reps, cap_s, budget_s=cap_s)
    out["analyst_naive"] = _latencies({name: (lambda q=q: store.query(q)) for name, q in NAIVE_QUERIES.items()},
                                      reps, cap_s, budget_s=cap_s)
    try:
        import qa
    except ImportError:
        qa = None
    if qa is not None and hasattr(qa, "answer"):
        import datetime as dt

        today = dt.date(2023, 5, 15)

        def warm_up() -> None:  # the engine's vocabulary, jieba's dictionary, lazy indexes: once per graph
            for question in QA_QUESTIONS:
                qa.answer(question, kg, as_of=today)

        warm = _timed(warm_up, cap_s * 6)
        out["qa_warmup_s"] = "timeout" if warm is None else round(warm / 1000, 3)
        if warm is not None:
            out["qa"] = _latencies({q: (lambda q=q: qa.answer(q, kg, as_of=today)) for q in QA_QUESTIONS},
                                   reps, cap_s, budget_s=cap_s)
    out["rss_peak_mb"] = round(_maxrss_mb())
    return out


# ---------------------------------------------------------------------- driver
def _run_worker(engine: str, n: int, args, *, queries: bool) -> dict:
    command = [sys.executable, __file__, "--worker", engine, str(n), "--reps", str(args.reps),
               "--query-cap", str(args.query_cap)] + ([] if queries else ["--no-queries"])
    env = {**os.environ, "PLANKG_RETRIEVAL": "lexical", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=args.worker_timeout, env=env,
                              cwd=ROOT)
    except subprocess.TimeoutExpired:
        return {"engine": engine, "n": n, "error": f"timeout after {args.worker_timeout} s"}
    if done.returncode != 0:
        return {"engine": engine, "n": n, "error": done.stderr.strip().splitlines()[-1] if done.stderr else "failed"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(engine: str, n: int, args) -> dict:
    """Ingest runs (median throughput) and one run with the queries, for one engine and N."""
    ingest_reps = args.ingest_reps if engine != "rdflib" or n <= 100 else 1
    runs = [_run_worker(engine, n, args, queries=True)]
    if "error" in runs[0]:
        return runs[0]
    runs += [_run_worker(engine, n, args, queries=False) for _ in range(ingest_reps - 1)]
    runs = [r for r in runs if "error" not in r]
    result = dict(runs[0])
    rates = [r["items_per_s"] for r in runs]
    result["items_per_s"] = round(statistics.median(rates))
    result["items_per_s_runs"] = rates
    result["ingest_s"] = round(statistics.median(r["ingest_s"] for r in runs), 3)
    result["rss_ingest_mb"] = round(statistics.median(r["rss_ingest_mb"] for r in runs))
    return result


def _cell(block, key: str = "overall") -> str:
    if block is None:
        return "–"
    value = block[key] if isinstance(block, dict) and key in block else block
    if value == "timeout":
        return "timeout"
    return f"{value['p50_ms']:.1f} / {value['p95_ms']:.1f}"


def table(results: list[dict]) -> str:
    lines = ["| N plans | engine | items | triples | ingest items/s | RSS MB: ingest peak / with QA "
             "| analyst p50 / p95 ms | QA p50 / p95 ms | QA warm-up s |",
             "|---:|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        if "error" in r:
            lines.append(f"| {r['n']} | {r['engine']} | {r['error']} | | | | | | |")
            continue
        lines.append(
            f"| {r['n']:,} | {r['engine']} | {r['items']:,} | {r['triples']:,} | {r['items_per_s']:,} "
            f"| {r['rss_ingest_mb']:,} / {r.get('rss_peak_mb', '–')} | {_cell(r.get('analyst'))} "
            f"| {_cell(r.get('qa'))} | {r.get('qa_warmup_s', '–')} |")
    return "\n".join(lines)


def per_query_table(results: list[dict]) -> str:
    largest = max((r["n"] for r in results if "error" not in r), default=0)
    rows = [r for r in results if r.get("n") == largest and "analyst" in r]
    if not rows:
        return ""
    lines = [f"Analyst queries at N = {largest:,}, p50 / p95 ms (naive pattern order in brackets):", "",
             "| query | " + " | ".join(r["engine"] for r in rows) + " |",
             "|---|" + "---:|" * len(rows)]
    for name in ANALYST_QUERIES:
        cells = [f"{_cell(r['analyst']['queries'], name)} ({_cell(r['analyst_naive']['queries'], name)})"
                 for r in rows]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-n", type=int, default=1000, help="largest number of plans (default 1000)")
    parser.add_argument("--quick", action="store_true", help="N up to 100, fewer repetitions (CI size)")
    parser.add_argument("--engines", nargs="+", default=["pyoxigraph", "rdflib", "oxrdflib"])
    parser.add_argument("--reps", type=int, default=10, help="runs of each query (default 10)")
    parser.add_argument("--ingest-reps", type=int, default=3, help="ingest runs per engine and N (default 3)")
    parser.add_argument("--query-cap", type=float, default=10.0, help="seconds before a query counts as timeout")
    parser.add_argument("--worker-timeout", type=float, default=900.0, help="seconds before a run is killed")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--worker", nargs=2, metavar=("ENGINE", "N"), help=argparse.SUPPRESS)
    parser.add_argument("--no-queries", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        result = worker(args.worker[0], int(args.worker[1]), reps=args.reps, cap_s=args.query_cap,
                        queries=not args.no_queries)
        print(json.dumps(result, ensure_ascii=False))
        return
    if args.quick:
        args.max_n, args.reps, args.ingest_reps = min(args.max_n, 100), 5, 2
        args.query_cap, args.worker_timeout = min(args.query_cap, 2.0), min(args.worker_timeout, 60.0)
    from bench.synth import write_plans

    sizes = [n for n in SIZES if n <= args.max_n]
    write_plans(max(sizes) - 1, CACHE, seed=args.seed)
    started = time.perf_counter()
    results = []
    for n in sizes:
        for engine in args.engines:
            result = measure(engine, n, args)
            results.append(result)
            print(f"  N={n:>5} {engine:<10} {result.get('items_per_s', result.get('error'))} items/s "
                  f"({time.perf_counter() - started:.0f} s so far)", file=sys.stderr, flush=True)
    report = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "settings": {k: v for k, v in vars(args).items() if k not in ("worker", "no_queries", "output")} | {
            "output": str(args.output)},
        "analyst_queries": {k: " ".join(v.split()) for k, v in ANALYST_QUERIES.items()},
        "naive_queries": {k: " ".join(v.split()) for k, v in NAIVE_QUERIES.items()},
        "qa_questions": list(QA_QUESTIONS),
        "results": results,
        "seconds": round(time.perf_counter() - started, 1),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(table(results))
    print()
    print(per_query_table(results))
    print(f"\nSaved {args.output} ({report['seconds']} s)")


if __name__ == "__main__":
    main()
