"""Retrieval alternatives side by side on colloquial queries (item-level recall@1 / recall@5).

BM25 over jieba words (bm25s), character 1–2-gram TF-IDF with and without the
synonym table, multilingual-e5-small embeddings, and reciprocal-rank fusions,
all over the same passages of the bundled plan, in one run.

    python bench/retrieval.py
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def item_ranking(passages, scores: np.ndarray) -> list[str]:
    best: dict[str, float] = {}
    for passage, score in zip(passages, scores, strict=True):
        best[passage.item] = max(best.get(passage.item, -np.inf), float(score))
    return sorted(best, key=lambda i: -best[i])


def fuse(rankings: list[list[str]], weights: list[float], k: int) -> list[str]:
    scores: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, item in enumerate(ranking):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    return sorted(scores, key=lambda i: -scores[i])


def main() -> None:
    import bm25s
    import jieba

    from graph import bundled_graph
    from qa import engine_for
    from qa.retrieval import expand_query, strip_question_words

    engine = engine_for(bundled_graph())
    retriever = engine.retriever
    passages = retriever.passages
    queries = [json.loads(line) for line in (ROOT / "tests" / "data" / "retrieval_queries.jsonl")
               .read_text(encoding="utf-8").splitlines() if line.strip()]
    no_of = {iri: info.no for iri, info in engine.vocab.items.items()}

    jieba.setLogLevel(60)
    corpus_tokens = [jieba.lcut_for_search(p.text) for p in passages]
    bm25 = bm25s.BM25()
    bm25.index(corpus_tokens, show_progress=False)

    def bm25_scores(query: str) -> np.ndarray:
        return bm25.get_scores(jieba.lcut_for_search(query))

    def tfidf_plain(query: str) -> np.ndarray:
        return retriever.lexical_scores(strip_question_words(query))

    def tfidf_expanded(query: str) -> np.ndarray:
        return retriever.lexical_scores(expand_query(strip_question_words(query)))

    def dense(query: str) -> np.ndarray:
        return retriever.dense_scores(f"{query} {expand_query(strip_question_words(query))}")

    def dense_plain(query: str) -> np.ndarray:
        return retriever.dense_scores(query)

    single: dict[str, Callable[[str], np.ndarray]] = {
        "BM25 (jieba words)": bm25_scores,
        "char 1–2-gram TF-IDF": tfidf_plain,
        "char TF-IDF + synonyms": tfidf_expanded,
        "e5 (question only)": dense_plain,
        "e5 (question + synonyms)": dense,
    }
    rankings = {name: [item_ranking(passages, f(q["q"])) for q in queries] for name, f in single.items()}
    fusions = {
        "RRF 1:1 TF-IDF+syn, e5 (k=10)": (["char TF-IDF + synonyms", "e5 (question + synonyms)"], [1, 1], 10),
        "RRF 1:2 TF-IDF+syn, e5 (k=10)": (["char TF-IDF + synonyms", "e5 (question + synonyms)"], [1, 2], 10),
        "RRF 1:2 BM25, e5 (k=10)": (["BM25 (jieba words)", "e5 (question + synonyms)"], [1, 2], 10),
        "RRF 1:1:2 BM25, TF-IDF+syn, e5 (k=10) [plankg]": (["BM25 (jieba words)", "char TF-IDF + synonyms", "e5 (question + synonyms)"], [1, 1, 2], 10),
    }
    for name, (parts, weights, k) in fusions.items():
        rankings[name] = [fuse([rankings[p][i] for p in parts], weights, k) for i in range(len(queries))]

    rows = []
    for name, ranks in rankings.items():
        at1 = np.mean([no_of[r[0]] == q["item"] for r, q in zip(ranks, queries, strict=True)])
        at5 = np.mean([q["item"] in [no_of[i] for i in r[:5]] for r, q in zip(ranks, queries, strict=True)])
        rows.append((name, at1, at5))
    print(f"Item-level recall on {len(queries)} colloquial queries, {len(passages)} passages "
          f"({retriever.dense_status})\n")
    print("| retrieval | recall@1 | recall@5 |\n|---|---|---|")
    for name, at1, at5 in rows:
        print(f"| {name} | {at1:.2f} | {at5:.2f} |")
    (ROOT / "bench" / "results" / "retrieval.json").write_text(
        json.dumps([{"method": n, "recall@1": a, "recall@5": b} for n, a, b in rows], indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
