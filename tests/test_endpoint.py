"""The SPARQL 1.1 Protocol endpoint, served by uvicorn on 127.0.0.1 and called by real clients."""

from __future__ import annotations

import json
import urllib.error

import httpx
import pyoxigraph as ox
import pytest
from SPARQLWrapper import CSV, JSON, JSONLD, POST, POSTDIRECTLY, TSV, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from graph import EmbeddedStore
from tests.servers import asgi_server
from ui.endpoint import sparql_asgi

MAX_ROWS = 50
ITEMS = "SELECT ?n ?title WHERE { ?i a pk:Item ; pk:itemNo ?n ; rdfs:label ?title } ORDER BY ?n"


@pytest.fixture(scope="module")
def url(kg):
    with asgi_server(sparql_asgi(lambda: kg.store, max_rows=MAX_ROWS)) as base:
        yield base + "/"


def client(url: str, query: str, fmt=JSON, method=None) -> SPARQLWrapper:
    sparql = SPARQLWrapper(url, returnFormat=fmt)
    sparql.setQuery(query)
    if method == POSTDIRECTLY:
        sparql.setMethod(POST)
        sparql.setRequestMethod(POSTDIRECTLY)
    elif method == POST:
        sparql.setMethod(POST)
    return sparql


@pytest.mark.parametrize("method", [None, POST, POSTDIRECTLY], ids=["GET", "POST-form", "POST-query"])
def test_select_json_by_get_and_both_posts(url, method):
    result = client(url, ITEMS, JSON, method).queryAndConvert()
    rows = result["results"]["bindings"]
    assert result["head"]["vars"] == ["n", "title"]
    assert [int(r["n"]["value"]) for r in rows] == list(range(1, 12))
    assert rows[3]["title"] == {"type": "literal", "value": "加强重点医院学校景区周边交通拥堵整治", "xml:lang": "zh"}
    assert rows[0]["n"]["datatype"] == "http://www.w3.org/2001/XMLSchema#integer"


def test_select_xml_csv_tsv(url):
    xml = client(url, ITEMS, XML).queryAndConvert()  # a parsed DOM
    assert len(xml.getElementsByTagName("result")) == 11
    csv = client(url, ITEMS, CSV).queryAndConvert().decode()
    assert csv.splitlines()[:2] == ["n,title", "1,\"对存量违建开展全面摸排治理,对新生违建坚决打击遏制\""]
    assert csv.endswith("\r\n")
    tsv = client(url, ITEMS, TSV).queryAndConvert().decode()
    assert tsv.splitlines()[:2] == [
        "?n\t?title",
        '"1"^^<http://www.w3.org/2001/XMLSchema#integer>\t"对存量违建开展全面摸排治理,对新生违建坚决打击遏制"@zh']


@pytest.mark.parametrize("media, fmt", [("application/sparql-results+json", ox.QueryResultsFormat.JSON),
                                        ("application/sparql-results+xml", ox.QueryResultsFormat.XML),
                                        ("text/tab-separated-values", ox.QueryResultsFormat.TSV)])
def test_results_equal_the_stores_terms(url, kg, media, fmt):
    """Each serialisation, read back by Oxigraph's own parser, gives the store's exact terms."""
    query = ("SELECT ?i ?n ?title ?lead WHERE { ?i a pk:Item ; pk:itemNo ?n ; rdfs:label ?title "
             "OPTIONAL { ?i pk:continued true BIND(1.5 AS ?lead) } } ORDER BY ?n")
    response = httpx.get(url, params={"query": query}, headers={"Accept": media})
    assert response.status_code == 200 and response.headers["content-type"].startswith(media)
    got = [tuple(s[v] for v in ("i", "n", "title", "lead")) for s in ox.parse_query_results(response.content, fmt)]
    want = [tuple(s[v] for v in ("i", "n", "title", "lead")) for s in kg.store.raw_query(query)]
    assert got == want


def test_ask(url):
    assert client(url, "ASK { ?i pk:leadAgency/rdfs:label '市公安局'@zh }").queryAndConvert()["boolean"] is True
    assert client(url, "ASK { ?i pk:itemNo 99 }", XML).queryAndConvert().getElementsByTagName(
        "boolean")[0].firstChild.data == "false"


def test_construct_turtle_and_jsonld(url):
    query = "CONSTRUCT { ?i rdfs:label ?t ; pk:leadAgency ?a } WHERE { ?i pk:itemNo 4 ; rdfs:label ?t ; pk:leadAgency ?a }"
    graph = client(url, query, TURTLE).queryAndConvert()  # SPARQLWrapper returns Turtle text
    assert b"@prefix pk: <https://w3id.org/plankg/ontology#>" in graph
    assert "加强重点医院学校景区周边交通拥堵整治".encode() in graph
    data = client(url, query, JSONLD, POST).queryAndConvert()  # parsed into an rdflib graph
    assert len(data) == 2


def test_format_parameter_overrides_accept(url):
    response = httpx.get(url, params={"query": ITEMS, "format": "csv"}, headers={"Accept": "application/json"})
    assert response.headers["content-type"].startswith("text/csv")
    response = httpx.get(url, params={"query": "CONSTRUCT WHERE { ?i pk:itemNo 1 }", "format": "json"})
    assert response.headers["content-type"] == "application/ld+json"


def test_update_refused_403(url, kg):
    before = len(kg.store)
    sparql = client(url, "INSERT DATA { <http://e/a> <http://e/p> 1 }", JSON, POST)
    with pytest.raises(urllib.error.HTTPError) as caught:
        sparql.query()
    assert caught.value.code == 403
    assert "read-only" in caught.value.read().decode()
    assert len(kg.store) == before


def test_syntax_error_400_with_position(url):
    with pytest.raises(QueryBadFormed) as caught:
        client(url, "SELECT ?s WHERE {\n  ?s ?p }").query()
    assert "SPARQL syntax error: error at line 2, column 10: expected one of" in str(caught.value)


def test_cors_header(url):
    response = httpx.get(url, params={"query": "ASK {}"}, headers={"Origin": "https://yasgui.example"})
    assert response.headers["access-control-allow-origin"] == "*"
    preflight = httpx.options(url, headers={"Origin": "https://yasgui.example",
                                            "Access-Control-Request-Method": "POST",
                                            "Access-Control-Request-Headers": "content-type"})
    assert preflight.status_code == 200 and "POST" in preflight.headers["access-control-allow-methods"]


def test_result_size_limit_422(url):
    response = httpx.get(url, params={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert response.status_code == 422
    assert f"more than {MAX_ROWS} rows" in response.text and "LIMIT" in response.text
    assert httpx.get(url, params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 50"}).status_code == 200


def test_unacceptable_format_406_and_help_page(url):
    response = httpx.get(url, params={"query": ITEMS}, headers={"Accept": "image/png"})
    assert response.status_code == 406 and "text/csv" in response.text
    assert "SPARQL 1.1 Protocol" in httpx.get(url).text
    bad = httpx.post(url, content=b"x", headers={"Content-Type": "text/plain"})
    assert bad.status_code == 415


def test_time_limit_503(kg):
    slow = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }"  # 5 million rows; stopped at the deadline
    app = sparql_asgi(lambda: kg.store, timeout_s=0.3, max_rows=10**9)
    with asgi_server(app) as base:
        response = httpx.get(base + "/", params={"query": slow}, timeout=10)
    assert response.status_code == 503
    assert response.text.startswith("the query ran longer than this endpoint's time limit of 0.3 s")


def test_updates_when_allowed():
    store = EmbeddedStore()
    with asgi_server(sparql_asgi(lambda: store, allow_update=True)) as base:
        sparql = SPARQLWrapper(base + "/")
        sparql.setMethod(POST)
        sparql.setQuery("INSERT DATA { <http://e/a> pk:itemNo 7 }")
        sparql.query()
    assert store.query("SELECT ?n WHERE { ?s pk:itemNo ?n }").rows == ((7,),)


def test_mounted_under_a_path_and_over_any_store(kg):
    """Mounted at /sparql/ in another app, over a store that only answers with Python values."""
    from starlette.applications import Starlette
    from starlette.routing import Mount
    from starlette.testclient import TestClient

    class ValuesOnly:  # what a remote store looks like to the endpoint
        def query(self, sparql):
            return kg.store.query(sparql)

    outer = Starlette(routes=[Mount("/sparql", sparql_asgi(lambda: ValuesOnly()))])
    with TestClient(outer) as http:
        data = json.loads(http.get("/sparql/", params={"query": ITEMS + " LIMIT 1"}).content)
        assert data["results"]["bindings"][0]["n"] == {
            "type": "literal", "value": "1", "datatype": "http://www.w3.org/2001/XMLSchema#integer"}
        turtle = http.post("/sparql/", content="CONSTRUCT WHERE { ?i pk:itemNo 1 }",
                           headers={"Content-Type": "application/sparql-query"})
        assert turtle.headers["content-type"].startswith("text/turtle") and b"pk:itemNo 1" in turtle.content
