"""The ``plankg`` command line: each command opens the graph and calls one library function."""

from __future__ import annotations

import sys
from collections import Counter
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from graph import KnowledgeGraph, SparqlError, load_graph
from graph.results import cell_text, to_csv, to_json, to_tsv
from ingest import PlanError, read_plan
from ui.export import ExportFormat

app = typer.Typer(
    name="plankg",
    help="A knowledge graph of government action plans, with Chinese questions and SPARQL.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True, soft_wrap=True)

GraphOption = Annotated[
    list[Path] | None,
    typer.Option("--graph", "-g", help="Plan (.txt) or RDF (.ttl/.nt/.jsonld) file; repeatable. Default: the bundled plan."),
]
StoreOption = Annotated[
    str | None,
    typer.Option("--store", envvar="PLANKG_STORE", help="URL of a SPARQL 1.1 endpoint to use instead of the embedded store."),
]


class UsageError(Exception):
    """A command was called in a way that cannot work; the message says how to call it."""


def fail(message: str, code: int = 2) -> None:
    err.print(f"[bold red]Error:[/] {message}", highlight=False)
    raise typer.Exit(code)


def open_graph(graphs: list[Path] | None, store: str | None = None) -> KnowledgeGraph:
    """The graph the user named (files, a remote store) or the bundled plan."""
    if store:
        from graph.remote import RemoteStore

        remote = RemoteStore(store)
        if graphs:
            kg = load_graph(graphs)
            remote.replace_with(kg.store)
        return KnowledgeGraph.from_store(remote)
    return load_graph(graphs or None)


class ResultFormat(StrEnum):
    TABLE = "table"
    CSV = "csv"
    TSV = "tsv"
    JSON = "json"


@app.command()
def ingest(
    files: Annotated[list[Path], typer.Argument(help="Plan files to ingest (tab-separated text).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the graph (.ttl, .nt or .jsonld).")] = Path("plankg.ttl"),
    strict: Annotated[bool, typer.Option(help="Fail on the first unreadable row instead of skipping it.")] = False,
    city: Annotated[str | None, typer.Option(help="The plan's city, when the title does not name it.")] = None,
    year: Annotated[int | None, typer.Option(help="The plan's year, when the title does not name it.")] = None,
) -> None:
    """Parse plan files, validate them with SHACL and write one graph file atomically."""
    from graph.io import write_rdf
    from graph.validate import validate

    results = []
    with _progress(len(files)) as advance:
        for path in files:
            results.append(read_plan(path, city=city, year=year))
            advance()
    skipped = [s for r in results for s in r.skipped]
    for row in skipped:
        err.print(f"[yellow]skipped[/] {row}", highlight=False)
    if skipped and strict:
        fail(f"{len(skipped)} row(s) could not be read (see above); nothing was written (--strict)")
    kg = KnowledgeGraph.from_results(results)
    report = validate(kg.rdf())
    if not report.conforms:
        err.print(report.text, highlight=False)
        fail("the graph does not conform to the SHACL shapes; nothing was written")
    write_rdf(kg.rdf(), output)
    _print_counts(kg, title=f"Wrote {output}")
    if skipped:
        err.print(f"{len(skipped)} row(s) skipped, {sum(len(r.plan.items) for r in results)} item(s) kept")


class _progress:
    """A progress bar only when several files are given."""

    def __init__(self, total: int) -> None:
        self.total = total

    def __enter__(self):
        if self.total < 3:
            return lambda: None
        from rich.progress import Progress

        self._bar = Progress(console=err, transient=True)
        self._bar.start()
        task = self._bar.add_task("ingesting", total=self.total)
        return lambda: self._bar.advance(task)

    def __exit__(self, *exc) -> None:
        if self.total >= 3:
            self._bar.stop()


def class_counts(kg: KnowledgeGraph) -> dict[str, int]:
    """Nodes per plankg class, from the store (so it works on any store)."""
    result = kg.store.query(
        "SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c . "
        "FILTER(STRSTARTS(STR(?c), STR(pk:))) BIND(STRAFTER(STR(?c), '#') AS ?class) } "
        "GROUP BY ?class ORDER BY ?class"
    )
    return {name: n for name, n in result.rows}


def _print_counts(kg: KnowledgeGraph, title: str) -> None:
    table = Table(title=title)
    table.add_column("class")
    table.add_column("count", justify="right")
    counts = class_counts(kg)
    for name, n in counts.items():
        table.add_row(name, str(n))
    table.add_row("triples", str(len(kg.store)), style="dim")
    out.print(table)


@app.command()
def info(graph: GraphOption = None, store: StoreOption = None) -> None:
    """Count the graph's nodes by class."""
    kg = open_graph(graph, store)
    _print_counts(kg, title="plankg graph")
    continued = Counter(
        kg.store.query("SELECT ?c WHERE { ?i a pk:Item ; pk:continued ?c }").column("c"))
    out.print(f"continued items (继续攻坚事项): {continued.get(True, 0)}")


@app.command()
def validate(graph: GraphOption = None) -> None:
    """Validate the graph with the SHACL shapes and print the report."""
    from graph.validate import validate as run

    report = run(open_graph(graph).rdf())
    out.print(report.text, highlight=False)
    if not report.conforms:
        raise typer.Exit(1)


@app.command()
def sparql(
    query: Annotated[str | None, typer.Argument(help="A SPARQL 1.1 query; pk: and standard prefixes are predeclared.")] = None,
    file: Annotated[Path | None, typer.Option("--file", "-f", help="Read the query from a file.")] = None,
    format: Annotated[ResultFormat, typer.Option("--format", help="Output format.")] = ResultFormat.TABLE,
    graph: GraphOption = None,
    store: StoreOption = None,
) -> None:
    """Run a SPARQL query on the graph (the bundled plan by default)."""
    if file is not None:
        if not file.exists():
            fail(f"{file}: no such file")
        query = file.read_text(encoding="utf-8")
    if not query:
        fail("give a query, or --file FILE")
    result = open_graph(graph, store).store.query(query)
    if format is ResultFormat.CSV:
        sys.stdout.write(to_csv(result))
    elif format is ResultFormat.TSV:
        sys.stdout.write(to_tsv(result))
    elif format is ResultFormat.JSON:
        sys.stdout.write(to_json(result) + "\n")
    elif result.kind == "ask":
        out.print("yes" if result.boolean else "no")
    else:
        table = Table(show_lines=False)
        for var in result.variables:
            table.add_column(var, overflow="fold")
        for row in result.rows:
            table.add_row(*(cell_text(v) for v in row))
        out.print(table)
        err.print(f"{len(result.rows)} row(s)")


@app.command()
def ask(
    question: Annotated[str | None, typer.Argument(help="A question in Chinese. Without one, read questions from standard input, one a line.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object per answer (for programs).")] = False,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Today's date for 下个月/已到期 questions (YYYY-MM-DD).")] = None,
    graph: GraphOption = None,
    store: StoreOption = None,
) -> None:
    """Answer a Chinese question about the plan, with the items, sources and SPARQL behind it."""
    import datetime as dt

    from qa import answer

    try:
        today = dt.date.fromisoformat(as_of) if as_of else None
    except ValueError:
        fail(f"--as-of {as_of!r} is not a date; expected YYYY-MM-DD")
    kg = open_graph(graph, store)
    questions = [question] if question is not None else (line.strip() for line in sys.stdin)
    previous = None  # a batch is a conversation: 那市交通运输局呢？ follows the line before
    for text in questions:
        if question is None and not text:
            continue
        result = previous = answer(text, kg, as_of=today, context=previous)
        if as_json or question is None:
            sys.stdout.write(result.to_json() + "\n")
            sys.stdout.flush()
        else:
            _print_answer(result)


def _print_answer(result) -> None:
    from rich.panel import Panel

    out.print(Panel(result.answer, title=result.question, subtitle=result.intent, expand=False), highlight=False)
    for source in result.sources[:8]:
        out.print(f"  [dim]来源 事项{source.item}：{source.text}[/]", highlight=False)
    if result.sparql:
        out.print("[dim]SPARQL:[/]")
        out.print(result.sparql, style="dim", highlight=False)


@app.command()
def export(
    format: Annotated[ExportFormat, typer.Option("--format", help="File format.")] = ExportFormat.GRAPHML,
    domain: Annotated[str | None, typer.Option(help="Only items of this domain (领域), e.g. 交通出行.")] = None,
    agency: Annotated[str | None, typer.Option(help="Only items this agency leads or takes part in.")] = None,
    item: Annotated[str | None, typer.Option(help="Only this item (number or title).")] = None,
    districts: Annotated[bool, typer.Option(help="Add the districts (区市) that agency groups cover.")] = False,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Output file. Default: plankg-network.<format>.")] = None,
    graph: GraphOption = None,
) -> None:
    """Export the responsibility network (agencies, items, domains), filtered, as one file."""
    from ui.export import ExportError, write_network

    try:
        path = write_network(open_graph(graph), format, output, domain=domain, agency=agency, item=item, districts=districts)
    except ExportError as error:
        fail(str(error))
    err.print(f"Wrote {path}", highlight=False)


@app.command(name="app")
def run_app(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 7860,
    graph: GraphOption = None,
) -> None:
    """Start the web app (问答, SPARQL, 责任网络, 进度, 数据) at http://HOST:PORT."""
    from ui.app import serve

    serve(open_graph(graph), host=host, port=port)


@app.command()
def endpoint(
    host: Annotated[str, typer.Option(help="Interface to listen on (127.0.0.1: this machine only).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 7878,
    graph: GraphOption = None,
    store_path: Annotated[Path | None, typer.Option("--store-path", help="Keep the graph on disk in this folder and reopen it at the next start instead of re-ingesting.")] = None,
    allow_update: Annotated[bool, typer.Option("--allow-update", help="Accept SPARQL updates (default: read-only, updates get 403).")] = False,
    timeout: Annotated[float, typer.Option(help="Seconds a query may run before it gets 503.")] = 10.0,
    max_rows: Annotated[int, typer.Option(help="Most result rows a query may return before it gets 422.")] = 10_000,
) -> None:
    """Serve the graph as a SPARQL 1.1 endpoint at http://HOST:PORT/ (YASGUI, SPARQLWrapper, curl)."""
    from graph.knowledge import persistent_graph
    from ui.endpoint import serve

    kg = persistent_graph(store_path, graph) if store_path else open_graph(graph)
    mode = "read-write" if allow_update else "read-only"
    err.print(f"SPARQL endpoint at http://{host}:{port}/ ({len(kg.store):,} triples, {mode})", highlight=False)
    serve(lambda: kg.store, host=host, port=port, allow_update=allow_update, timeout_s=timeout, max_rows=max_rows)


def main() -> None:
    """Entry point: run the app, turning plankg's errors into ``Error: …`` and exit 2."""
    try:
        app()
    except (PlanError, SparqlError, UsageError) as error:
        err.print(f"[bold red]Error:[/] {error}", highlight=False)
        sys.exit(2)
    except (ConnectionError, OSError) as error:
        err.print(f"[bold red]Error:[/] {error}", highlight=False)
        sys.exit(2)


if __name__ == "__main__":
    main()
