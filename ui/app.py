"""The Gradio app: 问答, SPARQL, 责任网络, 进度 and 数据 tabs over one current graph.

Every tab calls library functions (``qa.answer``, ``Store.query``,
``ui.export``, ``ui.timeline``, ``ingest.read_plan``); the handlers here only
shape their results for Gradio and turn errors into ``Error: …`` messages, so
the app never shows a traceback. The pure functions (``format_answer``,
``chat_turn``, ``run_query``, ``network_outputs``, ``ingest_upload`` …) are
tested without a browser in ``tests/test_app.py``.
"""

from __future__ import annotations

import functools
import html
import logging
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from graph import KnowledgeGraph, SparqlError, bundled_graph
from graph.results import cell_text, to_csv, to_json
from ingest import PlanError, read_plan

from .examples import EXAMPLE_QUERIES, EXAMPLE_QUESTIONS, QUERY_HEADER
from .export import (
    ExportError,
    ExportFormat,
    agency_load,
    available_formats,
    export_bytes,
    filter_choices,
    responsibility_network,
)
from .network_view import STATIC_DIR, network_html
from .timeline import gantt_png, milestones, target_progressions

__all__ = [
    "CurrentGraph",
    "UploadError",
    "build_app",
    "chat_turn",
    "create_server",
    "error_text",
    "format_answer",
    "graph_summary",
    "ingest_upload",
    "network_outputs",
    "run_query",
    "serve",
    "timeline_outputs",
    "warm_up",
]

log = logging.getLogger("plankg.app")

STATIC_ROUTE = "/plankg/static"
NETWORK_HEIGHT = 700
MAX_TABLE_ROWS = 2000


class UploadError(Exception):
    """An uploaded plan was read but cannot be merged (it breaks the SHACL shapes)."""


@dataclass
class CurrentGraph:
    """The graph every tab and the ``/sparql`` endpoint see; an upload replaces it whole."""

    kg: KnowledgeGraph
    original: KnowledgeGraph | None = None
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        if self.original is None:
            self.original = self.kg

    def replace(self, kg: KnowledgeGraph) -> None:
        with self.lock:
            self.kg = kg

    def reset(self) -> None:
        self.replace(self.original)


KNOWN_ERRORS = (SparqlError, PlanError, ExportError, UploadError)


def error_text(error: Exception) -> str:
    """``Error: …`` for the user; unexpected errors are logged with their traceback, never shown."""
    if isinstance(error, KNOWN_ERRORS):
        return f"Error: {error}"
    log.exception("unexpected error in a handler", exc_info=error)
    return f"Error: {type(error).__name__}: {error}"


def _guard(on_error: Callable[..., object]):
    """Run a handler; on any exception return ``on_error("Error: …", *args)`` instead of raising."""

    def decorate(handler):
        @functools.wraps(handler)
        def run(*args):
            try:
                return handler(*args)
            except Exception as error:  # the app must never show a traceback
                return on_error(error_text(error), *args)

        return run

    return decorate


def _fresh_dir(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(dir=root))


# --- 问答 -----------------------------------------------------------------------


def format_answer(answer) -> str:
    """An :class:`qa.Answer` as chat Markdown: text, items, source sentences, SPARQL (collapsed)."""
    parts = [answer.answer.strip()]
    if answer.items and not all(ref.title in answer.answer for ref in answer.items):
        plans = {ref.plan for ref in answer.items}
        refs = [f"{ref.plan}·" if len(plans) > 1 else "" for ref in answer.items]
        listed = "；".join(f"{prefix}事项{ref.no} {ref.title}" for prefix, ref in zip(refs, answer.items, strict=True))
        parts.append(f"**相关事项**：{listed}")
    quotes = [s for s in answer.sources if s.text and _unquoted(s.text, answer.answer)]
    if quotes:
        parts.append("**依据原文**：\n" + "\n".join(f"> 〔事项{s.item}〕{s.text}" for s in quotes))
    if answer.sparql:
        parts.append(
            "<details><summary>查看 SPARQL 查询</summary>\n\n```sparql\n"
            + answer.sparql.strip() + "\n```\n\n</details>"
        )
    return "\n\n".join(parts)


def _unquoted(source: str, text: str) -> bool:
    """Whether *source* (maybe led by its deadline, "6月底前，…") is not already quoted in *text*."""
    return source not in text and source.split("，", 1)[-1] not in text


_QA_LOCK = threading.Lock()  # the QA engine loads its retrieval model lazily; one question at a time


def _ask(question: str, kg: KnowledgeGraph, context):
    from qa import answer

    with _QA_LOCK:
        return answer(question, kg, context=context)


WARM_UP_QUESTION = "6月底前违建要累计拆除多少"


def warm_up(kg: KnowledgeGraph) -> None:
    """Ask one question that loads the QA engine and its retrieval model (seconds), so users do not wait."""
    try:
        _ask(WARM_UP_QUESTION, kg, None)
    except Exception:  # a failed warm-up only means the first user question is slower
        log.exception("QA warm-up failed")


def chat_turn(question: str, history: Sequence[dict] | None, context, kg: KnowledgeGraph, *,
              ask: Callable = _ask) -> tuple[list[dict], object]:
    """One question and its answer appended to *history*; the Answer becomes the next *context*.

    A failure appends an ``Error: …`` reply and keeps the previous context.
    """
    history = list(history or [])
    question = (question or "").strip()
    if not question:
        return history, context
    history.append({"role": "user", "content": question})
    try:
        answer = ask(question, kg, context)
    except Exception as error:
        history.append({"role": "assistant", "content": error_text(error)})
        return history, context
    history.append({"role": "assistant", "content": format_answer(answer)})
    return history, answer


# --- SPARQL ----------------------------------------------------------------------


@dataclass(frozen=True)
class QueryOutcome:
    table: pd.DataFrame
    message: str
    files: list[str]


def run_query(kg: KnowledgeGraph, sparql: str, out_dir: Path) -> QueryOutcome:
    """Run *sparql*; the result as a table, a one-line summary and CSV + JSON files.

    Raises :class:`graph.SparqlError` with the parser's message and position.
    """
    if not (sparql or "").strip():
        raise SparqlError("the query is empty")
    result = kg.store.query(sparql)
    folder = _fresh_dir(out_dir)
    csv_path, json_path = folder / "plankg-query.csv", folder / "plankg-query.json"
    csv_path.write_text(to_csv(result), encoding="utf-8")
    json_path.write_text(to_json(result), encoding="utf-8")
    if result.kind == "ask":
        table = pd.DataFrame({"boolean": [cell_text(result.boolean)]})
        return QueryOutcome(table, f"ASK：{'是' if result.boolean else '否'}", [str(csv_path), str(json_path)])
    rows = [[cell_text(v) for v in row] for row in result.rows[:MAX_TABLE_ROWS]]
    table = pd.DataFrame(rows, columns=list(result.variables))
    shown = f"（显示前 {MAX_TABLE_ROWS} 行）" if len(result.rows) > MAX_TABLE_ROWS else ""
    return QueryOutcome(table, f"{len(result.rows)} 行结果{shown}", [str(csv_path), str(json_path)])


# --- 责任网络 ------------------------------------------------------------------------

LOAD_COLUMNS = ["单位", "类型", "牵头", "参与", "协同单位", "度", "介数"]


def _iframe(page: str, height: int = NETWORK_HEIGHT) -> str:
    return (f'<iframe id="plankg-network" title="责任网络" srcdoc="{html.escape(page, quote=True)}" '
            f'style="width:100%;height:{height}px;border:1px solid #e2e8f0;border-radius:8px"></iframe>')


@dataclass(frozen=True)
class NetworkOutcome:
    html: str
    load: pd.DataFrame
    files: list[str]
    message: str


def network_outputs(kg: KnowledgeGraph, domain: str | None, agency: str | None, item: str | None,
                    districts: bool, out_dir: Path, *, formats: Sequence[ExportFormat] | None = None,
                    inline: bool = False) -> NetworkOutcome:
    """The filtered network drawn (an iframe), its agency load table and a file per export format.

    *formats* defaults to every format this machine can write.
    """
    formats = available_formats() if formats is None else formats
    view = responsibility_network(kg, domain=domain or None, agency=agency or None, item=item or None,
                                  districts=bool(districts))
    page = network_html(view, inline=inline, script_url=f"{STATIC_ROUTE}/vis-network.min.js")
    load = pd.DataFrame([list(row) for row in agency_load(view)], columns=LOAD_COLUMNS)
    load["类型"] = load["类型"].map({"Agency": "单位", "AgencyGroup": "单位组"})
    folder = _fresh_dir(out_dir)
    files = []
    for fmt in formats:
        path = folder / fmt.filename
        path.write_bytes(export_bytes(view, fmt))
        files.append(str(path))
    items = sum(1 for _, d in view.nodes(data=True) if d["type"] == "Item")
    message = f"{items} 个事项，{len(view)} 个节点，{view.number_of_edges()} 条边" if items else "没有符合条件的事项"
    return NetworkOutcome(_iframe(page), load, files, message)


# --- 进度 ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineOutcome:
    chart: str
    targets: pd.DataFrame
    milestones: pd.DataFrame


def timeline_outputs(kg: KnowledgeGraph, agency: str | None, out_dir: Path) -> TimelineOutcome:
    """The Gantt chart (a PNG file), the target table across deadlines and the milestone list."""
    rows = milestones(kg, agency or None)
    folder = _fresh_dir(out_dir)
    chart = folder / "plankg-timeline.png"
    chart.write_bytes(gantt_png(rows))
    deadlines, targets = target_progressions(kg, agency or None)
    table = pd.DataFrame(
        [[_clip(f"{t.no}. {t.title}", 14), t.metric, t.unit, t.progression(), *(t.texts.get(d, "") for d in deadlines)]
         for t in targets],
        columns=["事项", "指标", "单位", "进程", *deadlines],
    )
    listing = pd.DataFrame([[r.deadline.strftime("%Y-%m"), r.deadline_text, _clip(f"{r.no}. {r.title}", 14), r.text]
                            for r in rows],
                           columns=["截止月份", "截止", "事项", "进度要求"])
    return TimelineOutcome(str(chart), table, listing)


def _clip(text: str, width: int) -> str:
    return text[:width] + ("…" if len(text) > width else "")


# --- 数据 ------------------------------------------------------------------------------


def graph_summary(kg: KnowledgeGraph) -> str:
    """One line: plans, items, agencies, milestones, targets, triples."""
    from .cli import class_counts

    counts = class_counts(kg)
    plans = "；".join(f"{p.city} {p.year}《{p.title}》" for p in kg.plans) or "（RDF 文件）"
    return (f"**当前图谱**：{plans} — 事项 {counts.get('Item', 0)}，单位 {counts.get('Agency', 0) + counts.get('AgencyGroup', 0)}，"
            f"进度节点 {counts.get('Milestone', 0)}，量化目标 {counts.get('Target', 0)}，三元组 {len(kg.store)}")


def ingest_upload(current: CurrentGraph, path: str | Path | None) -> str:
    """Read, validate and merge an uploaded plan into *current*; a Markdown report.

    Raises :class:`ingest.PlanError` (unreadable file) or :class:`UploadError`
    (the merged graph breaks the shapes); *current* is then left untouched.
    """
    from graph.validate import validate

    if path is None:
        raise UploadError("no file was uploaded")
    path = Path(path)
    try:
        result = read_plan(path)
    except PlanError as error:
        raise PlanError(str(error).replace(str(path), path.name)) from None
    merged = current.kg.merged([result.plan])
    report = validate(merged.rdf())
    if not report.conforms:
        raise UploadError(f"{path.name} does not conform to the SHACL shapes ({report.violations} violation(s)); "
                          "the current graph is unchanged")
    current.replace(merged)
    plan = result.plan
    lines = [f"已导入 **{path.name}**：{plan.city} {plan.year}《{plan.title}》，{len(plan.items)} 个事项，"
             f"{sum(len(i.milestones) for i in plan.items)} 个进度节点；SHACL 校验通过。"]
    if result.skipped:
        lines.append(f"跳过 {len(result.skipped)} 行：")
        lines += [f"- 第 {s.line} 行：{s.reason}" for s in result.skipped]
    else:
        lines.append("没有跳过的行。")
    return "\n".join(lines)


def counts_table(kg: KnowledgeGraph) -> pd.DataFrame:
    from .cli import class_counts

    rows = [[name, n] for name, n in class_counts(kg).items()] + [["triples", len(kg.store)]]
    return pd.DataFrame(rows, columns=["类", "数量"])


# --- the Blocks --------------------------------------------------------------------------

CSS = """
.gradio-container { max-width: 1400px !important; }
#plankg-title h1 { margin-bottom: 0; }
.example-questions button { font-size: 13px !important; }
"""

_LOCAL_FONTS = ["Noto Sans CJK SC", "Noto Sans SC", "PingFang SC", "Microsoft YaHei", "ui-sans-serif", "sans-serif"]


def _theme():
    import gradio as gr

    # System fonts only: the default theme would fetch Google Fonts, and the app must work offline.
    return gr.themes.Soft(font=_LOCAL_FONTS, font_mono=["Noto Sans Mono CJK SC", "ui-monospace", "monospace"])


def _choices(kg: KnowledgeGraph) -> dict[str, list[tuple[str, str]]]:
    every = [("（全部）", "")]
    return {key: every + values for key, values in filter_choices(kg).items()}


def build_app(current: CurrentGraph, *, out_dir: str | Path | None = None):
    """The Gradio Blocks of the app over *current* (shared by all sessions)."""
    import gradio as gr

    out = Path(out_dir) if out_dir else Path(tempfile.mkdtemp(prefix="plankg-app-"))
    choices = _choices(current.kg)
    first_query = next(iter(EXAMPLE_QUERIES))

    with gr.Blocks(title="plankg · 行动计划知识图谱", analytics_enabled=False) as demo:
        gr.Markdown("# plankg · 行动计划知识图谱", elem_id="plankg-title")
        summary = gr.Markdown(graph_summary(current.kg))
        context = gr.State(None)

        with gr.Tabs():
            with gr.Tab("问答", id="chat"):
                chatbot = gr.Chatbot(label="问答", show_label=False, height=520, elem_id="chat",
                                     placeholder="用中文提问，例如：市公安局牵头哪些事项？", buttons=["copy"])
                with gr.Row():
                    question = gr.Textbox(show_label=False, placeholder="输入问题，回车提问", scale=8,
                                          elem_id="question", autofocus=True)
                    ask = gr.Button("提问", variant="primary", scale=1, elem_id="ask")
                gr.Markdown("**示例问题**（点击即问；“那…呢？”会接着上一个问题）")
                with gr.Row(elem_classes="example-questions"):
                    example_buttons = [gr.Button(q, size="sm") for q in EXAMPLE_QUESTIONS]
                clear = gr.Button("清空对话", size="sm")

            with gr.Tab("SPARQL", id="sparql"):
                example = gr.Dropdown(list(EXAMPLE_QUERIES), value=first_query, label="示例查询")
                editor = gr.Code(QUERY_HEADER + EXAMPLE_QUERIES[first_query], language="sql", lines=12,
                                 label="SPARQL 查询（pk: rdfs: xsd: skos: org: dcterms: prov: 已预先声明）",
                                 elem_id="sparql-editor", interactive=True)
                run = gr.Button("运行查询", variant="primary", elem_id="run-query")
                status = gr.Markdown(elem_id="query-status")
                table = gr.Dataframe(label="结果", interactive=False, wrap=True, elem_id="query-table")
                query_files = gr.File(label="下载结果（CSV / JSON）", file_count="multiple", interactive=False)

            with gr.Tab("责任网络", id="network"):
                with gr.Row():
                    domain = gr.Dropdown(choices["domain"], value="", label="领域")
                    agency = gr.Dropdown(choices["agency"], value="", label="单位")
                    item = gr.Dropdown(choices["item"], value="", label="事项")
                    districts = gr.Checkbox(False, label="显示所辖区(市)")
                network_status = gr.Markdown(elem_id="network-status")
                with gr.Row():
                    with gr.Column(scale=7):
                        drawing = gr.HTML(elem_id="network-frame")
                    with gr.Column(scale=4):
                        load = gr.Dataframe(label="单位负荷：牵头与参与事项数、协同单位数、度、介数中心性",
                                            interactive=False, elem_id="load-table")
                network_files = gr.File(label="下载当前视图（GraphML · GEXF · Cytoscape JSON · DOT · SVG · PNG · HTML · CSV）",
                                        file_count="multiple", interactive=False, elem_id="network-files")

            with gr.Tab("进度", id="timeline"):
                timeline_agency = gr.Dropdown(choices["agency"], value="", label="单位")
                chart = gr.Image(label="进度节点（按截止月份）", type="filepath", interactive=False, elem_id="gantt")
                targets = gr.Dataframe(label="量化目标随截止日期的变化", interactive=False, wrap=True, elem_id="targets")
                listing = gr.Dataframe(label="进度节点", interactive=False, wrap=True, max_height=420)

            with gr.Tab("数据", id="data"):
                gr.Markdown("上传同样格式的计划文件（制表符分隔的 .txt，首行为标题、次行为表头），"
                            "它会被解析、用 SHACL 校验并并入当前图谱；坏文件不会改变当前图谱。")
                upload = gr.File(label="上传计划文件", file_types=[".txt", ".tsv"], type="filepath", elem_id="upload")
                upload_status = gr.Markdown(elem_id="upload-status")
                counts = gr.Dataframe(counts_table(current.kg), label="各类节点数量", interactive=False)
                reset = gr.Button("恢复为内置计划", size="sm")

        # 问答
        @_guard(lambda message, q, history, ctx: ([*(history or []), {"role": "assistant", "content": message}], ctx, ""))
        def on_ask(q, history, ctx):
            history, ctx = chat_turn(q, history, ctx, current.kg)
            return history, ctx, ""

        ask.click(on_ask, [question, chatbot, context], [chatbot, context, question])
        question.submit(on_ask, [question, chatbot, context], [chatbot, context, question])
        for button, text in zip(example_buttons, EXAMPLE_QUESTIONS, strict=True):
            button.click(functools.partial(on_ask, text), [chatbot, context], [chatbot, context, question])
        clear.click(lambda: ([], None), None, [chatbot, context])

        # SPARQL
        example.change(lambda name: QUERY_HEADER + EXAMPLE_QUERIES.get(name, ""), example, editor)

        @_guard(lambda message, *_: (pd.DataFrame(), message, None))
        def on_run(sparql):
            outcome = run_query(current.kg, sparql, out / "queries")
            return outcome.table, outcome.message, outcome.files

        run.click(on_run, editor, [table, status, query_files])

        # 责任网络
        @_guard(lambda message, *_: (gr.skip(), pd.DataFrame(), None, message))
        def on_filter(dom, ag, it, dist):
            outcome = network_outputs(current.kg, dom, ag, it, dist, out / "network")
            return outcome.html, outcome.load, outcome.files, outcome.message

        filters = [domain, agency, item, districts]
        for control in filters:
            control.change(on_filter, filters, [drawing, load, network_files, network_status])

        # 进度
        @_guard(lambda message, *_: (None, pd.DataFrame({"Error": [message]}), pd.DataFrame()))
        def on_timeline(ag):
            outcome = timeline_outputs(current.kg, ag, out / "timeline")
            return outcome.chart, outcome.targets, outcome.milestones

        timeline_agency.change(on_timeline, timeline_agency, [chart, targets, listing])

        # 数据
        def refreshed():
            c = _choices(current.kg)
            return (graph_summary(current.kg), counts_table(current.kg),
                    gr.update(choices=c["domain"], value=""), gr.update(choices=c["agency"], value=""),
                    gr.update(choices=c["item"], value=""), gr.update(choices=c["agency"], value=""))

        refresh_outputs = [summary, counts, domain, agency, item, timeline_agency]

        @_guard(lambda message, *_: (message, *(gr.skip() for _ in refresh_outputs)))
        def on_upload(path):
            report = ingest_upload(current, path)
            return (report, *refreshed())

        @_guard(lambda message, *_: (message, *(gr.skip() for _ in refresh_outputs)))
        def on_reset():
            current.reset()
            return ("已恢复为启动时的图谱。", *refreshed())

        upload.upload(on_upload, upload, [upload_status, *refresh_outputs]).then(
            on_filter, filters, [drawing, load, network_files, network_status]).then(
            on_timeline, timeline_agency, [chart, targets, listing])
        reset.click(on_reset, None, [upload_status, *refresh_outputs]).then(
            on_filter, filters, [drawing, load, network_files, network_status]).then(
            on_timeline, timeline_agency, [chart, targets, listing])

        demo.load(on_filter, filters, [drawing, load, network_files, network_status])
        demo.load(on_timeline, timeline_agency, [chart, targets, listing])
    return demo


def create_server(kg: KnowledgeGraph | None = None, *, out_dir: str | Path | None = None):
    """A Starlette/FastAPI app: the Gradio UI at ``/``, vis-network at ``/plankg/static``, SPARQL at ``/sparql``.

    """
    import gradio as gr
    from fastapi import FastAPI
    from fastapi.staticfiles import StaticFiles

    current = CurrentGraph(kg if kg is not None else bundled_graph())
    out = Path(out_dir) if out_dir else Path(tempfile.mkdtemp(prefix="plankg-app-"))
    server = FastAPI(title="plankg")
    server.state.current = current
    server.mount(STATIC_ROUTE, StaticFiles(directory=STATIC_DIR), name="plankg-static")
    from .endpoint import sparql_asgi

    endpoint = sparql_asgi(lambda: current.kg.store)
    # The route answers /sparql itself; the mount answers /sparql/ and below.
    server.add_route("/sparql", endpoint, methods=["GET", "POST", "OPTIONS"])
    server.mount("/sparql", endpoint)
    demo = build_app(current, out_dir=out)
    return gr.mount_gradio_app(server, demo, path="/", theme=_theme(), css=CSS, allowed_paths=[str(out)],
                               footer_links=[], show_error=False)


def serve(kg: KnowledgeGraph | None = None, *, host: str = "127.0.0.1", port: int = 7860, warm: bool = True) -> None:
    """Run the app until interrupted (the ``plankg app`` command); *warm* loads the QA engine in the background."""
    import uvicorn

    server = create_server(kg)
    if warm:
        threading.Thread(target=warm_up, args=(server.state.current.kg,), name="plankg-warm-up", daemon=True).start()
    print(f"plankg app on http://{host}:{port}", flush=True)
    uvicorn.run(server, host=host, port=port, log_level="warning")
