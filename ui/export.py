"""The responsibility network (agencies, items, domains) as a filtered view, and its files.

``responsibility_network`` cuts a small DiGraph out of the knowledge graph's
NetworkX view; the ``to_*`` writers turn it into bytes, one function per format,
and ``write_network`` writes one atomically. Lead edges (牵头) and participation
edges (参与) are told apart by the ``relation`` edge attribute.

>>> from graph import bundled_graph
>>> view = responsibility_network(bundled_graph(), domain="交通出行")
>>> sorted(d["itemNo"] for _, d in view.nodes(data=True) if d["type"] == "Item")
[4, 5]
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from collections.abc import Callable, Iterable
from enum import StrEnum
from pathlib import Path
from typing import NamedTuple

import networkx as nx

from graph.io import atomic_write

__all__ = [
    "AGENCY_TYPES",
    "NODE_COLORS",
    "TYPE_LABELS",
    "AgencyLoad",
    "ExportError",
    "ExportFormat",
    "Relation",
    "agency_load",
    "available_formats",
    "export_bytes",
    "filter_choices",
    "item_caption",
    "layout_positions",
    "responsibility_network",
    "to_csv",
    "to_cytoscape_json",
    "to_dot",
    "to_gexf",
    "to_graphml",
    "to_html",
    "to_png",
    "to_svg",
    "wrap_label",
    "write_network",
]

AGENCY_TYPES = ("Agency", "AgencyGroup")
CJK_FONT = "Noto Sans CJK SC"

#: Fill colour of each node type, shared by every drawing (vis-network, Graphviz, GEXF).
NODE_COLORS: dict[str, str] = {
    "Agency": "#2b6cb0",
    "AgencyGroup": "#38a3a5",
    "Item": "#ed8936",
    "Domain": "#38a169",
    "District": "#805ad5",
}
TYPE_LABELS: dict[str, str] = {
    "Agency": "责任单位", "AgencyGroup": "单位组", "Item": "攻坚事项", "Domain": "领域", "District": "区(市)",
}


class ExportError(ValueError):
    """A filter names nothing in the graph, or a drawing tool is missing."""


class Relation(StrEnum):
    """The kind of an edge in the responsibility network."""

    LEAD = "lead"
    PARTICIPATE = "participate"
    DOMAIN = "domain"
    COVERS = "covers"

    @property
    def label(self) -> str:
        return {"lead": "牵头", "participate": "参与", "domain": "领域", "covers": "覆盖"}[self.value]


class ExportFormat(StrEnum):
    """A file format of the responsibility network.

    >>> ExportFormat("cyjs").filename
    'plankg-network.cyjs'
    """

    GRAPHML = "graphml"
    GEXF = "gexf"
    CYJS = "cyjs"
    DOT = "dot"
    SVG = "svg"
    PNG = "png"
    HTML = "html"
    CSV = "csv"

    @property
    def filename(self) -> str:
        return f"plankg-network.{self.value}"



# --- the filtered view ------------------------------------------------------


def item_caption(attrs: dict, *, width: int | None = None) -> str:
    """``"4. 加强重点医院…"``: an item's number and title, shortened to *width* characters.

    >>> item_caption({"itemNo": 4, "label": "加强重点医院学校景区周边交通拥堵整治"}, width=6)
    '4. 加强重点医院…'
    """
    title = attrs["label"]
    if width is not None and len(title) > width:
        title = title[:width] + "…"
    return f"{attrs.get('itemNo', '?')}. {title}"


def _names(attrs: dict) -> set[str]:
    return {str(attrs.get("label", "")), str(attrs.get("altLabel", ""))} - {""}


def _nodes_of_type(network: nx.MultiDiGraph, types: Iterable[str]) -> list[str]:
    types = set(types)
    return [n for n, d in network.nodes(data=True) if d.get("type") in types]


def _match(network: nx.MultiDiGraph, value: str, types: tuple[str, ...], what: str, whats: str) -> str:
    """The node of one of *types* whose IRI, label or alias is *value*; else an error naming the choices."""
    candidates = _nodes_of_type(network, types)
    for node in candidates:
        if value == node or value in _names(network.nodes[node]):
            return node
    known = sorted({network.nodes[n]["label"] for n in candidates})
    raise ExportError(f"unknown {what} {value!r}; known {whats}: {', '.join(known)}")


def _match_items(network: nx.MultiDiGraph, value: str) -> set[str]:
    items = _nodes_of_type(network, ["Item"])
    value = str(value).strip()
    found = {n for n in items if value == n or value == network.nodes[n]["label"]
             or value == str(network.nodes[n].get("itemNo"))}
    if not found:
        known = sorted(items, key=lambda n: network.nodes[n].get("itemNo", 0))
        listing = "; ".join(item_caption(network.nodes[n], width=12) for n in known)
        raise ExportError(f"unknown item {value!r}; give an item number or title: {listing}")
    return found


def filter_choices(kg) -> dict[str, list[tuple[str, str]]]:
    """(caption, value) choices for the domain, agency and item filters of *kg*."""
    network = kg.network()
    agencies = _nodes_of_type(network, AGENCY_TYPES)
    load = {n: sum(1 for _ in network.predecessors(n)) for n in agencies}
    items = sorted(_nodes_of_type(network, ["Item"]),
                   key=lambda n: (network.nodes[n].get("plan", ""), network.nodes[n].get("itemNo", 0), n))
    return {
        "domain": [(lbl, lbl) for lbl in sorted({network.nodes[n]["label"] for n in _nodes_of_type(network, ["Domain"])})],
        "agency": [(network.nodes[n]["label"], network.nodes[n]["label"])
                   for n in sorted(agencies, key=lambda n: (-load[n], network.nodes[n]["label"]))],
        "item": [(item_caption(network.nodes[n], width=18), n) for n in items],
    }


def responsibility_network(kg, *, domain: str | None = None, agency: str | None = None,
                           item: str | int | None = None, districts: bool = False) -> nx.DiGraph:
    """Items, their agencies and domains (and covered districts), filtered.

    Filters combine (AND): *domain* and *agency* are labels or aliases, *item*
    an item number, title or IRI. Each item has one ``lead`` edge to its lead
    agency and ``participate`` edges to the others. Raises :class:`ExportError`
    naming the known values when a filter matches nothing in the graph.
    """
    network = kg.network()
    items = set(_nodes_of_type(network, ["Item"]))
    if domain:
        node = _match(network, domain, ("Domain",), "domain", "domains")
        items &= {u for u, _, k in network.in_edges(node, keys=True) if k == "domain"}
    if agency:
        node = _match(network, agency, AGENCY_TYPES, "agency", "agencies")
        items &= {u for u, _, k in network.in_edges(node, keys=True) if k in ("responsibleAgency", "leadAgency")}
    if item not in (None, ""):
        items &= _match_items(network, item)

    view = nx.DiGraph(name="plankg responsibility network")

    def add(node: str) -> None:
        attrs = network.nodes[node]
        keep = {"label": attrs["label"], "type": attrs["type"]}
        if attrs["type"] == "Item":
            keep["itemNo"] = int(attrs.get("itemNo", 0))
        view.add_node(node, **keep)

    for node in sorted(items, key=lambda n: (network.nodes[n].get("itemNo", 0), n)):
        add(node)
        out = list(network.out_edges(node, keys=True))
        leads = {v for _, v, k in out if k == "leadAgency"}
        for _, target, key in out:
            if key == "leadAgency" or (key == "responsibleAgency" and target not in leads):
                relation = Relation.LEAD if key == "leadAgency" else Relation.PARTICIPATE
            elif key == "domain":
                relation = Relation.DOMAIN
            else:
                continue
            add(target)
            view.add_edge(node, target, relation=relation.value, label=relation.label)
    if districts:
        for group in [n for n, d in view.nodes(data=True) if d["type"] in AGENCY_TYPES]:
            for _, district, key in network.out_edges(group, keys=True):
                if key == "covers":
                    add(district)
                    view.add_edge(group, district, relation=Relation.COVERS.value, label=Relation.COVERS.label)
    return view


class AgencyLoad(NamedTuple):
    agency: str
    type: str
    led: int
    joined: int
    co_agencies: int
    degree: int
    betweenness: float


def agency_load(view: nx.DiGraph) -> list[AgencyLoad]:
    """Per agency of *view*: items led, items joined, co-agencies, degree, betweenness centrality.

    Sorted by items led, then items joined (busiest first).
    """
    undirected = view.to_undirected(as_view=True)
    betweenness = nx.betweenness_centrality(undirected) if len(view) > 2 else dict.fromkeys(view, 0.0)
    rows = []
    for node, attrs in view.nodes(data=True):
        if attrs["type"] not in AGENCY_TYPES:
            continue
        incoming = [(u, d["relation"]) for u, _, d in view.in_edges(node, data=True)]
        items = {u for u, _ in incoming}
        co = {v for u in items for _, v, d in view.out_edges(u, data=True)
              if v != node and d["relation"] in (Relation.LEAD, Relation.PARTICIPATE)}
        rows.append(AgencyLoad(
            attrs["label"], attrs["type"],
            sum(1 for _, r in incoming if r == Relation.LEAD),
            sum(1 for _, r in incoming if r == Relation.PARTICIPATE),
            len(co), undirected.degree(node), round(betweenness.get(node, 0.0), 4),
        ))
    return sorted(rows, key=lambda r: (-r.led, -r.joined, -r.degree, r.agency))


# --- writers: one pure function per format -----------------------------------


def to_graphml(view: nx.DiGraph) -> bytes:
    buffer = io.BytesIO()
    nx.write_graphml(view, buffer, encoding="utf-8", prettyprint=True)
    return buffer.getvalue()


def _rgb(hex_color: str) -> dict[str, int]:
    return {"r": int(hex_color[1:3], 16), "g": int(hex_color[3:5], 16), "b": int(hex_color[5:7], 16), "a": 1.0}


def to_gexf(view: nx.DiGraph) -> bytes:
    """GEXF 1.2 with Gephi ``viz`` colours and sizes by type and degree."""
    drawn = view.copy()
    for node, attrs in drawn.nodes(data=True):
        attrs["viz"] = {"color": _rgb(NODE_COLORS.get(attrs["type"], "#999999")),
                        "size": float(8 + 4 * view.degree(node))}
    for _, _, attrs in drawn.edges(data=True):
        attrs["weight"] = 3.0 if attrs["relation"] == Relation.LEAD else 1.0
    buffer = io.BytesIO()
    nx.write_gexf(drawn, buffer, encoding="utf-8", prettyprint=True, version="1.2draft")
    return buffer.getvalue()


def to_cytoscape_json(view: nx.DiGraph) -> bytes:
    data = nx.cytoscape_data(view, name="label")
    return json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")


def to_csv(view: nx.DiGraph) -> bytes:
    """The edge list: labels, types, relation and IRIs."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["source", "source_type", "relation", "target", "target_type", "source_iri", "target_iri"])
    for u, v, attrs in view.edges(data=True):
        writer.writerow([view.nodes[u]["label"], view.nodes[u]["type"], attrs["label"],
                         view.nodes[v]["label"], view.nodes[v]["type"], u, v])
    return out.getvalue().encode("utf-8")


_DOT_SHAPES = {"Agency": "box", "AgencyGroup": "box", "Item": "ellipse", "Domain": "hexagon", "District": "note"}
_DOT_EDGES = {
    Relation.LEAD: {"color": "#d62828", "penwidth": "2.6", "style": "solid"},
    Relation.PARTICIPATE: {"color": "#9a9a9a", "penwidth": "1.0", "style": "dashed"},
    Relation.DOMAIN: {"color": "#38a169", "penwidth": "1.2", "style": "solid", "arrowhead": "none"},
    Relation.COVERS: {"color": "#805ad5", "penwidth": "1.0", "style": "dotted"},
}


def wrap_label(text: str, width: int = 10) -> str:
    """*text* in lines of *width* characters (Chinese has no spaces to break at)."""
    return "\n".join(text[i:i + width] for i in range(0, len(text), width))


def to_dot(view: nx.DiGraph, *, layout: str = "neato") -> bytes:
    """Graphviz DOT with Chinese labels, Noto Sans CJK SC, lead edges red and thick."""
    import pydot

    dot = pydot.Dot("plankg", graph_type="digraph", layout=layout, mode="KK", overlap="false", splines="true",
                    sep="+6", fontname=CJK_FONT, bgcolor="white", charset="UTF-8")
    ids = {node: f"n{i}" for i, node in enumerate(view)}
    for node, attrs in view.nodes(data=True):
        label = item_caption(attrs) if attrs["type"] == "Item" else attrs["label"]
        dot.add_node(pydot.Node(
            ids[node], label=wrap_label(label), iri=node, type=attrs["type"], shape=_DOT_SHAPES.get(attrs["type"], "ellipse"),
            style="filled,rounded" if attrs["type"] in AGENCY_TYPES else "filled",
            fillcolor=NODE_COLORS.get(attrs["type"], "#cccccc") + "33", color=NODE_COLORS.get(attrs["type"], "#999999"),
            fontname=CJK_FONT, fontsize="11",
        ))
    for u, v, attrs in view.edges(data=True):
        dot.add_edge(pydot.Edge(ids[u], ids[v], relation=attrs["relation"], tooltip=attrs["label"],
                                **_DOT_EDGES[Relation(attrs["relation"])]))
    return dot.to_string().encode("utf-8")


def _graphviz(view: nx.DiGraph, output: str) -> bytes:
    if shutil.which("neato") is None:
        raise ExportError("Graphviz is not installed (the 'neato' program is missing): apt-get install graphviz")
    done = subprocess.run(["neato", f"-T{output}"], input=to_dot(view), capture_output=True, timeout=60, check=False)
    if done.returncode != 0:
        raise ExportError(f"Graphviz could not draw the network: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout


def layout_positions(view: nx.DiGraph) -> dict[str, tuple[float, float]]:
    """Graphviz neato positions (inches, y up) of *view*'s nodes; empty when Graphviz is missing.

    The same layout as the SVG and PNG files, so the interactive view matches them.
    """
    if shutil.which("neato") is None or len(view) == 0:
        return {}
    names = {f"n{i}": node for i, node in enumerate(view)}
    positions = {}
    for line in _graphviz(view, "plain").decode("utf-8").splitlines():
        parts = line.split(" ", 4)
        if parts[0] == "node" and parts[1] in names:
            positions[names[parts[1]]] = (float(parts[2]), float(parts[3]))
    return positions


def to_svg(view: nx.DiGraph) -> bytes:
    return _graphviz(view, "svg")


def to_png(view: nx.DiGraph) -> bytes:
    return _graphviz(view, "png:cairo")


def to_html(view: nx.DiGraph) -> bytes:
    """A self-contained interactive page (vis-network inlined, no network access)."""
    from .network_view import network_html

    return network_html(view, inline=True).encode("utf-8")


def available_formats() -> list[ExportFormat]:
    """Every format this machine can write (SVG and PNG need Graphviz).

    >>> ExportFormat.GRAPHML in available_formats()
    True
    """
    drawings = {ExportFormat.SVG, ExportFormat.PNG}
    has_graphviz = shutil.which("neato") is not None
    return [f for f in ExportFormat if has_graphviz or f not in drawings]


_WRITERS: dict[ExportFormat, Callable[[nx.DiGraph], bytes]] = {
    ExportFormat.GRAPHML: to_graphml,
    ExportFormat.GEXF: to_gexf,
    ExportFormat.CYJS: to_cytoscape_json,
    ExportFormat.DOT: to_dot,
    ExportFormat.SVG: to_svg,
    ExportFormat.PNG: to_png,
    ExportFormat.HTML: to_html,
    ExportFormat.CSV: to_csv,
}


def export_bytes(view: nx.DiGraph, fmt: ExportFormat | str) -> bytes:
    """*view* as the bytes of a file in *fmt*."""
    return _WRITERS[ExportFormat(fmt)](view)


def write_network(kg, fmt: ExportFormat | str, path: str | Path | None = None, **filters) -> Path:
    """Write the filtered responsibility network of *kg* to *path* atomically; return the path.

    *path* defaults to ``plankg-network.<format>`` in the current folder.
    """
    fmt = ExportFormat(fmt)
    path = Path(path) if path is not None else Path(fmt.filename)
    atomic_write(path, export_bytes(responsibility_network(kg, **filters), fmt))
    return path
