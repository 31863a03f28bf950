"""RDF and NetworkX built from the same records; SHACL; files."""

from __future__ import annotations

from rdflib import Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF

from graph import load_graph
from graph.io import read_rdf, write_rdf
from graph.validate import validate
from ontology import PK


def test_sparql_answers_issue_figures(kg):
    def one(query):
        return kg.store.query(query).rows[0][0]

    assert one("SELECT (COUNT(?i) AS ?n) WHERE { ?i a pk:Item }") == 11
    assert one("SELECT (COUNT(?m) AS ?n) WHERE { ?m a pk:Milestone }") == 44
    assert one("SELECT (COUNT(?d) AS ?n) WHERE { ?d a pk:Domain }") == 7
    assert one("SELECT (COUNT(?i) AS ?n) WHERE { ?i pk:continued true }") == 8
    leads = kg.store.query(
        "SELECT ?no ?lead WHERE { ?i pk:itemNo ?no ; pk:leadAgency/rdfs:label ?lead } ORDER BY ?no").rows
    assert [lead for _, lead in leads] == [
        "市城市管理局", "市城市管理局", "市发展改革委", "市公安局", "市交通运输局", "市城市管理局",
        "市交通运输局", "市卫生健康委", "市市场监管局", "市城市管理局", "市邮政管理局"]


def test_every_lead_is_responsible(kg):
    missing = kg.store.query(
        "ASK { ?i pk:leadAgency ?a . FILTER NOT EXISTS { ?i pk:responsibleAgency ?a } }")
    assert missing.boolean is False


def test_iris_are_stable_and_readable(kg):
    items = kg.store.query("SELECT ?i WHERE { ?i pk:itemNo 4 }").column("i")
    assert items == ["https://w3id.org/plankg/id/plan/2023_qingdao_minsheng_plan/item/4"]


def test_aliases_are_alt_labels(kg):
    rows = kg.store.query('SELECT ?label WHERE { ?a skos:altLabel "卫健委"@zh ; rdfs:label ?label }').rows
    assert rows == (("市卫生健康委",),)


def test_provenance_on_every_item_and_target(kg):
    missing = kg.store.query("""SELECT ?n WHERE { VALUES ?c { pk:Item pk:Target pk:Milestone pk:Task }
        ?n a ?c . FILTER NOT EXISTS { ?n pk:sourceText ?t ; dcterms:source ?f ; pk:sourceRow ?r } }""")
    assert missing.rows == ()


def test_collective_units_cover_districts(kg):
    rows = kg.store.query("""SELECT ?d WHERE { ?g rdfs:label "各区(市)政府"@zh ; pk:covers/rdfs:label ?d }""")
    assert len(rows.rows) == 10


def test_shacl_passes_on_bundled_plan(kg):
    report = validate(kg.rdf())
    assert report.conforms, report.text


def test_shacl_fails_without_lead_or_deadline(kg):
    broken = Graph()
    for triple in kg.rdf():
        broken.add(triple)
    item4 = URIRef("https://w3id.org/plankg/id/plan/2023_qingdao_minsheng_plan/item/4")
    broken.remove((item4, PK.leadAgency, None))
    milestone = next(broken.subjects(RDF.type, PK.Milestone))
    broken.remove((milestone, PK.deadline, None))
    report = validate(broken)
    assert not report.conforms
    assert report.violations == 2
    assert "事项缺少牵头单位" in report.text and "进度节点缺少截止日期" in report.text


def test_turtle_round_trip_is_isomorphic(kg, tmp_path):
    path = tmp_path / "plan.ttl"
    write_rdf(kg.rdf(), path)
    assert isomorphic(read_rdf(path), kg.rdf())
    text = path.read_text(encoding="utf-8")
    assert "@prefix pk: <https://w3id.org/plankg/ontology#>" in text
    assert "ns1:" not in text


def test_other_formats_round_trip(kg, tmp_path):
    for name in ("plan.nt", "plan.jsonld"):
        write_rdf(kg.rdf(), tmp_path / name)
        assert isomorphic(read_rdf(tmp_path / name), kg.rdf())


def test_load_graph_from_turtle_matches(kg, tmp_path):
    path = tmp_path / "plan.ttl"
    write_rdf(kg.rdf(), path)
    loaded = load_graph([path])
    assert len(loaded.store) == len(kg.store)
    assert set(loaded.network().nodes) == set(kg.network().nodes)


def test_networkx_matches_rdf(kg):
    net = kg.network()
    rdf = kg.rdf()
    for cls in ("Item", "Agency", "AgencyGroup", "Domain", "Milestone", "Target"):
        rdf_nodes = {str(s) for s in rdf.subjects(RDF.type, PK[cls])}
        nx_nodes = {n for n, data in net.nodes(data=True) if data["type"] == cls}
        assert rdf_nodes == nx_nodes, cls
    for predicate in ("leadAgency", "responsibleAgency", "domain", "milestone", "target", "covers"):
        rdf_edges = {(str(s), str(o)) for s, o in rdf.subject_objects(PK[predicate])}
        nx_edges = {(u, v) for u, v, k in net.edges(keys=True) if k == predicate}
        assert rdf_edges == nx_edges, predicate


def test_sparql_syntax_error_points_at_user_query(kg):
    import pytest

    from graph import SparqlError

    with pytest.raises(SparqlError, match="line 1, column"):
        kg.store.query("SELEC ?x WHERE { ?x ?p ?o }")


def test_atomic_write_gives_usual_permissions(tmp_path):
    import os

    from graph.io import atomic_write

    path = tmp_path / "out.ttl"
    atomic_write(path, b"data")
    umask = os.umask(0)
    os.umask(umask)
    assert path.read_bytes() == b"data" and (path.stat().st_mode & 0o777) == 0o666 & ~umask
