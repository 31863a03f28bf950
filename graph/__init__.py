"""Records → RDF + NetworkX, stores and queries."""

from .knowledge import KnowledgeGraph, bundled_graph, facts_from_rdf, load_graph
from .store import EmbeddedStore, QueryResult, SparqlError, Store

__all__ = [
    "EmbeddedStore",
    "KnowledgeGraph",
    "QueryResult",
    "SparqlError",
    "Store",
    "bundled_graph",
    "facts_from_rdf",
    "load_graph",
]
