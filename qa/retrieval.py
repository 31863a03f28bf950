"""Hybrid passage retrieval: character n-gram TF-IDF fused with dense embeddings.

Lexical scoring is always available and cheap; the embedding model is loaded
only when a question needs it. A relevance floor on the lexical side keeps
unrelated questions from returning anything.
"""

from __future__ import annotations

import functools
import logging
import os
import re
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from ontology import HERE as ONTOLOGY_DIR

from .tokens import tokenizer
from .vocabulary import Passage, Vocabulary

__all__ = ["Hit", "Retriever", "expand_query", "synonyms"]

log = logging.getLogger(__name__)

#: Question words that say what is asked, not what about; removed before matching.
_QUESTION_WORDS = re.compile(
    r"哪些|哪个|哪家|哪几个|什么|多少|几个|几项|怎么样|怎么|如何|怎样|是否|有没有|谁|吗|呢|吧|啊|呀|请问|"
    r"一下|相关|有关|的|了|是|要|在|由|和|与|及|都|也|还|请|告诉我|我想知道|查询|工作|事项|任务|单位|部门|"
    r"负责|牵头|参与|处理|解决|管|情况|问题|领域|属于|目标|指标|累计|完成|前|底|月|年"
)
LEXICAL_FLOOR = 0.16
RERANK_DEPTH = 300  # passages per lexical ranking that embeddings re-rank


@functools.cache
def synonyms() -> dict[str, str]:
    table = {}
    for line in (ONTOLOGY_DIR / "synonyms.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            word, _, expansion = line.partition("\t")
            table[word.strip()] = expansion.strip()
    return table


def expand_query(text: str) -> str:
    """The question plus the plan wording of its colloquial words.

    >>> expand_query("小区电瓶车乱充电")
    '小区电瓶车乱充电 电动自行车 违规充电'
    """
    extra = [expansion for word, expansion in synonyms().items() if word in text and expansion not in text]
    return " ".join([text, *extra])


def strip_question_words(text: str) -> str:
    return _QUESTION_WORDS.sub(" ", text)


@dataclass(frozen=True)
class Hit:
    item: str
    score: float
    passage: Passage
    lexical: float


class Retriever:
    """Retrieval over a vocabulary's passages, best item first."""

    def __init__(self, vocab: Vocabulary) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.vocab = vocab
        self.passages = vocab.passages
        self._vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), sublinear_tf=True)
        self._matrix = self._vectorizer.fit_transform([p.text for p in self.passages])
        self._segmenter = tokenizer(tuple(sorted(vocab.surfaces)))
        self._bm25 = None
        self._dense: np.ndarray | None = None
        self._embedder = None
        self.dense_status = "not loaded"
        self.dense_queries = 0

    # -------------------------------------------------------------- lexical
    def lexical_scores(self, query: str) -> np.ndarray:
        vector = self._vectorizer.transform([query])
        return (self._matrix @ vector.T).toarray().ravel()

    def bm25_scores(self, query: str) -> np.ndarray:
        """BM25 over jieba words (bm25s), the index built on first use."""
        if self._bm25 is None:
            import bm25s

            self._bm25 = bm25s.BM25()
            self._bm25.index([self._segmenter.lcut_for_search(p.text) for p in self.passages],
                             show_progress=False)
        return self._bm25.get_scores(self._segmenter.lcut_for_search(query))

    # -------------------------------------------------------------- dense
    def _ensure_dense(self) -> bool:
        if self._embedder is not None:
            return True
        if os.environ.get("PLANKG_RETRIEVAL", "hybrid") == "lexical":
            self.dense_status = "disabled (PLANKG_RETRIEVAL=lexical)"
            return False
        try:
            from .embeddings import last_fallback_reason, load_embedder

            embedder = load_embedder()
        except Exception as error:  # the model is optional: lexical retrieval still answers
            log.warning("embedding model unavailable, using lexical retrieval alone: %s", error)
            self.dense_status = f"unavailable: {error}"
            return False
        if embedder is None:
            self.dense_status = f"unavailable: {last_fallback_reason}"
            return False
        self._embedder = embedder
        self._dense = np.zeros((len(self.passages), 0), dtype=np.float32)
        self._encoded = np.zeros(len(self.passages), dtype=bool)
        self.dense_status = f"{embedder.backend}: {embedder.name}"
        return True

    def _encode(self, indices: np.ndarray) -> None:
        """Embed the passages at *indices* not embedded yet (passages are embedded on demand,
        so a graph of thousands of plans never pays for embedding all of them)."""
        todo = indices[~self._encoded[indices]]
        if len(todo) == 0:
            return
        vectors = self._embedder.encode_passages([self.passages[i].text for i in todo])
        if self._dense.shape[1] == 0:
            self._dense = np.zeros((len(self.passages), vectors.shape[1]), dtype=np.float32)
        self._dense[todo] = vectors
        self._encoded[todo] = True

    def dense_scores(self, query: str, candidates: np.ndarray | None = None) -> np.ndarray | None:
        """Cosine similarity of the query to passages (-1 outside *candidates*, when given)."""
        if not self._ensure_dense():
            return None
        indices = np.arange(len(self.passages)) if candidates is None else candidates
        self._encode(indices)
        self.dense_queries += 1
        scores = np.full(len(self.passages), -1.0)
        scores[indices] = self._dense[indices] @ self._query_vector(query)
        return scores

    @functools.lru_cache(maxsize=256)  # noqa: B019 - one retriever per graph, kept for the process
    def _query_vector(self, query: str) -> np.ndarray:
        return self._embedder.encode_queries([query])[0]

    # -------------------------------------------------------------- search
    def search(self, question: str, *, items: set[str] | None = None, dense: bool = True,
               limit: int = 5, floor: float = LEXICAL_FLOOR) -> list[Hit]:
        """Best items for *question*, each with its best passage; empty below the floor."""
        query = expand_query(strip_question_words(question)).strip()
        if not query:
            return []
        lexical = self.lexical_scores(query)
        mask = np.array([items is None or p.item in items for p in self.passages])
        lexical = np.where(mask, lexical, 0.0)
        if lexical.max(initial=0.0) < floor:
            return []
        # Reciprocal-rank fusion, weights 1 (TF-IDF) : 1 (BM25) : 2 (embeddings), k=10:
        # the best of the alternatives measured side by side in bench/retrieval.py.
        best_lexical = _best_per_item(self.passages, lexical)
        scores: dict[str, float] = {}
        _add_ranks(scores, best_lexical, 1.0)
        bm25 = np.where(mask, self.bm25_scores(question), 0.0)
        best_bm25 = _best_per_item(self.passages, bm25)
        _add_ranks(scores, best_bm25, 1.0)
        # Embeddings re-rank the lexical candidates (all passages of a small graph).
        candidates = np.union1d(_top(lexical, RERANK_DEPTH), _top(bm25, RERANK_DEPTH))
        dense_scores = self.dense_scores(f"{question} {query}", candidates) if dense else None
        best_dense = {}
        if dense_scores is not None:
            best_dense = _best_per_item(self.passages, np.where(mask, dense_scores, -1.0))
            _add_ranks(scores, best_dense, 2.0)
        hits = []
        for item in sorted(scores, key=lambda i: -scores[i])[:limit]:
            lex_score = best_lexical.get(item, (0.0, None))[0]
            index = next(best[item][1] for best in (best_dense, best_lexical, best_bm25) if item in best)
            hits.append(Hit(item, scores[item], self.passages[index], lex_score))
        return hits


def _top(scores: np.ndarray, depth: int) -> np.ndarray:
    """Indices of the *depth* best positive scores."""
    if len(scores) > depth:
        best = np.argpartition(-scores, depth)[:depth]
    else:
        best = np.arange(len(scores))
    return best[scores[best] > 0]


def _add_ranks(scores: dict[str, float], best: dict[str, tuple[float, int]], weight: float,
               k: int = 10) -> None:
    for rank, item in enumerate(sorted(best, key=lambda i: -best[i][0])):
        scores[item] = scores.get(item, 0.0) + weight / (k + rank)


def _best_per_item(passages: list[Passage], scores: np.ndarray) -> dict[str, tuple[float, int]]:
    best: dict[str, tuple[float, int]] = defaultdict(lambda: (-np.inf, -1))
    for index, (passage, score) in enumerate(zip(passages, scores, strict=True)):
        if score > best[passage.item][0]:
            best[passage.item] = (float(score), index)
    return {k: v for k, v in best.items() if v[0] > 0}
