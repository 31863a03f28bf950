"""The app's pure functions, without a browser: chat turns, queries, network, timeline, upload."""

from __future__ import annotations

import html
import shutil
from pathlib import Path

import pytest

from graph import SparqlError
from ingest import BUNDLED_PLAN, PlanError
from qa import Answer, ItemRef, Source
from ui.app import (
    CurrentGraph,
    UploadError,
    build_app,
    chat_turn,
    create_server,
    error_text,
    format_answer,
    graph_summary,
    ingest_upload,
    network_outputs,
    run_query,
    timeline_outputs,
)
from ui.examples import EXAMPLE_QUERIES, EXAMPLE_QUESTIONS, QUERY_HEADER
from ui.export import ExportError, ExportFormat

ANSWER = Answer(
    question="6月底前违建要累计拆除多少",
    answer="6月底前，拆除违建的目标是累计不少于300万平方米。",
    intent="target_value",
    items=(ItemRef("2023_qingdao_minsheng_plan", 1, "对存量违建开展全面摸排治理,对新生违建坚决打击遏制"),),
    sparql="SELECT ?x WHERE { ?x pk:metric ?m }",
    sources=(Source(1, "6月底前，全市累计拆除不少于300万平方米违建"),),
)


# --- 问答 -----------------------------------------------------------------------------


def test_format_answer_shows_items_sources_and_collapsed_sparql():
    text = format_answer(ANSWER)
    assert text.startswith("6月底前，拆除违建的目标是累计不少于300万平方米。")
    assert "**相关事项**：事项1 对存量违建开展全面摸排治理" in text
    assert "> 〔事项1〕6月底前，全市累计拆除不少于300万平方米违建" in text
    assert "<details><summary>查看 SPARQL 查询</summary>" in text
    assert "```sparql\nSELECT ?x WHERE { ?x pk:metric ?m }\n```" in text and text.endswith("</details>")


def test_format_answer_skips_sources_already_quoted():
    quoted = Answer("q", "原文：全市累计拆除不少于300万平方米违建", "target_value",
                    sources=(Source(1, "6月底前，全市累计拆除不少于300万平方米违建"),))
    assert "依据原文" not in format_answer(quoted)
    assert "<details>" not in format_answer(quoted)  # no SPARQL, no block


def test_format_answer_lists_items_only_when_the_text_does_not():
    listed = Answer("q", "市公安局牵头的事项共1项：\n4. 加强重点医院学校景区周边交通拥堵整治", "lead_items",
                    items=(ItemRef("p", 4, "加强重点医院学校景区周边交通拥堵整治"),))
    assert "相关事项" not in format_answer(listed)


def test_chat_follow_up_uses_the_previous_answer(kg):
    history, context = chat_turn("市公安局牵头哪些事项", [], None, kg)
    assert [m["role"] for m in history] == ["user", "assistant"]
    assert "加强重点医院学校景区周边交通拥堵整治" in history[1]["content"]
    assert "<details>" in history[1]["content"]
    history, context = chat_turn("那市交通运输局呢？", history, context, kg)
    assert len(history) == 4
    assert "市交通运输局" in history[3]["content"]
    assert "推进城区周边高速公路、城市快速路声屏障安装工作" in history[3]["content"]
    assert [ref.no for ref in context.items] == [5, 7]


def test_every_example_question_gets_an_answer(kg):
    history, context = [], None
    for question in EXAMPLE_QUESTIONS:
        history, context = chat_turn(question, history, context, kg)
        assert not history[-1]["content"].startswith("Error"), question
    assert len(history) == 2 * len(EXAMPLE_QUESTIONS)


def test_chat_failure_is_an_error_message_and_keeps_context(kg):
    def broken(question, graph, context):
        raise SparqlError("error at line 1, column 3: expected WHERE")

    history, context = chat_turn("市公安局牵头哪些事项", [], ANSWER, kg, ask=broken)
    assert history[-1] == {"role": "assistant", "content": "Error: error at line 1, column 3: expected WHERE"}
    assert context is ANSWER


def test_blank_question_changes_nothing(kg):
    assert chat_turn("   ", [{"role": "user", "content": "x"}], ANSWER, kg) == ([{"role": "user", "content": "x"}], ANSWER)


def test_error_text_never_shows_a_traceback():
    assert error_text(SparqlError("bad")) == "Error: bad"
    assert error_text(KeyError("x")) == "Error: KeyError: 'x'"


# --- SPARQL ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(EXAMPLE_QUERIES))
def test_example_queries_run(kg, tmp_path, name):
    outcome = run_query(kg, QUERY_HEADER + EXAMPLE_QUERIES[name], tmp_path)
    assert len(outcome.table) > 0
    assert outcome.message == f"{len(outcome.table)} 行结果"
    csv_path, json_path = map(Path, outcome.files)
    assert csv_path.name == "plankg-query.csv" and json_path.name == "plankg-query.json"
    assert csv_path.read_text(encoding="utf-8").splitlines()[0] == ",".join(outcome.table.columns)


def test_query_table_values_are_plain_text(kg, tmp_path):
    outcome = run_query(kg, "SELECT ?no ?title WHERE { ?i pk:itemNo ?no ; rdfs:label ?title } ORDER BY ?no LIMIT 2", tmp_path)
    assert outcome.table.values.tolist() == [["1", "对存量违建开展全面摸排治理,对新生违建坚决打击遏制"],
                                             ["2", "提升农村环卫管护水平,推动村庄环境面貌明显改善"]]


def test_query_syntax_error_has_the_position(kg, tmp_path):
    with pytest.raises(SparqlError) as caught:
        run_query(kg, QUERY_HEADER + "SELECT ?x WHERE { ?x pk:itemNo }", tmp_path)
    assert str(caught.value).startswith("error at line 5, column ")
    with pytest.raises(SparqlError, match="the query is empty"):
        run_query(kg, "  ", tmp_path)


def test_ask_query(kg, tmp_path):
    outcome = run_query(kg, "ASK { ?i pk:itemNo 11 }", tmp_path)
    assert outcome.message == "ASK：是"


# --- 责任网络 --------------------------------------------------------------------------------


def test_network_outputs_filtered(kg, tmp_path):
    outcome = network_outputs(kg, "交通出行", "", "", False, tmp_path)
    assert outcome.message.startswith("2 个事项")
    assert outcome.html.startswith('<iframe id="plankg-network"')
    page = html.unescape(outcome.html.split('srcdoc="', 1)[1].split('" style=', 1)[0])
    assert "市公安局" in page and '<script src="/plankg/static/vis-network.min.js"></script>' in page
    assert outcome.load["单位"].tolist()[:2] == ["市公安局", "市交通运输局"]
    assert sorted(Path(f).suffix for f in outcome.files) == sorted(f".{f.value}" for f in ExportFormat)


def test_network_outputs_unknown_agency(kg, tmp_path):
    with pytest.raises(ExportError, match="unknown agency '市教委'"):
        network_outputs(kg, "", "市教委", "", False, tmp_path, formats=())


def test_network_outputs_empty_view(kg, tmp_path):
    outcome = network_outputs(kg, "交通出行", "市邮政管理局", "", False, tmp_path, formats=())
    assert outcome.message == "没有符合条件的事项" and outcome.load.empty


# --- 进度 ------------------------------------------------------------------------------------


def test_timeline_outputs(kg, tmp_path):
    outcome = timeline_outputs(kg, "", tmp_path)
    assert Path(outcome.chart).read_bytes()[:4] == b"\x89PNG"
    charging = outcome.targets[outcome.targets["指标"] == "新增电动自行车充电位"]
    assert charging["进程"].tolist() == ["1000 → 3000 → 7000 → 10000"]
    assert charging[["4月底前", "12月底前"]].values.tolist() == [["1000个", "10000个"]]
    assert len(outcome.milestones) == 44
    assert outcome.milestones["截止月份"].tolist()[0] == "2023-04"


def test_timeline_by_agency(kg, tmp_path):
    outcome = timeline_outputs(kg, "市卫生健康委", tmp_path)
    assert set(outcome.milestones["事项"].str.split(".").str[0]) == {"4", "8"}


# --- 数据 ------------------------------------------------------------------------------------


def test_upload_merges_a_second_plan(kg, tmp_path):
    current = CurrentGraph(kg)
    other = tmp_path / "2023_qingdao_second_plan.txt"
    shutil.copy(BUNDLED_PLAN, other)
    report = ingest_upload(current, other)
    assert report.startswith("已导入 **2023_qingdao_second_plan.txt**：青岛 2023《")
    assert "11 个事项，44 个进度节点；SHACL 校验通过。" in report
    assert current.kg is not kg
    assert current.kg.store.query("SELECT (COUNT(?i) AS ?n) WHERE { ?i a pk:Item }").rows[0][0] == 22
    assert "事项 22" in graph_summary(current.kg)
    current.reset()
    assert current.kg is kg


@pytest.mark.parametrize(("content", "message"), [
    (b"", "bad.txt: the file is empty"),
    (b"\x00\x01\x02\xff" * 50, "bad.txt: looks like a binary file"),
    ("只是一段话，没有表格。\n第二行\n".encode(), "bad.txt"),
])
def test_bad_upload_leaves_the_graph_untouched(kg, tmp_path, content, message):
    current = CurrentGraph(kg)
    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)
    with pytest.raises(PlanError) as caught:
        ingest_upload(current, bad)
    assert str(caught.value).startswith(message)
    assert str(tmp_path) not in str(caught.value)  # the server's temp folder is not shown
    assert current.kg is kg


def test_no_upload(kg):
    with pytest.raises(UploadError, match="no file was uploaded"):
        ingest_upload(CurrentGraph(kg), None)


# --- the app as a whole -------------------------------------------------------------------------


def test_build_app(kg, tmp_path):
    import gradio as gr

    demo = build_app(CurrentGraph(kg), out_dir=tmp_path)
    assert isinstance(demo, gr.Blocks)
    labels = {getattr(block, "label", None) for block in demo.blocks.values()}
    assert {"问答", "SPARQL", "责任网络", "进度", "数据"} <= labels


def test_server_serves_vis_network_locally(kg, tmp_path):
    from fastapi.testclient import TestClient

    client = TestClient(create_server(kg, out_dir=tmp_path))
    response = client.get("/plankg/static/vis-network.min.js")
    assert response.status_code == 200 and b"vis-network" in response.content[:200]


def test_app_serves_the_sparql_endpoint():
    from starlette.testclient import TestClient

    from ui.app import create_server

    client = TestClient(create_server())
    query = "SELECT (COUNT(?i) AS ?n) WHERE { ?i a pk:Item }"
    for path in ("/sparql", "/sparql/"):
        response = client.get(path, params={"query": query}, headers={"Accept": "text/csv"})
        assert response.status_code == 200, path
        assert response.text.split() == ["n", "11"]
    refused = client.post("/sparql", data={"update": "CLEAR ALL"})
    assert refused.status_code == 403
