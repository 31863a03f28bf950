"""The responsibility network: filters, every export format, the CLI command."""

from __future__ import annotations

import io
import json
import re
import shutil

import networkx as nx
import pytest

from ui import cli
from ui.export import (
    ExportError,
    ExportFormat,
    Relation,
    agency_load,
    export_bytes,
    responsibility_network,
    write_network,
)

needs_graphviz = pytest.mark.skipif(shutil.which("neato") is None, reason="Graphviz is not installed")
POLICE = "https://w3id.org/plankg/id/agency/青岛/市公安局"


@pytest.fixture(scope="module")
def view(kg):
    return responsibility_network(kg)


def items_of(view) -> list[int]:
    return sorted(d["itemNo"] for _, d in view.nodes(data=True) if d["type"] == "Item")


def test_whole_network_has_every_item_one_lead_each(view):
    assert items_of(view) == list(range(1, 12))
    for node, attrs in view.nodes(data=True):
        if attrs["type"] == "Item":
            leads = [v for _, v, d in view.out_edges(node, data=True) if d["relation"] == Relation.LEAD]
            assert len(leads) == 1, attrs["label"]
    assert {d["type"] for _, d in view.nodes(data=True)} == {"Item", "Agency", "AgencyGroup", "Domain"}


def test_lead_is_not_also_a_participation(view):
    item4 = next(n for n, d in view.nodes(data=True) if d.get("itemNo") == 4)
    assert view.edges[item4, POLICE]["relation"] == "lead"
    relations = sorted(d["relation"] for _, _, d in view.out_edges(item4, data=True))
    assert relations == ["domain", "lead", "participate", "participate", "participate"]


def test_domain_filter(kg):
    view = responsibility_network(kg, domain="交通出行")
    assert items_of(view) == [4, 5]
    assert [d["label"] for _, d in view.nodes(data=True) if d["type"] == "Domain"] == ["交通出行"]


def test_domain_alias_and_agency_and_item_filters(kg):
    assert items_of(responsibility_network(kg, domain="交通")) == [4, 5]
    assert items_of(responsibility_network(kg, agency="市公安局")) == [3, 4, 5, 10]
    assert items_of(responsibility_network(kg, agency="市公安局", domain="交通出行")) == [4, 5]
    assert items_of(responsibility_network(kg, item=7)) == [7]
    assert items_of(responsibility_network(kg, item="开展建筑施工噪声扰民整治")) == [6]
    assert items_of(responsibility_network(kg, agency="市邮政管理局", domain="交通出行")) == []


def test_districts_on_demand(kg):
    view = responsibility_network(kg, domain="市容环境", districts=True)
    districts = {d["label"] for _, d in view.nodes(data=True) if d["type"] == "District"}
    assert "市南区" in districts and len(districts) == 10
    assert all(d["relation"] == "covers" for u, v, d in view.edges(data=True) if view.nodes[v]["type"] == "District")


@pytest.mark.parametrize(("filters", "message"), [
    ({"domain": "交通运输"}, "unknown domain '交通运输'; known domains: 交通出行, 医疗服务, 噪声扰民, 市容环境, 快递物流, 物业管理, 食品安全"),
    ({"agency": "市公安"}, "unknown agency '市公安'; known agencies: "),
    ({"item": "99"}, "unknown item '99'; give an item number or title: 1. "),
])
def test_unknown_filter_values_name_the_known_ones(kg, filters, message):
    with pytest.raises(ExportError) as caught:
        responsibility_network(kg, **filters)
    assert str(caught.value).startswith(message)


def test_agency_load(view):
    rows = {r.agency: r for r in agency_load(view)}
    assert rows["市城市管理局"].led == 4 and rows["市城市管理局"].joined == 1
    assert rows["市公安局"].led == 1 and rows["市公安局"].joined == 3
    assert rows["市公安局"].degree == 4
    assert rows["各区(市)政府"].betweenness > 0
    assert agency_load(view)[0].agency == "市城市管理局"


@pytest.mark.parametrize("fmt", [f for f in ExportFormat if f not in (ExportFormat.SVG, ExportFormat.PNG)])
def test_every_format_writes(kg, tmp_path, fmt):
    path = write_network(kg, fmt, tmp_path / fmt.filename, domain="交通出行")
    assert path.stat().st_size > 200
    assert "市公安局" in path.read_text(encoding="utf-8")


@needs_graphviz
@pytest.mark.parametrize("fmt", [ExportFormat.SVG, ExportFormat.PNG])
def test_drawings_write(kg, tmp_path, fmt):
    path = write_network(kg, fmt, tmp_path / fmt.filename)
    assert path.stat().st_size > 1000


@pytest.mark.parametrize("fmt", [ExportFormat.GRAPHML, ExportFormat.GEXF])
def test_graphml_and_gexf_load_back(view, fmt):
    read = nx.read_graphml if fmt is ExportFormat.GRAPHML else nx.read_gexf
    back = read(io.BytesIO(export_bytes(view, fmt)))
    assert set(back.nodes) == set(view.nodes)
    assert set(back.edges) == set(view.edges)
    assert back.nodes[POLICE]["label"] == "市公安局"
    assert {d["relation"] for _, _, d in back.edges(data=True)} == {"lead", "participate", "domain"}


def test_cytoscape_json_round_trips(view):
    data = json.loads(export_bytes(view, ExportFormat.CYJS))
    back = nx.cytoscape_graph(data)
    assert set(back.nodes) == set(view.nodes) and back.number_of_edges() == view.number_of_edges()


def test_csv_edge_list(view):
    lines = export_bytes(view, ExportFormat.CSV).decode("utf-8").splitlines()
    assert lines[0] == "source,source_type,relation,target,target_type,source_iri,target_iri"
    assert len(lines) == view.number_of_edges() + 1
    assert any(line.startswith("加强重点医院学校景区周边交通拥堵整治,Item,牵头,市公安局,Agency,") for line in lines)


def test_dot_draws_lead_edges_red_and_participation_dashed(view):
    dot = export_bytes(view, ExportFormat.DOT).decode("utf-8")
    assert 'fontname="Noto Sans CJK SC"' in dot and "市公安局" in dot
    assert re.search(r'relation=lead[^\]]*color="#d62828"', dot)
    assert re.search(r"relation=participate[^\]]*style=dashed", dot)


@needs_graphviz
def test_svg_has_chinese_labels_as_characters(view):
    svg = export_bytes(view, ExportFormat.SVG).decode("utf-8")
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert ">市公安局</text>" in svg
    assert "Noto Sans CJK SC" in svg


@needs_graphviz
def test_png_is_a_png(view):
    data = export_bytes(view, ExportFormat.PNG)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert width > 500 and height > 500


def test_html_is_self_contained_with_chinese_labels(view):
    page = export_bytes(view, ExportFormat.HTML).decode("utf-8")
    assert "市公安局" in page and "加强重点医院" in page
    assert not re.search(r"<script[^>]+src=[\"']?https?:", page, re.IGNORECASE)
    assert not re.search(r"<link[^>]+href=[\"']?https?:", page, re.IGNORECASE)
    assert "vis.Network" in page and len(page) > 500_000  # the library is inlined


def test_cli_export_default_name(monkeypatch, tmp_path, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sys.argv", ["plankg", "export", "--domain", "交通出行"])
    with pytest.raises(SystemExit) as done:
        cli.main()
    assert done.value.code in (0, None)
    back = nx.read_graphml(tmp_path / "plankg-network.graphml")
    assert sorted(d["itemNo"] for _, d in back.nodes(data=True) if d["type"] == "Item") == [4, 5]


def test_cli_export_format_and_output(monkeypatch, tmp_path):
    out = tmp_path / "sub" / "net.csv"
    monkeypatch.setattr("sys.argv", ["plankg", "export", "--format", "csv", "--agency", "市公安局", "-o", str(out)])
    with pytest.raises(SystemExit):
        cli.main()
    assert out.read_text(encoding="utf-8").startswith("source,")


def test_cli_export_bad_filter_exits_2_naming_known_values(monkeypatch, tmp_path, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sys.argv", ["plankg", "export", "--domain", "教育"])
    with pytest.raises(SystemExit) as done:
        cli.main()
    assert done.value.code == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "Error: unknown domain '教育'; known domains: 交通出行" in err
    assert not list(tmp_path.iterdir())
