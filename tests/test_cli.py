"""The command line: every command has help, errors exit 2 with a message, writes are atomic."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from ui.cli import app, main

runner = CliRunner()


def run(*args, input=None):
    return runner.invoke(app, list(args), input=input, catch_exceptions=False)


def run_main(monkeypatch, capsys, *args):
    monkeypatch.setattr("sys.argv", ["plankg", *args])
    with pytest.raises(SystemExit) as exit_info:
        main()
    return exit_info.value.code, capsys.readouterr()


def test_every_command_has_help():
    for command in app.registered_commands:
        name = command.name or command.callback.__name__
        result = run(name, "--help")
        assert result.exit_code == 0
        assert (command.callback.__doc__ or "").strip(), f"{name} has no help text"


def test_info_counts():
    result = run("info")
    assert result.exit_code == 0
    assert "Item" in result.stdout and "11" in result.stdout and "continued items (继续攻坚事项): 8" in result.stdout


def test_sparql_formats():
    query = "SELECT ?no ?lead WHERE { ?i pk:itemNo ?no ; pk:leadAgency/rdfs:label ?lead } ORDER BY ?no"
    csv_out = run("sparql", query, "--format", "csv").stdout.splitlines()
    assert csv_out[0] == "no,lead" and csv_out[4] == "4,市公安局" and len(csv_out) == 12
    tsv_out = run("sparql", query, "--format", "tsv").stdout.splitlines()
    assert tsv_out[1] == "1\t市城市管理局"
    data = json.loads(run("sparql", query, "--format", "json").stdout)
    assert data["head"]["vars"] == ["no", "lead"] and len(data["results"]["bindings"]) == 11


def test_sparql_from_file(tmp_path):
    path = tmp_path / "q.rq"
    path.write_text("SELECT (COUNT(?m) AS ?n) WHERE { ?m a pk:Milestone }", encoding="utf-8")
    assert run("sparql", "-f", str(path), "--format", "csv").stdout.splitlines() == ["n", "44"]


def test_sparql_syntax_error_exits_2(monkeypatch, capsys):
    code, captured = run_main(monkeypatch, capsys, "sparql", "SELEC ?x")
    assert code == 2
    assert captured.err.startswith("Error: error at line 1, column")
    assert "Traceback" not in captured.err


@pytest.mark.parametrize(("content", "message"), [
    (b"", "the file is empty"),
    (b"\x00\x01binary", "binary"),
    ("计划\n没有表头的一行\n".encode(), "no header row"),
])
def test_ingest_bad_files_exit_2_and_write_nothing(monkeypatch, capsys, tmp_path, content, message):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)
    out = tmp_path / "out.ttl"
    code, captured = run_main(monkeypatch, capsys, "ingest", str(bad), "-o", str(out))
    assert code == 2
    assert f"Error: {bad}" in captured.err.replace("\n", "") and message in captured.err
    assert not out.exists()


def test_ingest_missing_file(monkeypatch, capsys, tmp_path):
    code, captured = run_main(monkeypatch, capsys, "ingest", str(tmp_path / "none.txt"))
    assert code == 2 and "no such file" in captured.err


def test_ingest_writes_graph_and_keeps_old_file_on_failure(monkeypatch, capsys, tmp_path):
    from ingest import BUNDLED_PLAN

    out = tmp_path / "graph.ttl"
    result = run("ingest", str(BUNDLED_PLAN), "-o", str(out))
    assert result.exit_code == 0 and "Milestone" in result.stdout
    before = out.read_bytes()
    bad = tmp_path / "bad.txt"
    bad.write_text("", encoding="utf-8")
    code, _ = run_main(monkeypatch, capsys, "ingest", str(bad), "-o", str(out))
    assert code == 2 and out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".graph.ttl")] == []


def test_ingest_strict_refuses_skipped_rows(monkeypatch, capsys, tmp_path):
    from ingest import BUNDLED_PLAN

    plan = tmp_path / "2023_plan.txt"
    plan.write_text(BUNDLED_PLAN.read_text(encoding="utf-8") + "\n12\t只有两列\n", encoding="utf-8")
    out = tmp_path / "g.ttl"
    code, captured = run_main(monkeypatch, capsys, "ingest", str(plan), "-o", str(out), "--strict")
    assert code == 2 and "has 2 columns" in captured.err and not out.exists()
    assert run("ingest", str(plan), "-o", str(out)).exit_code == 0 and out.exists()


def test_ask_batch_json_in_order():
    result = run("ask", input="市公安局牵头哪些事项\n\n一共有几个攻坚事项\n")
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["question"] for r in rows] == ["市公安局牵头哪些事项", "一共有几个攻坚事项"]
    assert rows[0]["items"][0]["no"] == 4 and "11" in rows[1]["answer"]


def test_ask_readable_output():
    result = run("ask", "6月底前违建要累计拆除多少")
    assert result.exit_code == 0
    assert "不少于300万平方米" in result.stdout and "来源" in result.stdout and "SPARQL" in result.stdout


def test_ask_bad_date(monkeypatch, capsys):
    code, captured = run_main(monkeypatch, capsys, "ask", "下个月到期的节点", "--as-of", "2023-13-01")
    assert code == 2 and "YYYY-MM-DD" in captured.err


def test_ask_batch_follow_up_uses_previous_line():
    result = run("ask", input="市公安局牵头哪些事项\n那市交通运输局呢？\n市教育局参与哪些事项\n")
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [i["no"] for i in rows[1]["items"]] == [5, 7]
    assert [i["no"] for i in rows[2]["items"]] == [4]
