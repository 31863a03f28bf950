"""Question answering: own question set (every category, negatives), the dev sample, the API."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from qa import answer

HERE = Path(__file__).parent
OWN = [json.loads(line) for line in (HERE / "data" / "qa_questions.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
DEV_PATH = HERE.parent.parent / "shared" / "eval" / "qa-dev.jsonl"
DEV = [json.loads(line) for line in DEV_PATH.read_text(encoding="utf-8").splitlines() if line.strip()] if DEV_PATH.exists() else []


def check(gold: dict, result) -> list[str]:
    """The scorer's rules (shared/eval/score.py), restated so CI runs them without shared/."""
    nos = [i.no for i in result.items]
    text = "".join(result.answer.split())
    why = []
    if "items" in gold and set(nos) != set(gold["items"]):
        why.append(f"items {sorted(set(nos))} != {gold['items']}")
    if "include" in gold and not set(gold["include"]) <= set(nos):
        why.append(f"items {nos} lack {gold['include']}")
    if "top" in gold and gold["top"][0] not in nos[:3]:
        why.append(f"top3 {nos[:3]} lacks {gold['top'][0]}")
    why += [f"answer lacks {m!r}" for m in gold.get("must", []) if m not in text]
    return why


def test_own_question_set_is_large_and_covers_categories():
    assert len(OWN) >= 60
    assert {"lead", "involve", "domain", "target", "when", "count", "semantic", "negative", "place"} <= {g["cat"] for g in OWN}


@pytest.mark.parametrize("gold", OWN, ids=[g["id"] for g in OWN])
def test_own_questions(kg, gold):
    result = answer(gold["q"], kg)
    assert check(gold, result) == [], result.answer


@pytest.mark.parametrize("gold", DEV, ids=[g["id"] for g in DEV])
def test_dev_sample(kg, gold):
    result = answer(gold["q"], kg)
    assert check(gold, result) == [], result.answer


def test_answer_states_numbers_as_source_words_with_sources(kg):
    result = answer("6月底前违建要累计拆除多少", kg)
    assert "不少于300万平方米" in result.answer and "6月底前" in result.answer
    assert result.sources[0].item == 1 and "不少于300万平方米违建" in result.sources[0].text
    assert result.sparql and "pk:target" in result.sparql


def test_json_shape(kg):
    data = json.loads(answer("市公安局牵头哪些事项", kg).to_json())
    assert set(data) >= {"question", "answer", "intent", "items", "entities", "sparql", "sources"}
    assert data["items"][0] == {"plan": "2023_qingdao_minsheng_plan", "no": 4, "title": "加强重点医院学校景区周边交通拥堵整治"}
    assert data["entities"][0]["label"] == "市公安局"


def test_unknown_agency_suggests_and_lists_nothing(kg):
    result = answer("市财政局牵头哪些事项", kg)
    assert result.intent == "not_in_plan" and result.items == ()
    assert "市财政局" in result.answer and "相近" in result.answer


def test_off_topic_refused(kg):
    result = answer("今天天气怎么样", kg)
    assert result.intent == "out_of_scope" and result.items == () and result.sparql is None


def test_follow_up_reuses_previous_intent(kg):
    first = answer("市公安局牵头哪些事项", kg)
    follow = answer("那市交通运输局呢？", kg, context=first)
    assert [i.no for i in follow.items] == [5, 7]
    assert follow.intent == first.intent


def test_relative_time(kg):
    result = answer("下个月到期的节点有哪些", kg, as_of=dt.date(2023, 5, 15))
    assert result.intent == "milestones_due"
    assert "6月底前" in result.answer and "4月底前" not in result.answer
    assert len(result.items) == 11
    overdue = answer("截至9月底已到期的节点", kg, as_of=dt.date(2023, 10, 1))
    assert "共有33个进度节点" in overdue.answer


def test_multi_agency_modes(kg):
    neither = answer("市公安局和市城市管理局都不参与的事项", kg)
    assert {i.no for i in neither.items} == {7, 8, 9, 11}


def test_empty_question(kg):
    assert answer("  ", kg).intent == "empty"


RETRIEVAL = [json.loads(line) for line in (HERE / "data" / "retrieval_queries.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]


def test_hybrid_retrieval_recall(kg):
    """Colloquial queries find their item first (recall@1) and within three (recall@3)."""
    from qa import engine_for

    engine = engine_for(kg)
    firsts, top3 = 0, 0
    for query in RETRIEVAL:
        nos = [engine.vocab.items[h.item].no for h in engine.retriever.search(query["q"], limit=3)]
        firsts += bool(nos) and nos[0] == query["item"]
        top3 += query["item"] in nos
    assert firsts / len(RETRIEVAL) >= 0.9
    assert top3 == len(RETRIEVAL)


def test_lexical_floor_rejects_unrelated(kg):
    from qa import engine_for

    retriever = engine_for(kg).retriever
    for text in ("今天天气怎么样", "帮我写一首诗", "推荐一部好看的电影"):
        assert retriever.search(text) == []


@pytest.fixture(scope="module")
def two_cities(tmp_path_factory):
    """The bundled plan and the same table published by another city in another year."""
    from graph import load_graph
    from ingest import BUNDLED_PLAN

    text = BUNDLED_PLAN.read_text(encoding="utf-8").replace(
        "2023年民生领域集中攻坚行动", "济南市2024年民生领域集中攻坚行动", 1).replace("青岛", "济南")
    other = tmp_path_factory.mktemp("plans") / "2024_jinan_plan.txt"
    other.write_text(text, encoding="utf-8")
    return load_graph([BUNDLED_PLAN, other])


def test_same_agency_name_in_two_cities_is_one_name(two_cities):
    result = answer("市公安局牵头哪些事项", two_cities)
    assert [(i.plan, i.no) for i in result.items] == [
        ("2023_qingdao_minsheng_plan", 4), ("2024_jinan_plan", 4)]
    both = answer("市公安局和市交通运输局都参与的事项", two_cities)
    assert sorted(i.no for i in both.items) == [3, 3, 5, 5]


def test_city_and_year_scope_the_answer(two_cities):
    result = answer("济南2024年市公安局牵头哪些事项", two_cities)
    assert [(i.plan, i.no) for i in result.items] == [("2024_jinan_plan", 4)]
    count = answer("青岛2023年一共有几个攻坚事项", two_cities)
    assert "共11个" in count.answer
