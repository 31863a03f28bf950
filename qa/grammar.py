"""The intent grammar's cue words: what a question asks, as regular expressions.

Data, not logic: each cue is a named pattern the strategies in
:mod:`qa.engine` combine. Add a phrasing here and every strategy using the cue
understands it.
"""

from __future__ import annotations

import re

__all__ = ["CUES", "has"]

CUES: dict[str, re.Pattern[str]] = {name: re.compile(pattern) for name, pattern in {
    "lead": r"牵头|主责|主管|负总责|挂帅|带头|领头|主导|主要负责|第一责任",
    "together": r"一起|共同|一同|协同|合作|配合|搭档|联合|协作|同.{0,3}(负责|参与)",
    "neither": r"都不|均不|既不|都没有|均没有|都没|不参与|没有参与|未参与|不负责|没参与",
    "either": r"或者|或|任一|之一|任何一个",
    "domain_word": r"领域|方面|板块|类别|类型|口",
    "belongs": r"属于|归|哪个领域|什么领域|哪一类|哪类|哪个方面",
    "count_items": r"(几|多少)(个|项|件)?(攻坚)?(事项|项目|工作|任务)|事项.{0,4}(几|多少|数量|总数)|(一共|总共|共)(有)?(几|多少)|(参与|牵头|负责|承担)了?(几|多少)(个|项)",
    "howmuch": r"多少|几|数量|目标|指标|比例|百分之|多大|多长|规模",
    "when": r"什么时候|何时|哪天|哪个月|几月|什么时间|哪个时间|时限|期限|截止时间|多久|啥时候|哪个阶段",
    "rank": r"最多|最少|最忙|最重|排名|排行|前三|前五|谁.{0,3}多|多的单位",
    "agency_word": r"单位|部门|机构|谁|哪个局|哪些局|机关|哪家",
    "tasks": r"任务|措施|怎么做|做什么|干什么|内容|举措|做法|要做|怎么干|怎么办|怎么处理|如何",
    "progress": r"进度|计划|节点|安排|里程碑|阶段|时间表",
    "due": r"到期|节点|完成什么|要完成|做什么|任务|工作|进度|要干|安排|有哪些",
    "continued": r"继续攻坚|持续攻坚|延续|继续|带\*|带星",
    "new_items": r"新增(的)?(攻坚)?事项|新的(攻坚)?事项|新事项|首次|非继续|不是继续|新设",
    "list_items": r"(有|包括|包含|列出|列举|所有|全部|哪些)(的)?(攻坚)?(事项|项目)|事项(清单|列表|有哪些)",
    "list_agencies": r"(有|包括|所有|全部|哪些)(的)?(责任)?(单位|部门)(有|参与)?",
    "negation": r"没有|未|不",
    "follow_up": r"^(那|那么|还有|另外|换成|如果是)|呢[？?]?$",
    "joined_not_led": r"(参与|负责|配合).{0,3}(但|而|却|并)?(不是|不|没有|未)(牵头)|(不|没有|未)牵头.{0,4}(只|仅|但)?(参与|配合)",
    "rank_items": r"(单位|部门)最多的(攻坚)?事项|事项.{0,8}(单位|部门).{0,3}最多|哪个事项.{0,8}(单位|部门)",
    "trajectory": r"各阶段|每个阶段|各个阶段|各节点|每个节点|各个节点|变化|分别|逐步|各季度|每季度|走势|历次|全过程",
    "count_parts": r"(几|多少)(个|项|条)?(进度|攻坚|量化)?(?P<part>节点|里程碑|任务|目标|指标)",
    "every_item": r"(各|所有|每个|每项|全部|每一个|各个|各项)(攻坚)?事项",
    "documents": r"文件|政策|条例|制度|方案|规范|意见|通知|法规",
    "places": r"地点|地方|区域|哪里|在哪|哪些路|位置|场所",
    "item_number": r"第\s*(\d{1,3}|[一二三四五六七八九十]{1,3})\s*(?:项|个事项|号事项|个攻坚事项|条)(?!目)|(?:事项|攻坚事项|序号)\s*(\d{1,3})(?![\d万%月日号季年个项家所处条次])|(\d{1,3})\s*号事项",
}.items()}


def has(cue: str, text: str) -> bool:
    """Whether *text* carries the cue.

    >>> has("lead", "市公安局牵头哪些事项"), has("lead", "市教育局参与哪些事项")
    (True, False)
    """
    return bool(CUES[cue].search(text))
