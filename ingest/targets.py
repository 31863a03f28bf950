"""Quantitative targets in task and milestone text.

``累计拆除不少于180万平方米违建`` → Target(metric='拆除违建', value=1800000,
unit='平方米', comparator='>=', cumulative=True, quantity='不少于180万平方米').
"""

from __future__ import annotations

import re

from .records import Comparator, Target

__all__ = ["UNITS", "extract_targets", "split_clauses"]

#: Measure words and units, longest first so 家次 wins over 家 and 平方米 over 米.
UNITS: tuple[str, ...] = tuple(sorted(
    """平方公里 平方米 公顷 公里 千米 延米 米 亩 吨 千瓦 万元 亿元 元 人次 家次 户次 车次 次 个 家 所 处 条
    项 户 人 名 辆 台 套 座 件 份 场 批 张 间 栋 幢 天 小时 分钟 床 支 只 根 块 盏 棵 株 册 部 本 道 类
    种 期 轮 班 趟 口 位 组 千克""".split(),
    key=len, reverse=True,
))

_AT_LEAST_BEFORE = ("不少于", "不低于", "至少", "超过", "多于", "大于", "不小于", "力争达到")
_AT_MOST_BEFORE = ("不超过", "不高于", "低于", "少于", "小于", "控制在", "保持在")
_EQUAL_BEFORE = ("达到", "达")
_AT_LEAST_AFTER = ("及以上", "以上")
_AT_MOST_AFTER = ("及以下", "以下", "以内")
_MULTIPLIERS = {"万": 1e4, "亿": 1e8, "千": 1e3, "百": 1e2}

_UNIT_ALT = "|".join(map(re.escape, UNITS))
_QUANTITY = re.compile(
    r"(?<![\dA-Za-z.第/])"
    r"(?P<num>\d+(?:,\d{3})*(?:\.\d+)?)"
    r"(?:(?P<per>/(?:百万|万|千|百))(?=件|人|户))?"
    rf"(?P<mult>[万亿千](?=%|{_UNIT_ALT}))?"
    rf"(?P<unit>%|{_UNIT_ALT})"
    r"(?P<after>及以上|以上|及以下|以下|以内)?"
)
_RATIO = re.compile(
    rf"每(?P<n1>\d+)(?P<u1>{_UNIT_ALT})(?P<n2>\d+(?:\.\d+)?)(?P<u2>{_UNIT_ALT})"
)
_CLAUSE_END = re.compile(r"[；;。！!]")
_SEGMENT_END = re.compile(r"[、，,；;。：:（()）]")
_PREFIX_NOISE = re.compile(
    r"累计|全市|全年|力争|确保|不少于|不低于|至少|超过|多于|大于|不小于|不超过|不高于|低于|少于|小于"
    r"|控制在|保持在|达到|达$|总量$|的$|^到?\d{4}年底?"
)
_NOT_A_QUANTITY_AFTER = ("年", "月", "日", "季度", "号", "级", "岁", "周年", "G")


def split_clauses(text: str) -> list[str]:
    """Clauses of a cell, split at full stops and semicolons.

    >>> split_clauses("完成方案；新增充电位1000个。")
    ['完成方案', '新增充电位1000个']
    """
    return [c.strip(" ，,") for c in _CLAUSE_END.split(text) if c.strip(" ，,")]


def _in_title_marks(clause: str, position: int) -> bool:
    return clause.rfind("《", 0, position) > clause.rfind("》", 0, position)


def _comparator(before: str, after: str | None) -> tuple[Comparator, str]:
    """The comparator and the words of *before* that state it."""
    if after in _AT_LEAST_AFTER:
        return Comparator.AT_LEAST, ""
    if after in _AT_MOST_AFTER:
        return Comparator.AT_MOST, ""
    window = before[-8:]
    for words, comparator in (
        (_AT_LEAST_BEFORE, Comparator.AT_LEAST),
        (_AT_MOST_BEFORE, Comparator.AT_MOST),
        (_EQUAL_BEFORE, Comparator.EQUAL),
    ):
        for word in words:
            at = window.rfind(word)
            if at >= 0:
                return comparator, window[at:]
    return Comparator.EQUAL, ""


def _clean(text: str) -> str:
    previous = None
    while previous != text:
        previous, text = text, _PREFIX_NOISE.sub("", text).strip("的 ")
    return text


def _segment_start(clause: str, position: int) -> int:
    starts = [m.end() for m in _SEGMENT_END.finditer(clause, 0, position)]
    return starts[-1] if starts else 0


def _noun_after(clause: str, position: int) -> str:
    match = _SEGMENT_END.search(clause, position)
    noun = clause[position : match.start() if match else len(clause)]
    return noun.lstrip("的")[:30]


def extract_targets(text: str) -> tuple[Target, ...]:
    """Every quantitative target stated in *text*, in order.

    >>> t = extract_targets("全市累计拆除不少于180万平方米违建")[0]
    >>> (t.metric, t.value, t.unit, t.comparator.value, t.cumulative, t.quantity)
    ('拆除违建', 1800000.0, '平方米', '>=', True, '不少于180万平方米')
    >>> [(t.metric, t.value, t.unit) for t in extract_targets("累计新增电动自行车充电位3000个")]
    [('新增电动自行车充电位', 3000.0, '个')]
    >>> [(t.value, t.unit, t.comparator.value) for t in extract_targets("保持在1/百万件以下")]
    [(1.0, '件/百万件', '<=')]
    >>> [(t.metric, t.value, t.unit) for t in extract_targets("完成2家医院、10所学校")]
    [('完成医院', 2.0, '家'), ('学校', 10.0, '所')]
    >>> extract_targets("到2023年底，印发《2023年工作方案》")
    ()
    """
    targets: list[Target] = []
    for clause in split_clauses(text):
        cumulative_from = clause.find("累计")
        taken: list[tuple[int, int]] = []
        for match in _RATIO.finditer(clause):
            metric = _clean(clause[_segment_start(clause, match.start()) : match.start()])
            metric = metric + _noun_after(clause, match.end()) or clause[:20]
            targets.append(Target(
                metric=metric,
                value=float(match["n2"]),
                unit=f"{match['u2']}/{match['n1']}{match['u1']}",
                comparator=Comparator.EQUAL,
                cumulative=False,
                quantity=match.group(0),
                text=clause,
            ))
            taken.append(match.span())
        for match in _QUANTITY.finditer(clause):
            start, end = match.span()
            if any(a <= start < b for a, b in taken) or _in_title_marks(clause, start):
                continue
            if clause[end:].startswith(_NOT_A_QUANTITY_AFTER) and match["unit"] != "%":
                continue
            segment = _segment_start(clause, start)
            before = clause[segment:start]
            comparator, comparator_words = _comparator(before, match["after"])
            value = float(match["num"].replace(",", ""))
            if match["mult"]:
                value *= _MULTIPLIERS[match["mult"]]
            unit = match["unit"]
            if match["per"]:
                unit = f"{unit}{match['per']}{unit}"
            prefix = _clean(before)
            noun = _noun_after(clause, end)
            metric = (prefix + noun) or clause[:20]
            quantity_start = start - len(comparator_words) if comparator_words else start
            targets.append(Target(
                metric=metric,
                value=value,
                unit=unit,
                comparator=comparator,
                cumulative=0 <= cumulative_from < start,
                quantity=clause[quantity_start:end],
                text=clause,
            ))
    return tuple(targets)
