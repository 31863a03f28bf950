"""A store on an external SPARQL server (Oxigraph server, Apache Jena Fuseki, …).

:class:`RemoteStore` speaks the SPARQL 1.1 Protocol (queries and updates) and
the Graph Store Protocol (loading and replacing the default graph), and answers
with the same :class:`~graph.store.QueryResult` values as the embedded store, so
the QA layer, the CLI and the app work unchanged on it.

Pointing plankg at a server
---------------------------

Oxigraph server (``pip install oxigraph``; the base URL is enough)::

    oxigraph serve --location /var/lib/plankg --bind 127.0.0.1:7878
    plankg info --store http://127.0.0.1:7878 --graph data/2023_qingdao_minsheng_plan.txt
    plankg ask "市公安局牵头哪些事项" --store http://127.0.0.1:7878

Apache Jena Fuseki (give the dataset URL; /sparql, /update and /data are derived)::

    fuseki-server --update --mem /plankg          # or a TDB2 dataset: --tdb2 --loc DB /plankg
    plankg info --store http://localhost:3030/plankg --graph data/2023_qingdao_minsheng_plan.txt

Passing ``--graph`` replaces the server's default graph with those plans (HTTP
PUT ``…?default``); without it plankg queries whatever the server holds. Other
servers: give the three URLs, ``RemoteStore(query_url=…, update_url=…, store_url=…)``.
The store is also chosen with ``PLANKG_STORE=http://…``.

>>> RemoteStore("http://localhost:3030/plankg").endpoints
Endpoints(query='http://localhost:3030/plankg/sparql', update='http://localhost:3030/plankg/update', store='http://localhost:3030/plankg/data')
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

import httpx
import pyoxigraph as ox

from .store import (
    QueryResult,
    SparqlError,
    SparqlSyntaxError,
    from_oxigraph_result,
    shift_position,
    with_prefixes,
)

__all__ = ["Endpoints", "RemoteStore", "ServerLayout", "StoreUnavailableError"]

_ACCEPT = ("application/sparql-results+json, application/sparql-results+xml;q=0.9, "
           "application/n-triples;q=0.9, text/turtle;q=0.8")
_RESULT_FORMATS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "application/xml": ox.QueryResultsFormat.XML,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
_LOAD_TIMEOUT_S = 600.0


class StoreUnavailableError(ConnectionError):
    """The SPARQL server cannot be reached or does not answer as a SPARQL server."""


class ServerLayout(StrEnum):
    """How a server names its query, update and graph store endpoints under a base URL."""

    OXIGRAPH = "oxigraph"  # BASE/query, BASE/update, BASE/store
    FUSEKI = "fuseki"  # DATASET/sparql, DATASET/update, DATASET/data


_PATHS = {ServerLayout.OXIGRAPH: ("query", "update", "store"),
          ServerLayout.FUSEKI: ("sparql", "update", "data")}


@dataclass(frozen=True)
class Endpoints:
    query: str
    update: str | None = None
    store: str | None = None

    @classmethod
    def from_url(cls, url: str, layout: ServerLayout | None = None) -> Endpoints:
        """The endpoints of a server from one URL.

        A URL ending in ``/query`` or ``/sparql`` is the query endpoint itself; a
        bare host is an Oxigraph server; a URL with a path is a Fuseki dataset.

        >>> Endpoints.from_url("http://127.0.0.1:7878")
        Endpoints(query='http://127.0.0.1:7878/query', update='http://127.0.0.1:7878/update', store='http://127.0.0.1:7878/store')
        >>> Endpoints.from_url("http://h:3030/ds/sparql").store
        'http://h:3030/ds/data'
        """
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"{url!r} is not an http(s) URL of a SPARQL server, e.g. http://127.0.0.1:7878")
        base = url.split("?", 1)[0].rstrip("/")
        last = base.rsplit("/", 1)[-1] if parts.path.strip("/") else ""
        if layout is None and last in ("query", "sparql"):
            layout = ServerLayout.OXIGRAPH if last == "query" else ServerLayout.FUSEKI
            base = base.rsplit("/", 1)[0]
        elif layout is None:
            layout = ServerLayout.FUSEKI if parts.path.strip("/") else ServerLayout.OXIGRAPH
        query, update, store = (f"{base}/{name}" for name in _PATHS[layout])
        return cls(query, update, store)


class RemoteStore:
    """A SPARQL 1.1 server as a :class:`~graph.store.Store`.

    Errors: :class:`StoreUnavailableError` (a :class:`ConnectionError`) when the
    server is down, too slow or not a SPARQL server; :class:`~graph.store.SparqlError`
    with the server's own message when it rejects a query or an update.
    """

    def __init__(self, url: str | None = None, *, query_url: str | None = None,
                 update_url: str | None = None, store_url: str | None = None,
                 layout: ServerLayout | None = None, timeout_s: float = 30.0,
                 auth: tuple[str, str] | None = None) -> None:
        if url is None and query_url is None:
            raise ValueError("give the server's URL, or query_url= (and update_url=, store_url=)")
        found = Endpoints.from_url(url, layout) if url else Endpoints(query_url or "")
        self.endpoints = Endpoints(query_url or found.query, update_url or found.update,
                                   store_url or found.store)
        self.timeout_s = timeout_s
        self._http = httpx.Client(timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 5.0)),
                                  auth=auth, headers={"User-Agent": "plankg"})

    def __repr__(self) -> str:
        return f"RemoteStore({self.endpoints.query!r})"

    # ------------------------------------------------------------------ SPARQL protocol
    def query(self, sparql: str) -> QueryResult:
        response = self._send("POST", self.endpoints.query, "query", content=with_prefixes(sparql).encode(),
                              headers={"Content-Type": "application/sparql-query; charset=utf-8",
                                       "Accept": _ACCEPT})
        media = _media_type(response)
        if media in _RESULT_FORMATS:
            try:
                return from_oxigraph_result(ox.parse_query_results(response.content, _RESULT_FORMATS[media]))
            except SyntaxError as error:
                raise StoreUnavailableError(
                    f"{self.endpoints.query} sent unreadable {media} results: {error}") from None
        rdf_format = ox.RdfFormat.from_media_type(media) if media else None
        if rdf_format is None:
            raise StoreUnavailableError(
                f"{self.endpoints.query} answered with {media or 'no content type'}, not SPARQL results; "
                "is this the server's query endpoint?")
        triples = [quad.triple for quad in ox.parse(response.content, rdf_format)]
        return from_oxigraph_result(triples)

    def update(self, sparql: str) -> None:
        self._send("POST", self._need("update"), "update", content=with_prefixes(sparql).encode(),
                   headers={"Content-Type": "application/sparql-update; charset=utf-8"})

    # ------------------------------------------------------------------ graph store protocol
    def add(self, quads: Iterable[ox.Quad]) -> None:
        quads = list(quads)
        if all(isinstance(q.graph_name, ox.DefaultGraph) for q in quads):
            self.load(ox.serialize([q.triple for q in quads], format=ox.RdfFormat.N_TRIPLES),
                      format="application/n-triples")
        else:  # a dataset: Oxigraph and Fuseki accept quads POSTed to the store itself
            self._send("POST", self._need("store"), "load", content=ox.serialize(quads, format=ox.RdfFormat.N_QUADS),
                       headers={"Content-Type": "application/n-quads"}, timeout=_LOAD_TIMEOUT_S)

    def load(self, data: bytes | str, *, format: str = "text/turtle") -> None:
        """Add RDF to the server's default graph (HTTP POST ``…?default``)."""
        self._send("POST", self._need("store"), "load", params={"default": ""},
                   content=data.encode() if isinstance(data, str) else data,
                   headers={"Content-Type": format}, timeout=_LOAD_TIMEOUT_S)

    def replace_with(self, source, *, format: str = "application/n-triples") -> None:
        """Replace the server's default graph (HTTP PUT ``…?default``) with another store's or with RDF data."""
        data = source if isinstance(source, (bytes, str)) else source.dump("application/n-triples")
        if not isinstance(source, (bytes, str)):
            format = "application/n-triples"
        self._send("PUT", self._need("store"), "replace the graph", params={"default": ""},
                   content=data.encode() if isinstance(data, str) else data,
                   headers={"Content-Type": format}, timeout=_LOAD_TIMEOUT_S)

    def dump(self, format: str = "application/n-triples") -> bytes:
        """The server's default graph as RDF (HTTP GET ``…?default``)."""
        return self._send("GET", self._need("store"), "read the graph", params={"default": ""},
                          headers={"Accept": format}, timeout=_LOAD_TIMEOUT_S).content

    def clear(self) -> None:
        self.update("CLEAR ALL")

    def __len__(self) -> int:
        result = self.query("SELECT (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }")
        return int(result.rows[0][0])

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> RemoteStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ HTTP
    def _need(self, kind: str) -> str:
        url = getattr(self.endpoints, kind)
        if not url:
            raise ValueError(f"no {kind} endpoint configured; pass {kind}_url= to RemoteStore")
        return url

    def _send(self, method: str, url: str, action: str, *, timeout: float | None = None, **options) -> httpx.Response:
        if timeout is not None:
            options["timeout"] = httpx.Timeout(timeout, connect=min(self.timeout_s, 5.0))
        try:
            response = self._http.request(method, url, **options)
        except httpx.ConnectError as error:
            raise StoreUnavailableError(
                f"cannot reach the SPARQL server at {url} ({_reason(error)}); is it running? "
                "Start one with: oxigraph serve --location DIR --bind 127.0.0.1:7878") from None
        except httpx.TimeoutException:
            raise StoreUnavailableError(
                f"the SPARQL server at {url} did not answer within {options.get('timeout', self.timeout_s)} s "
                f"({action})") from None
        except httpx.HTTPError as error:
            raise StoreUnavailableError(f"talking to the SPARQL server at {url} failed: {error}") from None
        if response.is_success:
            return response
        message = shift_position(" ".join(response.text.split())[:600]) or response.reason_phrase
        if response.status_code == 404:
            raise StoreUnavailableError(
                f"no SPARQL endpoint at {url} (HTTP 404: {message}); give an Oxigraph server's base URL "
                "or a Fuseki dataset URL such as http://localhost:3030/plankg")
        if response.status_code == 400 and action in ("query", "update"):
            raise SparqlSyntaxError(f"the server rejected the {action}: {message}")
        if response.status_code in (400, 422):
            raise SparqlError(f"the server rejected the request to {action}: {message}")
        raise SparqlError(f"the server could not {action} (HTTP {response.status_code}): {message}")


def _media_type(response: httpx.Response) -> str:
    return response.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def _reason(error: httpx.ConnectError) -> str:
    text = str(error)
    return "connection refused" if "refused" in text.lower() else text or "connection failed"
