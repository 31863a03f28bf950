"""The responsibility network as an interactive vis-network page.

The page carries its own data and, when *inline*, the vendored vis-network
library (``ui/static/vis-network.min.js``, 10.1.5, Apache-2.0/MIT), so it needs
no network access. Clicking a node lists its items in the side panel.
"""

from __future__ import annotations

import functools
import html
import json
from pathlib import Path

import networkx as nx

from .export import (
    AGENCY_TYPES,
    NODE_COLORS,
    TYPE_LABELS,
    Relation,
    item_caption,
    layout_positions,
    wrap_label,
)

__all__ = ["STATIC_DIR", "VIS_JS", "network_html", "node_details", "vis_data"]

STATIC_DIR = Path(__file__).parent / "static"
VIS_JS = STATIC_DIR / "vis-network.min.js"

_SHAPES = {"Agency": "dot", "AgencyGroup": "square", "Item": "diamond", "Domain": "triangle", "District": "star"}
_EDGES = {
    Relation.LEAD: {"color": {"color": "#d62828"}, "width": 3.5, "dashes": False},
    Relation.PARTICIPATE: {"color": {"color": "#a0a0a0"}, "width": 1.2, "dashes": [6, 5]},
    Relation.DOMAIN: {"color": {"color": "#68b984"}, "width": 1.2, "dashes": False},
    Relation.COVERS: {"color": {"color": "#b39ddb"}, "width": 1, "dashes": [2, 4]},
}


@functools.cache
def _vis_js() -> str:
    return VIS_JS.read_text(encoding="utf-8")


def _caption(attrs: dict) -> str:
    return item_caption(attrs) if attrs["type"] == "Item" else attrs["label"]


def node_details(view: nx.DiGraph) -> dict[str, dict]:
    """What the side panel shows for each node: a title and labelled lists of items or agencies.

    >>> from graph import bundled_graph
    >>> from ui.export import responsibility_network
    >>> view = responsibility_network(bundled_graph(), domain="交通出行")
    >>> details = node_details(view)["https://w3id.org/plankg/id/agency/青岛/市公安局"]
    >>> details["sections"][0]
    ['牵头事项', ['4. 加强重点医院学校景区周边交通拥堵整治']]
    """
    details = {}
    for node, attrs in view.nodes(data=True):
        kind = attrs["type"]
        sections: list[tuple[str, list[str]]] = []
        if kind in AGENCY_TYPES:
            for relation, heading in ((Relation.LEAD, "牵头事项"), (Relation.PARTICIPATE, "参与事项")):
                items = [u for u, _, d in view.in_edges(node, data=True) if d["relation"] == relation]
                sections.append((heading, [_caption(view.nodes[u]) for u in sorted(items, key=_item_order(view))]))
            covered = [view.nodes[v]["label"] for _, v, d in view.out_edges(node, data=True) if d["relation"] == Relation.COVERS]
            if covered:
                sections.append(("覆盖区(市)", covered))
        elif kind == "Item":
            for relation, heading in ((Relation.LEAD, "牵头单位"), (Relation.PARTICIPATE, "参与单位"), (Relation.DOMAIN, "领域")):
                sections.append((heading, [view.nodes[v]["label"] for _, v, d in view.out_edges(node, data=True)
                                           if d["relation"] == relation]))
        elif kind == "Domain":
            items = [u for u, _ in view.in_edges(node)]
            sections.append(("事项", [_caption(view.nodes[u]) for u in sorted(items, key=_item_order(view))]))
        elif kind == "District":
            sections.append(("覆盖单位", [view.nodes[u]["label"] for u, _ in view.in_edges(node)]))
        details[node] = {"title": _caption(attrs), "type": TYPE_LABELS.get(kind, kind),
                         "sections": [[heading, entries] for heading, entries in sections]}
    return details


def _item_order(view: nx.DiGraph):
    return lambda n: (view.nodes[n].get("itemNo", 0), n)


_SCALE = 72  # pixels per Graphviz inch (its labels are 11 pt)


def vis_data(view: nx.DiGraph, positions: dict[str, tuple[float, float]] | None = None) -> dict:
    """Nodes and edges in vis-network's format: coloured by type, sized by degree.

    With *positions* (Graphviz inches) the nodes start there and physics is off.
    """
    positions = positions or {}
    nodes = []
    for node, attrs in view.nodes(data=True):
        kind = attrs["type"]
        label = wrap_label(item_caption(attrs)) if kind == "Item" else attrs["label"]
        color = NODE_COLORS.get(kind, "#999999")
        nodes.append({
            "id": node, "label": label, "title": f"{TYPE_LABELS.get(kind, kind)}：{_caption(attrs)}",
            "group": kind, "shape": _SHAPES.get(kind, "dot"), "value": view.degree(node) + 1,
            "color": {"background": color, "border": color, "highlight": {"background": "#ffd166", "border": color}},
        })
        if node in positions:
            x, y = positions[node]
            nodes[-1].update(x=round(x * _SCALE, 1), y=round(-y * _SCALE, 1))
    edges = [
        {"from": u, "to": v, "title": d["label"], "relation": d["relation"],
         "arrows": {"to": {"enabled": d["relation"] != Relation.DOMAIN, "scaleFactor": 0.5}},
         **_EDGES[Relation(d["relation"])]}
        for u, v, d in view.edges(data=True)
    ]
    return {"nodes": nodes, "edges": edges}


def _json_for_script(data) -> str:
    """JSON that is safe inside a <script> element."""
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/").replace("<!--", "<\\!--")


_PAGE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>__TITLE__</title>
<style>
  html, body { margin: 0; height: 100%; font-family: "Noto Sans CJK SC", "Noto Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif; }
  #wrap { position: relative; height: 100%; }
  #network { position: absolute; inset: 0; }
  #panel { position: absolute; top: 8px; right: 8px; width: 240px; max-height: calc(100% - 150px); overflow-y: auto;
           padding: 8px 12px; font-size: 13px; color: #1a202c; background: rgba(255,255,255,0.93);
           border: 1px solid #e2e8f0; border-radius: 8px; box-shadow: 0 1px 4px rgba(0,0,0,0.08); }
  #panel h3 { margin: 2px 0; font-size: 15px; }
  #panel h4 { margin: 8px 0 3px; font-size: 13px; color: #4a5568; }
  #panel ul { margin: 0; padding-left: 18px; }
  #panel .kind { color: #718096; font-size: 12px; }
  .legend { position: absolute; left: 8px; bottom: 8px; padding: 6px 10px; font-size: 12px; color: #4a5568;
            line-height: 1.7; background: rgba(255,255,255,0.9); border-radius: 6px; }
  .dot { display: inline-block; width: 10px; height: 10px; border-radius: 50%; margin-right: 4px; vertical-align: middle; }
  .line { display: inline-block; width: 26px; margin-right: 4px; vertical-align: middle; }
  #empty { position: absolute; top: 40%; width: 60%; text-align: center; color: #718096; }
</style>
__SCRIPT__
</head>
<body>
<div id="wrap">
  <div id="network"></div>
  <div id="panel"><div id="info"><h3>点击节点查看事项</h3><div class="kind">__SUMMARY__</div></div></div>
  <div class="legend">
    __LEGEND__
    <div><span class="line" style="border-top:4px solid #d62828"></span>牵头</div>
    <div><span class="line" style="border-top:2px dashed #a0a0a0"></span>参与</div>
    <div><span class="line" style="border-top:2px solid #68b984"></span>领域</div>
  </div>
</div>
<script id="plankg-data" type="application/json">__DATA__</script>
<script id="plankg-details" type="application/json">__DETAILS__</script>
<script>
(function () {
  var data = JSON.parse(document.getElementById("plankg-data").textContent);
  var details = JSON.parse(document.getElementById("plankg-details").textContent);
  var container = document.getElementById("network");
  if (!data.nodes.length) {
    container.innerHTML = '<div id="empty">没有符合条件的事项</div>';
    return;
  }
  var font = '"Noto Sans CJK SC", "Noto Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif';
  var nodes = new vis.DataSet(data.nodes);
  var edges = new vis.DataSet(data.edges);
  var placed = data.nodes.every(function (n) { return n.x !== undefined; });
  var network = new vis.Network(container, {nodes: nodes, edges: edges}, {
    nodes: {font: {face: font, size: 14, color: "#1a202c", strokeWidth: 3, strokeColor: "#ffffff"},
            scaling: {min: 10, max: 34, label: {enabled: false}}, borderWidth: 1},
    edges: {smooth: {type: "continuous"}, font: {face: font, size: 11}},
    physics: placed ? false : {solver: "forceAtlas2Based", stabilization: {iterations: 300, fit: true},
                               forceAtlas2Based: {gravitationalConstant: -90, springLength: 110}},
    interaction: {hover: true, tooltipDelay: 150, navigationButtons: false}
  });
  function drawn() { document.body.setAttribute("data-drawn", "true"); }
  if (placed) {
    network.once("afterDrawing", drawn);
  } else {
    network.once("stabilizationIterationsDone", function () { network.setOptions({physics: false}); drawn(); });
  }
  function escape(text) {
    var div = document.createElement("div");
    div.textContent = text;
    return div.innerHTML;
  }
  function show(id) {
    var d = details[id];
    if (!d) { return; }
    var html = "<h3>" + escape(d.title) + '</h3><div class="kind">' + escape(d.type) + "</div>";
    d.sections.forEach(function (section) {
      html += "<h4>" + escape(section[0]) + "（" + section[1].length + "）</h4>";
      html += section[1].length ? "<ul>" + section[1].map(function (e) { return "<li>" + escape(e) + "</li>"; }).join("") + "</ul>" : "<div class='kind'>无</div>";
    });
    document.getElementById("info").innerHTML = html;
  }
  network.on("click", function (params) { if (params.nodes.length) { show(params.nodes[0]); } });
  window.plankgNetwork = network;
  window.plankgShow = show;
})();
</script>
</body>
</html>
"""


def network_html(view: nx.DiGraph, *, inline: bool = True, script_url: str = "/plankg/static/vis-network.min.js",
                 title: str = "plankg 责任网络") -> str:
    """An HTML page drawing *view*; with *inline* the library is embedded (a self-contained file).

    Otherwise the page loads the library from *script_url*, a path on the app's own server.
    """
    script = f"<script>{_vis_js()}</script>" if inline else f'<script src="{html.escape(script_url)}"></script>'
    counts = {}
    for _, attrs in view.nodes(data=True):
        counts[attrs["type"]] = counts.get(attrs["type"], 0) + 1
    summary = "，".join(f"{TYPE_LABELS.get(k, k)} {n}" for k, n in counts.items()) or "空"
    legend = "".join(
        f'<div><span class="dot" style="background:{color}"></span>{TYPE_LABELS[kind]}</div>'
        for kind, color in NODE_COLORS.items() if kind in counts
    )
    page = _PAGE
    for key, value in (("__TITLE__", html.escape(title)), ("__SUMMARY__", html.escape(summary)),
                       ("__LEGEND__", legend), ("__DATA__", _json_for_script(vis_data(view, layout_positions(view)))),
                       ("__DETAILS__", _json_for_script(node_details(view)))):
        page = page.replace(key, value)
    return page.replace("__SCRIPT__", script)
