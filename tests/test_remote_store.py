"""RemoteStore against a real Oxigraph server: the same answers as the embedded store."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from graph import KnowledgeGraph, SparqlError
from graph.remote import Endpoints, RemoteStore, ServerLayout, StoreUnavailableError
from graph.store import SparqlSyntaxError
from ingest import BUNDLED_PLAN
from tests.servers import free_port, oxigraph_binary, oxigraph_server

pytestmark = [
    pytest.mark.server,
    pytest.mark.skipif(oxigraph_binary() is None, reason="the oxigraph server CLI is not installed"),
]

ANALYST_QUERIES = {
    "items": "SELECT ?n ?title WHERE { ?i a pk:Item ; pk:itemNo ?n ; rdfs:label ?title } ORDER BY ?n",
    "leads": "SELECT ?n ?lead WHERE { ?i pk:itemNo ?n ; pk:leadAgency/rdfs:label ?lead } ORDER BY ?n ?lead",
    "due by June": "SELECT ?n ?d ?text WHERE { ?i pk:itemNo ?n ; pk:milestone ?m . ?m pk:deadline ?d ; pk:text ?text "
                   "FILTER(?d <= '2023-06-30'^^xsd:date) } ORDER BY ?n ?d",
    "targets": "SELECT ?metric ?value ?unit ?cumulative WHERE { ?t a pk:Target ; pk:metric ?metric ; pk:value ?value ; "
               "pk:unit ?unit ; pk:cumulative ?cumulative } ORDER BY ?metric ?value ?unit",
    "agencies per domain": "SELECT ?domain (COUNT(DISTINCT ?a) AS ?agencies) WHERE { ?i pk:domain/rdfs:label ?domain ; "
                           "pk:responsibleAgency ?a } GROUP BY ?domain ORDER BY ?domain",
    "counts": "SELECT ?class (COUNT(?s) AS ?n) WHERE { ?s a ?c FILTER(STRSTARTS(STR(?c), STR(pk:))) "
              "BIND(STRAFTER(STR(?c), '#') AS ?class) } GROUP BY ?class ORDER BY ?class",
}


@pytest.fixture(scope="module")
def remote(kg, tmp_path_factory):
    with oxigraph_server(tmp_path_factory.mktemp("oxigraph")) as url, RemoteStore(url) as store:
        store.replace_with(kg.store)  # Graph Store Protocol: PUT /store?default
        yield store


def test_loaded_through_the_graph_store_protocol(remote, kg):
    assert len(remote) == len(kg.store) == 2257
    assert remote.dump().count(b"\n") == len(kg.store)


@pytest.mark.parametrize("name", ANALYST_QUERIES)
def test_analyst_queries_match_embedded(remote, kg, name):
    assert remote.query(ANALYST_QUERIES[name]) == kg.store.query(ANALYST_QUERIES[name])


def test_known_answers(remote):
    assert remote.query(ANALYST_QUERIES["items"]).column("n") == list(range(1, 12))
    leads = dict(remote.query(ANALYST_QUERIES["leads"]).rows)
    assert leads[4] == "市公安局" and leads[8] == "市卫生健康委"
    assert remote.query("ASK { ?i pk:itemNo 11 }").boolean is True


def test_construct_matches_embedded(remote, kg):
    query = "CONSTRUCT { ?i ?p ?o } WHERE { ?i pk:itemNo 4 ; ?p ?o }"
    got, want = remote.query(query), kg.store.query(query)
    assert got.kind == "graph" and set(got.rows) == set(want.rows) and len(got.rows) == 21


def test_syntax_error_carries_the_servers_message(remote):
    with pytest.raises(SparqlSyntaxError, match=r"^the server rejected the query: error at line 2, column 10: "):
        remote.query("SELECT ?s WHERE {\n  ?s ?p }")


def test_load_and_clear(tmp_path):
    with oxigraph_server(tmp_path) as url, RemoteStore(url) as store:
        store.load('<http://e/a> <http://e/p> "甲"@zh .', format="text/turtle")
        store.load(b'<http://e/a> <http://e/p> "2"^^<http://www.w3.org/2001/XMLSchema#integer> .\n',
                   format="application/n-triples")
        assert sorted(store.query("SELECT ?o WHERE { ?s ?p ?o }").column("o"), key=str) == [2, "甲"]
        store.update("INSERT DATA { <http://e/b> pk:itemNo 3 }")
        assert len(store) == 3
        store.clear()
        assert len(store) == 0


def test_server_down_is_a_connection_error():
    store = RemoteStore(f"http://127.0.0.1:{free_port()}", timeout_s=2)
    with pytest.raises(ConnectionError, match=r"cannot reach the SPARQL server at http://127\.0\.0\.1:\d+/query "
                                              r"\(connection refused\); is it running\?"):
        store.query("ASK {}")


def test_wrong_url_is_named(remote):
    wrong = RemoteStore(remote.endpoints.query.rsplit("/", 1)[0] + "/nothing/sparql")
    with pytest.raises(StoreUnavailableError, match="no SPARQL endpoint at .*/nothing/sparql .*HTTP 404"):
        wrong.query("ASK {}")


def test_endpoint_urls():
    assert Endpoints.from_url("http://h:7878/").query == "http://h:7878/query"
    assert Endpoints.from_url("http://h:3030/plankg").update == "http://h:3030/plankg/update"
    assert Endpoints.from_url("http://h/q", ServerLayout.OXIGRAPH).store == "http://h/q/store"
    with pytest.raises(ValueError, match="is not an http"):
        RemoteStore("localhost:7878")


def test_graph_from_store_reads_facts_lazily(remote, kg):
    graph = KnowledgeGraph.from_store(remote)
    assert graph.plans == []
    assert len(graph.network()) == len(kg.network())
    assert {n.type for n in graph.facts.nodes.values()} == {n.type for n in kg.facts.nodes.values()}
    with pytest.raises(TypeError, match="load the new plans into the store"):
        graph.merged([])


def test_cli_with_store(remote):
    from typer.testing import CliRunner

    from ui.cli import app

    base = remote.endpoints.query.rsplit("/", 1)[0]
    result = CliRunner().invoke(app, ["info", "--store", base, "--graph", str(BUNDLED_PLAN)],
                                catch_exceptions=False)
    assert result.exit_code == 0 and "Item" in result.output and "11" in result.output


QUESTIONS = Path(__file__).parent / "data" / "qa_questions.jsonl"


def test_qa_answers_match_embedded(remote, kg):
    """Every own QA question gets the same answer from the remote store as from the embedded one.

    Intent, SPARQL, the items answered about and the answer text must match exactly
    (every QA query template orders its rows fully, so solution order cannot leak).
    """
    qa = pytest.importorskip("qa")
    if not hasattr(qa, "answer"):
        pytest.skip("qa.answer is not written yet")
    remote_kg = KnowledgeGraph.from_store(remote)
    today = dt.date(2023, 5, 15)
    questions = [json.loads(line)["q"] for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line]
    assert len(questions) >= 50
    differ = []
    for question in questions:
        want, got = qa.answer(question, kg, as_of=today), qa.answer(question, remote_kg, as_of=today)
        assert (got.intent, got.sparql, set(got.items)) == (want.intent, want.sparql, set(want.items)), question
        if got.answer != want.answer:
            differ.append(question)
    assert differ == [], "answer texts differ between stores (a query template without a full ORDER BY?)"


def test_rejected_update_is_a_sparql_error(remote):
    with pytest.raises(SparqlError):
        remote.update("INSERT DATA { ?x <http://e/p> 1 }")  # variables are not allowed in INSERT DATA
