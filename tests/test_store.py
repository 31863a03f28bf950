"""The embedded store: persistence, bulk loading, and QueryResult values."""

from __future__ import annotations

import datetime as dt
import gc
import os
import shutil

import pyoxigraph as ox
import pytest

from graph import EmbeddedStore, KnowledgeGraph, SparqlError
from graph.facts import plans_facts
from graph.knowledge import StoreGraph, persistent_graph
from graph.rdf import to_ntriples, to_oxigraph_quads
from graph.store import QueryResult, SparqlSyntaxError, python_value
from ingest import BUNDLED_PLAN, read_plan

XSD = "http://www.w3.org/2001/XMLSchema#"
ITEMS = "SELECT (COUNT(?i) AS ?n) WHERE { ?i a pk:Item }"


def test_persistent_store_round_trip(tmp_path, kg):
    store = EmbeddedStore(tmp_path / "db")
    store.load(kg.store.dump(), format="application/n-triples")
    assert len(store) == len(kg.store)
    del store
    gc.collect()  # releases the folder's lock
    reopened = EmbeddedStore(tmp_path / "db")
    assert len(reopened) == len(kg.store)
    assert reopened.query(ITEMS).rows == ((11,),)


def test_a_store_folder_opens_once(tmp_path):
    first = EmbeddedStore(tmp_path)
    with pytest.raises(OSError, match=r"cannot open the store at .* \(another process, e\.g\. a running "
                                      r"`plankg endpoint`, has it open\)"):
        EmbeddedStore(tmp_path)
    del first


def test_persistent_graph_is_built_once(tmp_path):
    plan = tmp_path / "2023_qingdao_minsheng_plan.txt"
    shutil.copy(BUNDLED_PLAN, plan)
    built = persistent_graph(tmp_path / "kg", [plan])
    assert not isinstance(built, StoreGraph) and len(built.plans) == 1
    triples = len(built.store)
    del built
    gc.collect()
    reopened = persistent_graph(tmp_path / "kg", [plan])
    assert isinstance(reopened, StoreGraph) and reopened.plans == []
    assert len(reopened.store) == triples and reopened.store.query(ITEMS).rows == ((11,),)
    del reopened
    gc.collect()
    os.utime(plan, ns=(1, 1))  # the plan file changed: build again
    rebuilt = persistent_graph(tmp_path / "kg", [plan])
    assert not isinstance(rebuilt, StoreGraph) and len(rebuilt.store) == triples


def test_ntriples_equal_the_quads(kg):
    assert set(ox.parse(to_ntriples(kg.facts), ox.RdfFormat.N_TRIPLES)) == set(to_oxigraph_quads(kg.facts))


def test_streamed_build_equals_one_batch(tmp_path):
    """40 plans go through the store in batches; the facts equal plans_facts of all of them."""
    paths = []
    for n in range(40):
        paths.append(tmp_path / f"2023_plan_{n:02d}.txt")
        shutil.copy(BUNDLED_PLAN, paths[-1])
    plans = [read_plan(p).plan for p in paths]
    kg = KnowledgeGraph.from_plans(plans)
    whole = plans_facts(plans)
    assert list(kg.facts.nodes.items()) == list(whole.nodes.items()) and kg.facts.edges == whole.edges
    one_batch = ox.Store()
    one_batch.extend(to_oxigraph_quads(whole))
    assert set(kg.store.oxigraph) == set(one_batch)
    assert kg.store.query(ITEMS).rows == ((440,),)


def test_background_loader_reports_bad_data():
    store = EmbeddedStore()
    with pytest.raises(SyntaxError), store.background_loader() as load:
        load(b"<http://e/a> <http://e/p> nonsense .\n")


@pytest.mark.parametrize("term, value", [
    (ox.Literal("3", datatype=ox.NamedNode(XSD + "integer")), 3),
    (ox.Literal("1.5", datatype=ox.NamedNode(XSD + "decimal")), 1.5),
    (ox.Literal("2.5E1", datatype=ox.NamedNode(XSD + "double")), 25.0),
    (ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean")), True),
    (ox.Literal("0", datatype=ox.NamedNode(XSD + "boolean")), False),
    (ox.Literal("2023-06-30", datatype=ox.NamedNode(XSD + "date")), dt.date(2023, 6, 30)),
    (ox.Literal("六月", datatype=ox.NamedNode(XSD + "date")), "六月"),  # ill-typed: the text, not a guess
    (ox.Literal("市公安局", language="zh"), "市公安局"),
    (ox.NamedNode("https://w3id.org/plankg/id/x"), "https://w3id.org/plankg/id/x"),
    (None, None),
])
def test_python_values(term, value):
    assert python_value(term) == value and type(python_value(term)) is type(value)


def test_query_result_forms(kg):
    select = kg.store.query("SELECT ?n ?d WHERE { ?i pk:itemNo ?n ; pk:milestone ?m . ?m pk:seq 1 ; pk:deadline ?d } "
                            "ORDER BY ?n LIMIT 2")
    assert select.kind == "select" and select.variables == ("n", "d")
    assert select.dicts() == [{"n": 1, "d": dt.date(2023, 4, 30)}, {"n": 2, "d": dt.date(2023, 4, 30)}]
    assert select.column("n") == [1, 2]
    ask = kg.store.query("ASK { ?i pk:itemNo 12 }")
    assert ask == QueryResult("ask", boolean=False)
    graph = kg.store.query("CONSTRUCT { ?i pk:itemNo ?n } WHERE { ?i pk:itemNo ?n FILTER(?n = 4) }")
    assert graph.kind == "graph" and graph.rows[0][1:] == ("https://w3id.org/plankg/ontology#itemNo", 4)
    assert graph.graph_nt.endswith('"4"^^<http://www.w3.org/2001/XMLSchema#integer> .\n')


def test_syntax_errors_point_into_the_users_query(kg):
    with pytest.raises(SparqlSyntaxError, match=r"^error at line 2, column 10: expected one of"):
        kg.store.query("SELECT ?s WHERE {\n  ?s ?p }")
    with pytest.raises(SparqlError):
        kg.store.update("INSERT DATA { ?x <http://e/p> 1 }")
