"""Every SPARQL query the QA layer runs: one template per intent, composable filters.

Values are inserted as IRIs taken from the graph, dates and numbers, never as
raw user text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

__all__ = [
    "ENTITIES",
    "ITEMS",
    "ITEM_PASSAGES",
    "agency_ranking",
    "co_agencies",
    "count_items",
    "item_agencies",
    "item_tasks",
    "items_by_agencies",
    "items_mentioning",
    "items_where",
    "milestones_where",
    "targets_of_items",
]

ENTITIES = """SELECT ?e ?kind ?label ?alt WHERE {
  VALUES ?t { pk:Agency pk:AgencyGroup pk:Domain pk:Place pk:PolicyDocument pk:District }
  ?e a ?t ; rdfs:label ?label .
  BIND(STRAFTER(STR(?t), "#") AS ?kind)
  OPTIONAL { ?e skos:altLabel ?alt }
} ORDER BY ?e ?alt"""

ITEMS = """SELECT ?item ?plan ?planTitle ?city ?year ?no ?title ?domain ?continued WHERE {
  ?plan pk:item ?item ; rdfs:label ?planTitle .
  OPTIONAL { ?plan pk:city ?city } OPTIONAL { ?plan pk:year ?year }
  ?item pk:itemNo ?no ; rdfs:label ?title ; pk:domain/rdfs:label ?domain .
  OPTIONAL { ?item pk:continued ?continued }
} ORDER BY ?plan ?no"""

ITEM_PASSAGES = """SELECT ?item ?kind ?text WHERE {
  { ?item pk:task/pk:text ?text . BIND("task" AS ?kind) }
  UNION
  { ?item pk:milestone ?m . ?m pk:text ?t ; pk:deadlineText ?d .
    BIND(CONCAT(?d, "，", ?t) AS ?text) BIND("milestone" AS ?kind) }
} ORDER BY ?item ?kind ?text"""


def iri(value: str) -> str:
    return f"<{value}>"


def _values(var: str, iris: Iterable[str]) -> str:
    return f"VALUES ?{var} {{ {' '.join(iri(i) for i in iris)} }}"


_ITEM_COLUMNS = "?item ?no ?title ?plan"
_ITEM_BODY = "?item a pk:Item ; pk:itemNo ?no ; rdfs:label ?title ; pk:plan ?plan ."


def items_where(*patterns: str, order: str = "?plan ?no") -> str:
    """Items matching extra graph patterns (each a SPARQL group fragment)."""
    # The selective patterns first: Oxigraph mostly joins in the order written (bench/scale.py).
    body = "\n  ".join([*patterns, _ITEM_BODY])
    return f"SELECT DISTINCT {_ITEM_COLUMNS} WHERE {{\n  {body}\n}} ORDER BY {order}"


def role_property(lead: bool) -> str:
    return "pk:leadAgency" if lead else "pk:responsibleAgency"


def agency_match(iris: Sequence[str], prop: str, var: str = "agency") -> str:
    """``?item`` linked by *prop* to any of *iris* (one agency name, possibly in several cities)."""
    if len(iris) == 1:
        return f"?item {prop} {iri(iris[0])} ."
    return f"{_values(var, iris)} ?item {prop} ?{var} ."


def items_by_agencies(groups: Sequence[Sequence[str]], *, lead: bool = False, mode: str = "all") -> str:
    """Items where all / any / none of the named agencies lead or take part.

    Each group holds the IRIs one name stands for (the same agency name in several cities).

    >>> "FILTER NOT EXISTS" in items_by_agencies([["http://e/a"]], mode="none")
    True
    """
    prop = role_property(lead)
    every = [i for group in groups for i in group]
    if mode == "any":
        return items_where(agency_match(every, prop))
    if mode == "none":
        return items_where(f"FILTER NOT EXISTS {{ {agency_match(every, prop)} }}")
    return items_where(*(agency_match(group, prop, f"agency{n}") for n, group in enumerate(groups)))


def count_items(*patterns: str) -> str:
    body = "\n  ".join([*patterns, _ITEM_BODY])
    return f"SELECT (COUNT(DISTINCT ?item) AS ?count) WHERE {{\n  {body}\n}}"


def count_parts(path: str, *patterns: str) -> str:
    """How many milestones, tasks or targets (*path* from ``?item``) the matching items have."""
    body = "\n  ".join([*patterns, "?item a pk:Item .", f"?item {path} ?part ."])
    return f"SELECT (COUNT(DISTINCT ?part) AS ?count) WHERE {{\n  {body}\n}}"


def item_agencies(items: Sequence[str], *, lead_only: bool = False) -> str:
    """Responsible agencies of items, the lead flagged, leads first."""
    prop = "pk:leadAgency" if lead_only else "pk:responsibleAgency"
    return f"""SELECT ?item ?agency ?label ?lead WHERE {{
  {_values("item", items)}
  ?item {prop} ?agency . ?agency rdfs:label ?label .
  BIND(EXISTS {{ ?item pk:leadAgency ?agency }} AS ?lead)
}} ORDER BY ?item DESC(?lead) ?label"""


def co_agencies(agency: Sequence[str], items: Sequence[str] | None = None) -> str:
    """Agencies sharing items with *agency* (its IRIs; optionally only on *items*), with shared counts."""
    scope = _values("item", items) if items else ""
    excluded = ", ".join(iri(a) for a in agency)
    return f"""SELECT ?label (COUNT(DISTINCT ?item) AS ?shared) (GROUP_CONCAT(DISTINCT STR(?no); separator=",") AS ?nos) WHERE {{
  {scope}
  {_values("self", agency)}
  ?item pk:responsibleAgency ?self , ?other ; pk:itemNo ?no .
  ?other rdfs:label ?label .
  FILTER(?other NOT IN ({excluded}))
}} GROUP BY ?label ORDER BY DESC(?shared) ?label"""


def agency_ranking(*, lead: bool, items: Sequence[str] | None = None) -> str:
    prop = role_property(lead)
    scope = _values("item", items) if items else ""
    return f"""SELECT ?agency ?label (COUNT(DISTINCT ?item) AS ?count) WHERE {{
  {scope}
  ?item a pk:Item ; {prop} ?agency . ?agency rdfs:label ?label .
}} GROUP BY ?agency ?label ORDER BY DESC(?count) ?label"""


def milestones_where(*, items: Sequence[str] | None = None, after: dt.date | None = None,
                     until: dt.date | None = None, agency: Sequence[str] | None = None,
                     lead: bool = False) -> str:
    """Milestones (with their item) due in (after, until], optionally of items or an agency."""
    patterns = []
    if items:
        patterns.append(_values("item", items))
    if agency:
        patterns.append(agency_match(agency, role_property(lead)))
    if after:
        patterns.append(f'FILTER(?deadline > "{after.isoformat()}"^^xsd:date)')
    if until:
        patterns.append(f'FILTER(?deadline <= "{until.isoformat()}"^^xsd:date)')
    body = "\n  ".join(patterns)
    return f"""SELECT ?item ?no ?title ?milestone ?deadline ?deadlineText ?text WHERE {{
  ?item pk:itemNo ?no ; rdfs:label ?title ; pk:milestone ?milestone .
  ?milestone pk:deadline ?deadline ; pk:deadlineText ?deadlineText ; pk:text ?text .
  {body}
}} ORDER BY ?deadline ?no ?milestone"""


DEADLINE_RANGE = "SELECT (MIN(?d) AS ?first) (MAX(?d) AS ?last) WHERE { ?m pk:deadline ?d }"


def targets_of_items(items: Sequence[str]) -> str:
    """Targets stated in the items' milestones and tasks, with their deadline (if any)."""
    return f"""SELECT ?item ?no ?owner ?deadline ?deadlineText ?metric ?value ?unit ?quantity ?cumulative ?text WHERE {{
  {_values("item", items)}
  ?item pk:itemNo ?no .
  {{ ?item pk:milestone ?owner . ?owner pk:deadline ?deadline ; pk:deadlineText ?deadlineText . }}
  UNION {{ ?item pk:task ?owner . }}
  ?owner pk:target ?target .
  ?target pk:metric ?metric ; pk:value ?value ; pk:unit ?unit ; pk:valueText ?quantity ;
          pk:cumulative ?cumulative ; pk:text ?text .
}} ORDER BY ?no ?deadline ?owner ?target"""


def item_tasks(items: Sequence[str]) -> str:
    return f"""SELECT ?item ?no ?seq ?text WHERE {{
  {_values("item", items)}
  ?item pk:itemNo ?no ; pk:task ?task . ?task pk:seq ?seq ; pk:text ?text .
}} ORDER BY ?no ?seq ?item"""


def item_domains(items: Sequence[str]) -> str:
    return f"""SELECT ?item ?no ?title ?domain WHERE {{
  {_values("item", items)}
  ?item pk:itemNo ?no ; rdfs:label ?title ; pk:domain/rdfs:label ?domain .
}} ORDER BY ?no ?item"""


def item_ranking_by_agencies() -> str:
    """Items by how many agencies share them, most first."""
    return """SELECT ?item ?no ?title (COUNT(DISTINCT ?agency) AS ?count) WHERE {
  ?item a pk:Item ; pk:itemNo ?no ; rdfs:label ?title ; pk:responsibleAgency ?agency .
} GROUP BY ?item ?no ?title ORDER BY DESC(?count) ?no"""


def item_overview(items: Sequence[str]) -> str:
    """Title, domain, continued flag and agencies of items."""
    return f"""SELECT ?item ?no ?title ?domain ?continued ?agency ?lead (COUNT(DISTINCT ?m) AS ?milestones) WHERE {{
  {_values("item", items)}
  ?item pk:itemNo ?no ; rdfs:label ?title ; pk:domain/rdfs:label ?domain ; pk:continued ?continued ;
        pk:responsibleAgency ?a . ?a rdfs:label ?agency .
  BIND(EXISTS {{ ?item pk:leadAgency ?a }} AS ?lead)
  OPTIONAL {{ ?item pk:milestone ?m }}
}} GROUP BY ?item ?no ?title ?domain ?continued ?agency ?lead ORDER BY ?no DESC(?lead) ?agency"""


def mentioned_by_items(kind: str, items: Sequence[str] | None = None) -> str:
    """Places or policy documents (*kind*) named by items, with the items naming them."""
    scope = _values("item", items) if items else ""
    return f"""SELECT ?entity ?label (GROUP_CONCAT(DISTINCT STR(?no); separator="、") AS ?nos) WHERE {{
  {scope}
  ?item pk:itemNo ?no ; pk:mentions ?entity . ?entity a pk:{kind} ; rdfs:label ?label .
}} GROUP BY ?entity ?label ORDER BY ?label"""


def all_leads() -> str:
    """Every item with its lead agencies."""
    return """SELECT ?item ?no ?title (GROUP_CONCAT(DISTINCT ?lead; separator="、") AS ?leads) WHERE {
  ?item a pk:Item ; pk:itemNo ?no ; rdfs:label ?title ; pk:leadAgency/rdfs:label ?lead .
} GROUP BY ?item ?no ?title ORDER BY ?item"""


def items_mentioning(entities: Sequence[str]) -> str:
    return items_where(_values("entity", entities), "?item pk:mentions ?entity .")


def items_of_domain(domain: str) -> str:
    return items_where(f"?item pk:domain {iri(domain)} .")


def items_in_district(district: str) -> str:
    return items_where(f"?item pk:responsibleAgency ?agency . ?agency pk:covers {iri(district)} .")


def continued_items(continued: bool = True) -> str:
    return items_where(f"?item pk:continued {'true' if continued else 'false'} .")


def all_items() -> str:
    return items_where()
