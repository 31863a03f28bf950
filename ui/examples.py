"""Example questions and SPARQL queries the app offers (plain data, no logic)."""

from __future__ import annotations

__all__ = ["EXAMPLE_QUERIES", "EXAMPLE_QUESTIONS", "QUERY_HEADER"]

EXAMPLE_QUESTIONS: tuple[str, ...] = (
    "市公安局牵头哪些事项",
    "那市交通运输局呢？",
    "6月底前违建要累计拆除多少",
    "噪声扰民领域有哪些事项",
    "僵尸车怎么处理",
    "电动自行车充电位年底前要新增多少",
    "哪个单位牵头的事项最多",
)

QUERY_HEADER = """PREFIX pk: <https://w3id.org/plankg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>

"""

#: Caption → query body (the app puts :data:`QUERY_HEADER` in front).
EXAMPLE_QUERIES: dict[str, str] = {
    "各牵头单位的事项": """SELECT ?lead ?no ?item WHERE {
  ?i a pk:Item ; pk:itemNo ?no ; rdfs:label ?item ;
     pk:leadAgency/rdfs:label ?lead .
}
ORDER BY ?lead ?no""",
    "某日期前到期的进度节点": """SELECT ?no ?item ?deadlineText ?text WHERE {
  ?i pk:itemNo ?no ; rdfs:label ?item ; pk:milestone ?m .
  ?m pk:deadline ?deadline ; pk:deadlineText ?deadlineText ; pk:text ?text .
  FILTER(?deadline <= "2023-06-30"^^xsd:date)
}
ORDER BY ?deadline ?no""",
    "按指标查量化目标（充电位）": """SELECT ?no ?deadlineText ?metric ?valueText ?value ?unit WHERE {
  ?i pk:itemNo ?no ; pk:milestone ?m .
  ?m pk:deadline ?deadline ; pk:deadlineText ?deadlineText ; pk:target ?t .
  ?t pk:metric ?metric ; pk:valueText ?valueText ; pk:value ?value .
  OPTIONAL { ?t pk:unit ?unit }
  FILTER(CONTAINS(?metric, "充电位"))
}
ORDER BY ?no ?deadline""",
    "各领域的责任单位": """SELECT ?domain (COUNT(DISTINCT ?i) AS ?items)
       (GROUP_CONCAT(DISTINCT ?agency; separator="、") AS ?agencies) WHERE {
  ?i a pk:Item ; pk:domain/rdfs:label ?domain ;
     pk:responsibleAgency/rdfs:label ?agency .
}
GROUP BY ?domain
ORDER BY DESC(?items) ?domain""",
    "各单位牵头与参与事项数": """SELECT ?agency (COUNT(DISTINCT ?led) AS ?lead) (COUNT(DISTINCT ?i) AS ?all) WHERE {
  ?i a pk:Item ; pk:responsibleAgency ?a .
  ?a rdfs:label ?agency .
  OPTIONAL { ?led pk:leadAgency ?a . FILTER(?led = ?i) }
}
GROUP BY ?agency
ORDER BY DESC(?lead) DESC(?all) ?agency""",
}
