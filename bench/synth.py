"""Synthetic action plans in the bundled plan's form, for scale tests.

Each plan is tab-separated text with the bundled plan's title line and header,
8–15 item rows, numbered tasks, and a schedule with 4月底前/6月底前/9月底前/12月底前
milestones carrying numeric targets (累计新增X个, 不少于Y万平方米 …). Cities come
from ``ontology/districts.tsv``; everything is deterministic for a given seed.

    python -m bench.synth 100 /tmp/plans        # writes 100 plan files

>>> text = plan_text(0, seed=1)
>>> text.splitlines()[2].split("\\t")[:3]
['序号', '攻坚事项 (带*为继续 攻坚事项)', '攻坚任务']
>>> plan_text(0, seed=1) == text
True
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

from ontology import districts_of, known_cities

__all__ = ["HEADER", "plan_name", "plan_text", "write_plans"]

HEADER = "序号\t攻坚事项 (带*为继续 攻坚事项)\t攻坚任务\t领域\t责任单位(加粗字体 为牵头单位)\t实施进度计划"

_PINYIN = {"青岛": "qingdao", "济南": "jinan", "烟台": "yantai", "潍坊": "weifang"}
_LANDMARKS = {"青岛": ["青岛北站", "胶东国际机场", "团岛"], "济南": ["泉城广场", "济南西站", "黄河大桥"],
              "烟台": ["烟台南站", "滨海广场", "蓬莱国际机场"], "潍坊": ["潍坊北站", "风筝广场", "白浪河大桥"]}

# domain → (lead agencies, actions, objects, metric words with their unit)
_DOMAINS: dict[str, tuple[list[str], list[str], list[str], list[tuple[str, str]]]] = {
    "市容 环境": (["市城市管理局", "市农业农村局", "市生态环境局"], ["整治", "清理", "提升"],
               ["违建", "农村环卫", "背街小巷", "废弃车辆"],
               [("拆除违建", "万平方米"), ("清理卫生死角", "处"), ("改造背街小巷", "条")]),
    "交通 出行": (["市交通运输局", "市公安局", "市住房城乡建设局"], ["治理", "优化", "整治"],
               ["交通拥堵", "公交线路", "停车秩序", "出租车运营秩序"],
               [("新增停车泊位", "个"), ("优化公交线路", "条"), ("开展联合执法", "次")]),
    "噪声 扰民": (["市生态环境局", "市城市管理局", "市交通运输局"], ["整治", "管控", "治理"],
               ["施工噪声", "社会生活噪声", "交通噪声"],
               [("安装声屏障", "米"), ("检查工地", "家次"), ("办结噪声投诉", "件")]),
    "医疗 服务": (["市卫生健康委", "市医保局"], ["优化", "提升", "改善"],
               ["医疗服务流程", "预约诊疗", "基层医疗"],
               [("开展预约诊疗医院", "家"), ("新增家庭医生团队", "个"), ("开通检查结果互认项目", "项")]),
    "食品 安全": (["市市场监管局", "市教育局"], ["加强", "规范", "整治"],
               ["外卖业户监管", "校园食品安全", "农贸市场"],
               [("检查外卖业户", "家次"), ("建设明厨亮灶学校", "所"), ("抽检食品", "批")]),
    "物业 管理": (["市住房城乡建设局", "市城市管理局"], ["解决", "规范", "提升"],
               ["小区物业问题", "电动自行车充电", "老旧小区改造"],
               [("新增电动自行车充电位", "个"), ("改造老旧小区", "个"), ("改造面积", "万平方米")]),
    "养老 服务": (["市民政局", "市卫生健康委"], ["扩大", "完善", "提升"],
               ["社区养老服务", "长者食堂", "适老化改造"],
               [("建设长者食堂", "处"), ("完成适老化改造", "户"), ("新增养老床位", "张")]),
    "教育 服务": (["市教育局", "市财政局"], ["扩大", "优化", "规范"],
               ["学位供给", "课后服务", "校外培训"],
               [("新增中小学学位", "个"), ("新建改扩建学校", "所"), ("开展课后服务学校", "所")]),
}
_PARTNERS = ["市发展改革委", "市财政局", "市大数据局", "市公安局", "市商务局", "市文化和旅游局",
             "市自然资源和规划局", "市应急局", "消防救援支队", "市邮政管理局"]
_DOCUMENTS = ["违法建设治理条例", "物业管理条例", "生活垃圾分类管理办法", "养老服务条例", "停车管理办法"]
_TASK_OPENINGS = ["围绕", "聚焦", "针对", "持续推进"]
_TASK_BODIES = ["开展专项行动", "建立工作台账", "完善工作机制", "强化部门协作", "加强督导检查"]
_DEADLINES = ("4月底前", "6月底前", "9月底前", "12月底前")


def plan_name(index: int, seed: int = 0) -> str:
    """The file name of synthetic plan *index* (its slug is unique across indexes).

    >>> plan_name(7, seed=3)
    '2022_weifang_synth_s3_00007.txt'
    """
    city, year = _city_year(index)
    return f"{year}_{_PINYIN.get(city, 'city')}_synth_s{seed}_{index:05d}.txt"


def _city_year(index: int) -> tuple[str, int]:
    cities = known_cities()
    return cities[index % len(cities)], 2021 + (index // len(cities)) % 5


def _units(rng: random.Random, city: str, leads: list[str]) -> str:
    lead = rng.choice(leads)
    partners = rng.sample([p for p in _PARTNERS if p != lead], rng.randint(0, 3))
    cell = "、 ".join([lead, *partners])
    districts = districts_of(city)
    choice = rng.random()
    if choice < 0.5:
        cell += "; 各区(市)政府"
    elif choice < 0.65 and districts:
        cell += f"; {rng.choice(districts)}等区(市) 政府"
    elif choice < 0.75:
        cell += "; 相关区(市)政府"
    return cell


def _target(rng: random.Random, metric: str, unit: str, base: int, step: int) -> str:
    base *= step
    if unit.startswith("万"):
        return f"累计{metric}不少于{base}{unit}"
    form = rng.random()
    if form < 0.4:
        return f"累计{metric}{base * 10}{unit}"
    if form < 0.7:
        return f"{metric}不少于{base * 5}{unit}"
    return f"{metric}达到{base * 3}{unit}以上"


def _item_row(rng: random.Random, no: int, city: str, year: int) -> str:
    domain = rng.choice(list(_DOMAINS))
    leads, actions, objects, metrics = _DOMAINS[domain]
    action, obj = rng.choice(actions), rng.choice(objects)
    title = f"{'*' if rng.random() < 0.3 else ''}{action}{obj},推动{city}民生 服务质量明显提升"
    landmark = rng.choice(_LANDMARKS.get(city, ["中心广场"]))
    document = rng.choice(_DOCUMENTS)
    tasks = []
    for seq in range(1, rng.randint(1, 3) + 1):
        mention = f"贯彻落实《{city}市{document}》," if seq == 1 and rng.random() < 0.5 else ""
        tasks.append(f"{seq}.{mention}{rng.choice(_TASK_OPENINGS)}{obj}{rng.choice(_TASK_BODIES)},"
                     f"对{landmark}周边等重点区域 全面摸排,{action}长效机制。")
    metric, unit = rng.choice(metrics)
    base = rng.randint(2, 60)
    schedule = []
    for step, deadline in enumerate(_DEADLINES, start=1):
        clause = (f"{deadline} ,{rng.choice(['制定', '完善', '落实', '深化'])}{obj}工作方案,"
                  f"{_target(rng, metric, unit, base, step)}")
        if rng.random() < 0.3:
            clause += f";在{landmark}开展联合检查不少于{step}次"
        schedule.append(clause + "。")
    return "\t".join([str(no), title, " ".join(tasks), domain, _units(rng, city, leads), " ".join(schedule)])


def plan_text(index: int, seed: int = 0) -> str:
    """The text of synthetic plan *index* for *seed*."""
    rng = random.Random(seed * 1_000_003 + index)
    city, year = _city_year(index)
    rows = [_item_row(rng, no, city, year) for no in range(1, rng.randint(8, 15) + 1)]
    return "\n".join(["", f"{city}市{year}年民生领域集中攻坚行动责任体系及计划进度", HEADER, *rows]) + "\n"


def write_plans(n: int, folder: str | Path, seed: int = 0) -> list[Path]:
    """Write *n* synthetic plans into *folder* (created if needed); their paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(n):
        path = folder / plan_name(index, seed)
        if not path.exists():
            path.write_text(plan_text(index, seed), encoding="utf-8")
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="how many plans")
    parser.add_argument("folder", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    paths = write_plans(args.n, args.folder, args.seed)
    print(f"wrote {len(paths)} plans to {args.folder}")


if __name__ == "__main__":
    main()
