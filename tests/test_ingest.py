"""Ingestion of the bundled plan and of bad input."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest import BUNDLED_PLAN, PlanFileError, parse_plan_text, read_plan
from ingest.agencies import split_units
from ingest.deadlines import parse_deadline
from ingest.targets import extract_targets
from ingest.text import squash_spaces

HEADER = "序号\t攻坚事项 (带*为继续 攻坚事项)\t攻坚任务\t领域\t责任单位(加粗字体 为牵头单位)\t实施进度计划"
GOOD_ROW = "{no}\t*整治事项{no}\t1.拆违。 2.巡查。\t市容 环境\t市城市管理局; 各区(市)政府\t4月底前 ,累计拆除不少于{no}0万平方米违建。 6月底前 ,新增充电位{no}00个。"


def plan_lines(*rows: str) -> list[str]:
    return ["2023年示范城市民生攻坚计划", HEADER, *rows]


def test_bundled_counts(plan):
    assert (plan.city, plan.year) == ("青岛", 2023)
    assert plan.title == "2023年民生领域集中攻坚行动责任体系及计划进度"
    assert len(plan.items) == 11
    assert sum(len(i.milestones) for i in plan.items) == 44
    assert len({i.domain for i in plan.items}) == 7
    assert sum(i.continued for i in plan.items) == 8


def test_bundled_leads(plan):
    leads = {i.no: i.leads for i in plan.items}
    assert leads == {
        1: ("市城市管理局",), 2: ("市城市管理局",), 3: ("市发展改革委",), 4: ("市公安局",),
        5: ("市交通运输局",), 6: ("市城市管理局",), 7: ("市交通运输局",), 8: ("市卫生健康委",),
        9: ("市市场监管局",), 10: ("市城市管理局",), 11: ("市邮政管理局",),
    }
    assert all(i.lead_inferred for i in plan.items)


def test_spaces_removed_from_cjk(plan):
    domains = {i.domain for i in plan.items}
    assert domains == {"市容环境", "交通出行", "噪声扰民", "医疗服务", "食品安全", "物业管理", "快递物流"}
    assert plan.items[0].title == "对存量违建开展全面摸排治理,对新生违建坚决打击遏制"


def test_row5_units_split_and_deduplicated(plan):
    item = plan.items[4]
    assert [a.name for a in item.agencies] == ["市交通运输局", "李沧区等区(市)政府", "胶州市政府", "市公安局", "机场集团"]
    kinds = {a.name: (a.kind.value, a.covers) for a in item.agencies}
    assert kinds["李沧区等区(市)政府"] == ("AgencyGroup", ("李沧区",))
    assert kinds["胶州市政府"] == ("Agency", ("胶州市",))


def test_tasks_split_by_number(plan):
    assert [len(i.tasks) for i in plan.items] == [2, 3, 2, 2, 1, 3, 2, 2, 1, 3, 2]


def test_milestone_dates(plan):
    item = plan.items[0]
    assert [m.deadline for m in item.milestones] == [
        dt.date(2023, 4, 30), dt.date(2023, 6, 30), dt.date(2023, 9, 30), dt.date(2023, 12, 31)]
    assert item.milestones[1].text.startswith("实现297条城市重点道路两侧")


def _milestone_targets(plan, no):
    return [[(t.value, t.unit, t.comparator.value, t.cumulative) for t in m.targets]
            for m in plan.items[no - 1].milestones]


def test_targets_item1(plan):
    rows = _milestone_targets(plan, 1)
    assert [r[-1] for r in rows] == [(1.8e6, "平方米", ">=", True), (3e6, "平方米", ">=", True),
                                      (4.8e6, "平方米", ">=", True), (6e6, "平方米", ">=", True)]
    first = plan.items[0].milestones[0].targets[1]
    assert (first.metric, first.quantity) == ("拆除违建", "不少于180万平方米")


def test_targets_item3(plan):
    assert _milestone_targets(plan, 3) == [[], [(50.0, "%", ">=", False)], [(80.0, "%", ">=", False)], []]


def test_targets_item4(plan):
    per_deadline = [[(v, u) for v, u, _, _ in row] for row in _milestone_targets(plan, 4)]
    assert per_deadline == [
        [(1, "家"), (5, "所"), (1, "个"), (5, "处"), (75, "个")],
        [(2, "家"), (10, "所"), (2, "个"), (10, "处"), (150, "个")],
        [(3, "家"), (15, "所"), (3, "个"), (15, "处"), (225, "个")],
        [(5, "家"), (20, "所"), (5, "个"), (20, "处"), (300, "个")],
    ]
    assert plan.items[3].milestones[0].targets[-1].comparator.value == ">="


def test_targets_item9(plan):
    assert [[(v, u) for v, u, _, _ in row] for row in _milestone_targets(plan, 9)] == [
        [(100, "家次")], [(300, "家次"), (3, "家次")], [(400, "家次")], [(600, "家次"), (6, "家次")]]


def test_targets_item10(plan):
    rows = _milestone_targets(plan, 10)
    assert [(r[0][0], r[0][1], r[0][3]) for r in rows] == [
        (1000, "个", False), (3000, "个", True), (7000, "个", True), (10000, "个", True)]
    assert plan.items[9].milestones[0].targets[0].metric == "新增电动自行车充电位"


def test_targets_item11(plan):
    assert _milestone_targets(plan, 11) == [[(v, "%", ">=", False)] for v in (20.0, 30.0, 40.0, 50.0)]
    task_targets = [(t.value, t.unit, t.comparator.value) for t in plan.items[10].tasks[0].targets]
    assert task_targets == [(98.0, "%", ">="), (1.0, "件/百万件", "<=")]


def test_ratio_target(plan):
    target = plan.items[1].milestones[0].targets[0]
    assert (target.value, target.unit) == (1.0, "人/100户")


def test_documents_and_places(plan):
    assert "青岛市违法建设治理条例" in plan.items[0].documents
    assert plan.items[4].places == ("青岛北站", "胶东国际机场")
    assert {"太平山", "浮山", "前海一带"} <= set(plan.items[0].places)
    assert "胶宁高架路" in plan.items[6].places


@pytest.mark.parametrize(("text", "expected"), [
    ("市容 环境", "市容环境"), ("快 递 物 流", "快递物流"), ("违建 开展", "违建开展"),
    ("李沧区等区(市) 政府", "李沧区等区(市)政府"), ("Wi Fi 覆盖", "Wi Fi覆盖"),
])
def test_squash_spaces(text, expected):
    assert squash_spaces(text) == expected


def test_split_units_on_spaces_between_names():
    assert split_units("市城市管理局、 市住房城乡建设局、 市公安局、 消防救援支队; 各区(市)政府") == [
        "市城市管理局", "市住房城乡建设局", "市公安局", "消防救援支队", "各区(市)政府"]


@pytest.mark.parametrize(("phrase", "date"), [
    ("4月底前", dt.date(2023, 4, 30)), ("年底前", dt.date(2023, 12, 31)),
    ("2024年6月底前", dt.date(2024, 6, 30)), ("第二季度", dt.date(2023, 6, 30)),
    ("3月15日前", dt.date(2023, 3, 15)), ("十二月底前", dt.date(2023, 12, 31)),
])
def test_parse_deadline(phrase, date):
    assert parse_deadline(phrase, 2023) == date


def test_targets_other_forms():
    [target] = extract_targets("推动不少于总量50%的废弃汽车进入处置流程")
    assert (target.value, target.unit, target.comparator.value, target.quantity) == (50, "%", ">=", "不少于总量50%")
    assert extract_targets("印发《2023年工作方案》，到2023年底完成") == ()


# ----------------------------------------------------------------- bad input
def test_missing_file(tmp_path):
    with pytest.raises(PlanFileError, match=r"nope\.txt: no such file"):
        read_plan(tmp_path / "nope.txt")


def test_empty_file(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_text("  \n", encoding="utf-8")
    with pytest.raises(PlanFileError, match="empty.txt: the file is empty"):
        read_plan(path)


def test_binary_file(tmp_path):
    path = tmp_path / "plan.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    with pytest.raises(PlanFileError, match="binary"):
        read_plan(path)


def test_no_header(tmp_path):
    path = tmp_path / "plan.txt"
    path.write_text("2023年计划\n一些文字\t没有表头\n", encoding="utf-8")
    with pytest.raises(PlanFileError, match=r"plan.txt:1: no header row: expected .*序号"):
        read_plan(path)


def test_bad_rows_skipped_good_rows_kept():
    result = parse_plan_text(plan_lines(
        GOOD_ROW.format(no=1),
        "2\t只有两列",
        "3\t*事项三\t任务\t市容环境\t市城市管理局\t13月底前 ,做点什么。",
        GOOD_ROW.format(no=4),
    ), "demo.txt", city="青岛")
    assert [i.no for i in result.plan.items] == [1, 4]
    reasons = {s.line: s.reason for s in result.skipped}
    assert reasons[4].startswith("has 2 columns, expected 6")
    assert "13月底前" in reasons[5] and "month 13" in reasons[5]
    assert str(result.skipped[0]).startswith("demo.txt:4: ")


def test_section_rows_and_chinese_numbers():
    header = "序号\t攻坚事项\t攻坚任务\t牵头单位\t配合单位\t实施进度计划"
    result = parse_plan_text([
        "2024年某市行动计划", header, "一、市容环境",
        "一\t整治事项\t任务\t市城市管理局\t市公安局\t2024年6月底前，完成整治。",
    ], "demo.txt")
    item = result.plan.items[0]
    assert (item.no, item.domain, item.leads, item.lead_inferred) == (1, "市容环境", ("市城市管理局",), False)
    assert [a.name for a in item.agencies] == ["市城市管理局", "市公安局"]
    assert item.milestones[0].deadline == dt.date(2024, 6, 30)


def test_year_required(tmp_path):
    with pytest.raises(PlanFileError, match="cannot tell the plan's year"):
        parse_plan_text(["某市行动计划", HEADER, GOOD_ROW.format(no=1)], "plan.txt")


_mangle = st.lists(st.sampled_from(list("\t 1234567890月底前年市局、;,。*《》%万个") + ["违建", "政府", "\t"]),
                  max_size=40).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bad_rows=st.lists(_mangle, max_size=5), positions=st.lists(st.integers(0, 3), max_size=5))
def test_mangled_rows_never_crash_or_lose_good_rows(bad_rows, positions):
    good = [GOOD_ROW.format(no=n) for n in (101, 102, 103)]
    rows = list(good)
    for bad, at in zip(bad_rows, positions, strict=False):
        rows.insert(min(at, len(rows)), bad)
    result = parse_plan_text(plan_lines(*rows), "fuzz.txt", city="青岛")
    kept = {i.no for i in result.plan.items}
    assert {101, 102, 103} <= kept
    for item in result.plan.items:
        assert item.title and item.leads and item.leads[0] in [a.name for a in item.agencies]


@given(st.text(max_size=200))
@settings(max_examples=200, deadline=None)
def test_target_extraction_total(text):
    for target in extract_targets(text):
        assert target.value >= 0 and target.unit and target.quantity in target.text


def test_bundled_file_is_in_repo():
    assert BUNDLED_PLAN.exists() and BUNDLED_PLAN.parent.name == "data"
    assert Path(BUNDLED_PLAN).read_text(encoding="utf-8").count("\n") > 10
