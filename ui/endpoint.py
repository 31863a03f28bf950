"""A standard SPARQL 1.1 Protocol endpoint over any plankg store, as an ASGI app.

:func:`sparql_asgi` serves queries at its root path, so it can run alone
(``plankg endpoint``) or be mounted in another app (the Gradio app mounts it at
``/sparql/``). Any SPARQL client works: YASGUI, SPARQLWrapper, ``curl``::

    curl -H 'Accept: text/csv' --data-urlencode 'query=SELECT ?i ?t WHERE { ?i a pk:Item ; rdfs:label ?t }' \\
         http://127.0.0.1:7878/

- queries by GET (``?query=``) and POST (``application/sparql-query`` or a
  ``application/x-www-form-urlencoded`` form); plankg's prefixes (``pk:``,
  ``rdfs:`` …) are predeclared;
- results by content negotiation, or ``?format=`` (json, xml, csv, tsv, turtle,
  json-ld, n-triples, rdf+xml or a media type): SELECT/ASK as SPARQL JSON,
  XML, CSV or TSV; CONSTRUCT/DESCRIBE as Turtle, JSON-LD, N-Triples or RDF/XML;
- read-only unless ``allow_update``: an update gets 403;
- a syntax error gets 400 with the parser's message and position; more than
  ``max_rows`` results gets 422; a query running past ``timeout_s`` gets 503
  (Oxigraph cannot cancel a query, so a running one finishes in the background;
  at most ``max_concurrent`` run at once); CORS is open to every origin.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qs
from xml.sax.saxutils import escape, quoteattr

import anyio
import pyoxigraph as ox
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from graph.store import EmbeddedStore, SparqlError, SparqlSyntaxError, Store
from ontology import PREFIXES

__all__ = ["EndpointError", "sparql_asgi"]

_XSD = "http://www.w3.org/2001/XMLSchema#"
_XSD_STRING = _XSD + "string"
_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

# Media types offered, first = default, with the names a ?format= parameter may use.
_RESULTS = {
    "application/sparql-results+json": ("json", "srj", "application/json"),
    "application/sparql-results+xml": ("xml", "srx", "application/xml", "text/xml"),
    "text/csv": ("csv",),
    "text/tab-separated-values": ("tsv",),
}
_GRAPHS = {
    "text/turtle": ("turtle", "ttl", "n3", "text/n3", "application/turtle", "text/rdf+n3"),
    "application/ld+json": ("json-ld", "jsonld", "json", "application/json"),
    "application/n-triples": ("n-triples", "ntriples", "nt", "text/plain"),
    "application/rdf+xml": ("rdf+xml", "rdfxml", "xml", "application/xml", "text/xml"),
}
_RDF_FORMATS = {"text/turtle": ox.RdfFormat.TURTLE, "application/ld+json": ox.RdfFormat.JSON_LD,
                "application/n-triples": ox.RdfFormat.N_TRIPLES, "application/rdf+xml": ox.RdfFormat.RDF_XML}

_HELP = """plankg SPARQL endpoint (SPARQL 1.1 Protocol)

Query:   GET ?query=…   or POST with Content-Type application/sparql-query
         or application/x-www-form-urlencoded (query=…)
Results: SELECT/ASK as application/sparql-results+json (default), +xml, text/csv,
         text/tab-separated-values; CONSTRUCT/DESCRIBE as text/turtle (default),
         application/ld+json, application/n-triples, application/rdf+xml.
         Choose by the Accept header or ?format=json|xml|csv|tsv|turtle|json-ld.
Prefixes predeclared: {prefixes}
Limits:  {max_rows} result rows, {timeout_s:g} s per query; updates {updates}.
"""


class EndpointError(Exception):
    """A request the endpoint refuses; ``status`` is the HTTP status it answers with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class _Outcome:
    """A query's answer as RDF terms: solutions, a boolean or triples."""

    kind: str  # select, ask, graph
    variables: tuple[str, ...] = ()
    rows: Sequence[tuple] = ()
    boolean: bool = False


def sparql_asgi(get_store: Callable[[], Store], *, allow_update: bool = False, timeout_s: float = 10.0,
                max_rows: int = 10_000, max_concurrent: int = 4,
                cors_origins: Sequence[str] = ("*",)) -> Starlette:
    """An ASGI app serving the SPARQL 1.1 Protocol over ``get_store()`` at every path.

    *get_store* is called for each request, so the app can swap the graph it serves.
    """
    limiter = anyio.CapacityLimiter(max_concurrent)
    help_text = _HELP.format(prefixes=" ".join(f"{p}:" for p in PREFIXES), max_rows=f"{max_rows:,}",
                             timeout_s=timeout_s, updates="allowed" if allow_update else "refused (read-only)")

    async def endpoint(request: Request) -> Response:
        try:
            operation, text = await _read_request(request)
            if operation is None:
                return PlainTextResponse(help_text)
            store = get_store()
            if operation == "update":
                if not allow_update:
                    raise EndpointError(403, "updates are refused: this endpoint is read-only "
                                             "(start it with --allow-update to change the graph)")
                await _in_thread(limiter, timeout_s, lambda: _update(store, text))
                return Response(status_code=204)
            accept = _format_choice(request)
            limits = _Limits(time.monotonic() + timeout_s, timeout_s, max_rows)
            body, media = await _in_thread(limiter, timeout_s, lambda: _render(_run(store, text, limits), accept))
            return Response(body, media_type=media, headers={"Vary": "Accept"})
        except EndpointError as error:
            return PlainTextResponse(f"{error}\n", status_code=error.status)

    return Starlette(
        routes=[Route("/{path:path}", endpoint, methods=["GET", "POST"])],
        middleware=[Middleware(CORSMiddleware, allow_origins=list(cors_origins), allow_methods=["GET", "POST"],
                               allow_headers=["Accept", "Content-Type", "Authorization"], max_age=3600)],
    )


# ---------------------------------------------------------------------- request
async def _read_request(request: Request) -> tuple[str | None, str]:
    """("query" or "update" or None for the help page, the operation text)."""
    fields = {k: v for k, v in parse_qs(request.url.query, keep_blank_values=True).items()}
    if request.method == "POST":
        media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        body = (await request.body()).decode("utf-8", errors="replace")
        if media == "application/sparql-query":
            fields["query"] = [body]
        elif media == "application/sparql-update":
            fields["update"] = [body]
        elif media == "application/x-www-form-urlencoded":
            for key, values in parse_qs(body, keep_blank_values=True).items():
                fields.setdefault(key, []).extend(values)
        else:
            raise EndpointError(415, f"unsupported Content-Type {media or '(none)'!r}: POST a query as "
                                     "application/sparql-query or application/x-www-form-urlencoded")
    if "default-graph-uri" in fields or "named-graph-uri" in fields or "using-graph-uri" in fields:
        raise EndpointError(400, "default-graph-uri and named-graph-uri are not supported: "
                                 "the endpoint serves one graph; use GRAPH or FROM in the query")
    queries, updates = fields.get("query", []), fields.get("update", [])
    if len(queries) + len(updates) > 1:
        raise EndpointError(400, "give exactly one query or one update per request")
    if updates:
        if request.method != "POST":
            raise EndpointError(405, "an update must be sent by POST (SPARQL 1.1 Protocol)")
        return "update", updates[0]
    if queries:
        if not queries[0].strip():
            raise EndpointError(400, "the query is empty")
        return "query", queries[0]
    if request.method == "POST":
        raise EndpointError(400, "no query: send query=… or a body of type application/sparql-query")
    return None, ""


def _format_choice(request: Request) -> list[str]:
    """Media types the client accepts, best first; a ?format= (or ?output=) wins."""
    params = request.query_params
    for key in ("format", "output"):
        for value in params.getlist(key):
            if value.strip():
                return [value.strip().lower()]
    return _parse_accept(request.headers.get("accept", "*/*"))


def _parse_accept(header: str) -> list[str]:
    """Media ranges of an Accept header by quality, ties in the client's order.

    >>> _parse_accept("text/csv;q=0.5, application/sparql-results+json, */*;q=0.1")
    ['application/sparql-results+json', 'text/csv', '*/*']
    """
    ranges = []
    for index, part in enumerate(header.split(",")):
        media, *params = (p.strip() for p in part.split(";"))
        quality = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    quality = float(param[2:])
                except ValueError:
                    quality = 0.0
        if media and quality > 0:
            ranges.append((-quality, index, media.lower()))
    return [media for _, _, media in sorted(ranges)] or ["*/*"]


def _negotiate(kind: str, accepted: list[str]) -> str:
    offers = _GRAPHS if kind == "graph" else _RESULTS
    for wanted in accepted:
        for media, names in offers.items():
            if wanted in (media, *names):
                return media
        if wanted in ("*/*", "*"):
            return next(iter(offers))
        if wanted.endswith("/*"):
            for media in offers:
                if media.startswith(wanted[:-1]):
                    return media
    names = ", ".join(offers)
    raise EndpointError(406, f"cannot answer a {'CONSTRUCT/DESCRIBE' if kind == 'graph' else 'SELECT/ASK'} "
                             f"query as {', '.join(accepted)}; available: {names}")


# ---------------------------------------------------------------------- execution
@dataclass(frozen=True)
class _Limits:
    deadline: float  # time.monotonic() at which a query is stopped
    timeout_s: float
    max_rows: int


def _too_slow(timeout_s: float) -> EndpointError:
    return EndpointError(503, f"the query ran longer than this endpoint's time limit of {timeout_s:g} s; "
                              "narrow it down (more specific patterns, LIMIT)")


def _too_many(max_rows: int) -> EndpointError:
    return EndpointError(422, f"the result has more than {max_rows:,} rows, this endpoint's limit; "
                              "add LIMIT and OFFSET to page through it, or aggregate with COUNT/GROUP BY")


async def _in_thread(limiter: anyio.CapacityLimiter, timeout_s: float, work: Callable):
    """Run *work* on a worker thread; answer 503 when it outlives *timeout_s*.

    A query that outlives it keeps its worker until it stops by itself (solutions
    are checked against the deadline as they stream), so *limiter* bounds how many
    run at once.
    """
    try:
        with anyio.fail_after(timeout_s + 0.5):  # the worker's own deadline check usually answers first
            return await anyio.to_thread.run_sync(work, limiter=limiter, abandon_on_cancel=True)
    except TimeoutError:
        raise _too_slow(timeout_s) from None


def _update(store: Store, text: str) -> None:
    try:
        store.update(text)
    except SparqlSyntaxError as error:
        raise EndpointError(400, f"SPARQL syntax error: {error}") from None
    except SparqlError as error:
        raise EndpointError(500, f"the update failed: {error}") from None


def _run(store: Store, text: str, limits: _Limits) -> _Outcome:
    """Run a query, stopping at the deadline or past *max_rows* results.

    pyoxigraph's lazy solutions must be dropped on the thread that made them, so
    no exception leaving this function may still hold their frame: failures are
    re-raised outside the ``except`` block, without a context.
    """
    failure: tuple[int, str] | None = None
    try:
        if isinstance(store, EmbeddedStore):
            return _collect(store.raw_query(text), limits)
        return _from_values(store.query(text), limits.max_rows)
    except EndpointError as error:
        failure = (error.status, str(error))
    except SparqlSyntaxError as error:
        failure = (400, f"SPARQL syntax error: {error}")
    except SparqlError as error:
        failure = (500, f"the query failed: {error}")
    raise EndpointError(*failure)


def _collect(result, limits: _Limits) -> _Outcome:
    if isinstance(result, (bool, ox.QueryBoolean)):
        return _Outcome("ask", boolean=bool(result))
    rows: list[tuple] = []
    if isinstance(result, ox.QuerySolutions):
        variables = tuple(v.value for v in result.variables)
        for solution in result:
            rows.append(tuple(solution[v] for v in variables))
            _check(rows, limits)
        return _Outcome("select", variables, rows)
    for triple in result:
        rows.append((triple.subject, triple.predicate, triple.object))
        _check(rows, limits)
    return _Outcome("graph", ("subject", "predicate", "object"), rows)


def _check(rows: list, limits: _Limits) -> None:
    if len(rows) > limits.max_rows:
        raise _too_many(limits.max_rows)
    if len(rows) % 256 == 0 and time.monotonic() > limits.deadline:
        raise _too_slow(limits.timeout_s)


def _from_values(result, max_rows: int) -> _Outcome:
    """Terms for a store that answers with Python values (a remote store, say)."""
    if result.kind == "ask":
        return _Outcome("ask", boolean=bool(result.boolean))
    if len(result.rows) > max_rows:
        raise _too_many(max_rows)
    if result.kind == "graph":
        triples = [(q.subject, q.predicate, q.object) for q in ox.parse(result.graph_nt.encode(),
                                                                        ox.RdfFormat.N_TRIPLES)]
        return _Outcome("graph", result.variables, triples)
    return _Outcome("select", result.variables, [tuple(map(_term, row)) for row in result.rows])


def _term(value):
    """An RDF term for a Python value from :class:`~graph.store.QueryResult`."""
    if value is None:
        return None
    if isinstance(value, str):
        return ox.NamedNode(value) if value.startswith(("http://", "https://", "urn:")) else ox.Literal(value)
    if isinstance(value, bool):
        return ox.Literal("true" if value else "false", datatype=ox.NamedNode(_XSD + "boolean"))
    if isinstance(value, int):
        return ox.Literal(str(value), datatype=ox.NamedNode(_XSD + "integer"))
    if isinstance(value, float):
        return ox.Literal(repr(value), datatype=ox.NamedNode(_XSD + "decimal"))
    if isinstance(value, dt.date):
        return ox.Literal(value.isoformat(), datatype=ox.NamedNode(_XSD + "date"))
    return ox.Literal(str(value))


# ---------------------------------------------------------------------- serialisers
def _render(outcome: _Outcome, accepted: list[str]) -> tuple[bytes, str]:
    media = _negotiate(outcome.kind, accepted)
    if outcome.kind == "graph":
        triples = [ox.Triple(*row) for row in outcome.rows]
        body = ox.serialize(triples, format=_RDF_FORMATS[media], prefixes=PREFIXES)
    else:
        body = _WRITERS[media](outcome)
    charset = "" if media in ("application/sparql-results+json", "application/ld+json") else "; charset=utf-8"
    return body, media + charset


def _json_term(term) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Triple):
        return {"type": "triple", "value": {"subject": _json_term(term.subject),
                                            "predicate": _json_term(term.predicate),
                                            "object": _json_term(term.object)}}
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value != _XSD_STRING:
        out["datatype"] = term.datatype.value
    return out


def _write_json(outcome: _Outcome) -> bytes:
    if outcome.kind == "ask":
        return json.dumps({"head": {}, "boolean": outcome.boolean}).encode()
    bindings = [{var: _json_term(term) for var, term in zip(outcome.variables, row, strict=True) if term is not None}
                for row in outcome.rows]
    return json.dumps({"head": {"vars": list(outcome.variables)}, "results": {"bindings": bindings}},
                      ensure_ascii=False).encode()


def _xml_term(term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Triple):
        return (f"<triple><subject>{_xml_term(term.subject)}</subject><predicate>{_xml_term(term.predicate)}"
                f"</predicate><object>{_xml_term(term.object)}</object></triple>")
    if term.language:
        return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
    if term.datatype.value != _XSD_STRING:
        return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
    return f"<literal>{escape(term.value)}</literal>"


def _write_xml(outcome: _Outcome) -> bytes:
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">']
    if outcome.kind == "ask":
        parts.append(f"<head/><boolean>{'true' if outcome.boolean else 'false'}</boolean>")
    else:
        parts.append("<head>" + "".join(f"<variable name={quoteattr(v)}/>" for v in outcome.variables) + "</head>")
        parts.append("<results>")
        for row in outcome.rows:
            bound = "".join(f"<binding name={quoteattr(var)}>{_xml_term(term)}</binding>"
                            for var, term in zip(outcome.variables, row, strict=True) if term is not None)
            parts.append(f"<result>{bound}</result>")
        parts.append("</results>")
    parts.append("</sparql>\n")
    return "\n".join(parts).encode()


def _csv_cell(term) -> str:
    if term is None:
        return ""
    text = f"_:{term.value}" if isinstance(term, ox.BlankNode) else str(term) if isinstance(term, ox.Triple) \
        else term.value
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _write_csv(outcome: _Outcome) -> bytes:
    """SPARQL 1.1 CSV: plain values, CRLF line ends."""
    if outcome.kind == "ask":
        return f"boolean\r\n{'true' if outcome.boolean else 'false'}\r\n".encode()
    lines = [",".join(outcome.variables)]
    lines += [",".join(_csv_cell(term) for term in row) for row in outcome.rows]
    return ("\r\n".join(lines) + "\r\n").encode()


def _write_tsv(outcome: _Outcome) -> bytes:
    """SPARQL 1.1 TSV: terms in Turtle/N-Triples syntax, ``?var`` header."""
    if outcome.kind == "ask":
        return f"?boolean\n{'true' if outcome.boolean else 'false'}\n".encode()
    lines = ["\t".join(f"?{v}" for v in outcome.variables)]
    lines += ["\t".join("" if term is None else str(term).replace("\t", "\\t") for term in row)
              for row in outcome.rows]
    return ("\n".join(lines) + "\n").encode()


_WRITERS: dict[str, Callable[[_Outcome], bytes]] = {
    "application/sparql-results+json": _write_json,
    "application/sparql-results+xml": _write_xml,
    "text/csv": _write_csv,
    "text/tab-separated-values": _write_tsv,
}


def serve(get_store: Callable[[], Store], *, host: str = "127.0.0.1", port: int = 7878,
          allow_update: bool = False, timeout_s: float = 10.0, max_rows: int = 10_000) -> None:
    """Run :func:`sparql_asgi` with uvicorn until interrupted (``plankg endpoint``)."""
    import uvicorn

    app = sparql_asgi(get_store, allow_update=allow_update, timeout_s=timeout_s, max_rows=max_rows)
    uvicorn.run(app, host=host, port=port, log_level="info")
