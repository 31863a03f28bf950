"""Question → intent → SPARQL → answer.

>>> from graph import bundled_graph
>>> answer("市公安局牵头哪些事项", bundled_graph()).items[0].no
4
"""

from __future__ import annotations

import datetime as dt
import weakref

from .answer import Answer, ItemRef, Source

__all__ = ["Answer", "ItemRef", "Source", "answer", "engine_for"]

_ENGINES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def engine_for(kg):
    """The QA engine of a graph, built once per graph object."""
    from .engine import QAEngine

    engine = _ENGINES.get(kg)
    if engine is None:
        engine = _ENGINES[kg] = QAEngine(kg)
    return engine


def answer(question: str, graph, *, as_of: dt.date | None = None, context: Answer | None = None) -> Answer:
    """Answer a Chinese question over *graph* (a :class:`graph.KnowledgeGraph`)."""
    return engine_for(graph).answer(question, as_of=as_of, context=context)
