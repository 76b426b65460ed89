"""Seeded synthetic self-evaluations for benchmarks: realistic, consistent, about 1% wrong.

Each document is one department's 项目支出绩效自评表 for one year (document_kind
``project_table``) with several projects, as plain dicts in the Submission JSON shape. Projects
follow the 财预〔2020〕10号 template: 产出指标 50 / 效益指标 30 / 满意度指标 10 plus a 年度资金总额
budget line worth 10, about 15 三级指标 each. Clean rows are internally consistent, so a finding
on a clean row means either a rule or this generator is wrong; every injected violation is
recorded (document, JSON pointer of the row, kind) so a benchmark can tell the two apart.

What clean rows keep to (and so what a rule may rely on):

* indicator weights are integers summing to 50 / 30 / 10 per 一级指标; 三级指标 names are unique
  within a project, and more than half of each project's indicators are quantitative;
* quantitative ``gte``/``gt``: score = weight if actual meets target, else
  round_half_up(weight * actual / target, 2); ``eq``/``lte``/``lt`` indicators always meet target;
* qualitative: no target, comparator or unit; 达成年度指标 → [0.8w, w],
  部分达成年度指标并具有一定效果 → [0.6w, 0.8w), 未达成年度指标且效果较差 → [0, 0.6w);
* every indicator scored below its weight, and every under-spent total line, has an explanation;
* budget lines: sub-lines sum to the 年度资金总额 line; rate = round_half_up(executed / annual_budget, 4)
  wherever annual_budget > 0 (else "—"); the total line has weight 10 and
  score = round_half_up(min(rate, 1) * 10, 2); sub-lines have weight and score "—";
* project self_score = sum of the stated scores, grade 优 ≥ 90 > 良 ≥ 80 > 中 ≥ 60 > 差; delivered
  within the fiscal year when 全部完成; the header carries no total score;
* one fund per project (its 当年财政拨款); expenditures sum to what was executed, never more than
  the fund. About 30% of funds are earmarked (purpose_category set) when the pack's
  ``reference/fund_uses.csv`` lists a purpose the bureau handles; their use categories come from
  that table (valid for the year) and they are never paid together with other money. Other
  funds have no purpose_category and may list ``paid_with``.

Run ``python benchmarks/generate.py --rows 100000 --out benchmarks/out/submissions`` to write files;
with ``--fast``, the normalized tables of ``fast_tables`` (the engine benchmarks' fast path) as Arrow.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import random
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, cast

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

Doc = dict[str, Any]

VIOLATION_RATE = 0.01
EARMARKED_SHARE = 0.3
DEFAULT_FUND_USES = Path(__file__).resolve().parent.parent / "rules" / "reference" / "fund_uses.csv"
LEVEL1_WEIGHTS = (("产出指标", 50), ("效益指标", 30), ("满意度指标", 10))
BUDGET_WEIGHT = 10
TOTAL_ITEM = "年度资金总额"
SUB_ITEMS = ("当年财政拨款", "上年结转", "其他资金")
GRADE_BANDS = (
    ("达成年度指标", Decimal("0.8"), Decimal("1")),
    ("部分达成年度指标并具有一定效果", Decimal("0.6"), Decimal("0.8")),
    ("未达成年度指标且效果较差", Decimal("0"), Decimal("0.6")),
)
# Uses no earmarked purpose allows: what auditors actually find money diverted to.
DIVERTED_USES = (
    ("楼堂馆所建设", "办公楼装修改造"),
    ("人员工资福利", "在编人员绩效奖励"),
    ("偿还债务", "偿还以前年度工程欠款"),
    ("日常公用经费", "弥补机关日常办公经费"),
)


# --------------------------------------------------------------------------- vocabulary


@dataclass(frozen=True)
class Quant:
    """A quantitative indicator template: target drawn from range(lo, hi + 1, step)."""

    name: str
    unit: str
    comparator: str
    lo: int
    hi: int
    step: int = 1
    decimals: int = 0


@dataclass(frozen=True)
class Theme:
    """One line of government work: who runs it, what its projects measure, how its money is spent."""

    bureau: str
    projects: tuple[str, ...]
    function_code: str
    earmarks: tuple[str, ...]
    """专项 purposes this bureau's funds may be earmarked for, used when the reference table lists them."""
    fund_names: tuple[str, ...]
    quantity: tuple[Quant, ...]
    economic: tuple[Quant | str, ...]
    social: tuple[Quant | str, ...]
    ecological: tuple[Quant | str, ...]
    use_texts: tuple[tuple[str, str], ...]


PCT = "%"

QUALITY: tuple[Quant, ...] = (
    Quant("验收合格率", PCT, "gte", 95, 100, 5, 1),
    Quant("设备完好率", PCT, "gte", 90, 100, 5, 1),
    Quant("工程质量达标率", PCT, "gte", 95, 100, 5, 1),
    Quant("资金使用合规率", PCT, "eq", 100, 100),
    Quant("政府采购合规率", PCT, "eq", 100, 100),
    Quant("档案资料完整率", PCT, "gte", 90, 100, 5, 1),
)
TIMELINESS: tuple[Quant, ...] = (
    Quant("项目按期完成率", PCT, "gte", 90, 100, 5, 1),
    Quant("资金拨付及时率", PCT, "gte", 95, 100, 5, 1),
    Quant("项目完成时限", "月", "lte", 10, 12),
    Quant("补助资金发放及时率", PCT, "gte", 95, 100, 5, 1),
)
COST: tuple[Quant, ...] = (
    Quant("项目成本控制率", PCT, "lte", 100, 100),
    Quant("预算调整率", PCT, "lte", 5, 10, 5, 1),
    Quant("单位管理成本", "元", "lte", 800, 3000, 100),
    Quant("超概算项目数", "个", "eq", 0, 0),
)
SUSTAINABLE: tuple[Quant | str, ...] = (
    "长效管护机制建立健全",
    "项目成果持续发挥作用",
    Quant("设施设备使用年限", "年", "gte", 5, 15),
    "制度建设和人员队伍保障",
)
SATISFACTION: tuple[Quant, ...] = (
    Quant("服务对象满意度", PCT, "gte", 85, 95, 5, 1),
    Quant("受益群众满意度", PCT, "gte", 85, 95, 5, 1),
    Quant("社会公众满意度", PCT, "gte", 80, 90, 5, 1),
    Quant("项目实施单位满意度", PCT, "gte", 85, 95, 5, 1),
)

# fmt: off
THEMES: tuple[Theme, ...] = (
    Theme(
        "教育局",
        ("义务教育薄弱环节改善与能力提升", "学前教育发展补助", "家庭经济困难学生资助", "中小学教师培训",
         "农村义务教育学生营养改善计划", "智慧校园建设"),
        "2050202", ("学生资助", "义务教育薄弱环节改善与能力提升"), ("义务教育薄弱环节改善与能力提升补助资金", "学生资助补助经费", "教师队伍建设专项资金"),
        (Quant("资助学生人数", "人", "gte", 300, 6000, 50), Quant("改造校舍面积", "平方米", "gte", 1000, 20000, 500),
         Quant("培训教师人次", "人次", "gte", 200, 3000, 50), Quant("购置教学设备", "台套", "gte", 50, 800, 10),
         Quant("新建改建运动场", "个", "gte", 1, 8), Quant("受益学校数", "所", "gte", 5, 60)),
        (Quant("减轻家庭教育支出", "万元", "gte", 50, 600, 10, 2),),
        (Quant("义务教育巩固率", PCT, "gte", 95, 100, 5, 1), "办学条件明显改善",
         Quant("适龄儿童入学率", PCT, "gte", 95, 100, 5, 1), "教育教学质量提升"),
        ("校园环境绿化美化",),
        (("校舍维修改造工程款", "工程建设"), ("教学设备采购", "设备购置"), ("学生资助金发放", "补助发放"),
         ("教师培训费", "培训"), ("工程监理费", "咨询服务")),
    ),
    Theme(
        "农业农村局",
        ("高标准农田建设", "农业产业强镇建设", "耕地地力保护补贴", "农机购置与应用补贴", "畜禽粪污资源化利用",
         "乡村振兴示范村建设"),
        "2130153", ("农田建设", "耕地地力保护"), ("农田建设补助资金", "农业生产发展资金", "中央财政衔接推进乡村振兴补助资金"),
        (Quant("建设高标准农田面积", "亩", "gte", 2000, 30000, 500), Quant("新建改造灌溉渠道", "公里", "gte", 5, 60, 1, 2),
         Quant("补贴农户数", "户", "gte", 500, 20000, 100), Quant("推广良种面积", "亩", "gte", 1000, 20000, 500),
         Quant("补贴农机具数量", "台", "gte", 50, 1500, 10), Quant("培训新型职业农民", "人", "gte", 100, 2000, 50)),
        (Quant("粮食亩均增产", "公斤", "gte", 20, 80, 5), Quant("带动农户户均增收", "元", "gte", 500, 3000, 100),
         Quant("带动村集体经济收入", "万元", "gte", 5, 100, 5, 2)),
        (Quant("带动就业人数", "人", "gte", 20, 500, 10), "农业生产条件改善", "农民种粮积极性提高"),
        (Quant("畜禽粪污综合利用率", PCT, "gte", 80, 95, 5, 1), "农业面源污染减少",
         Quant("化肥使用量减少", "吨", "gte", 10, 300, 10)),
        (("农田建设工程款", "工程建设"), ("补贴资金发放", "补助发放"), ("农业技术培训", "培训"),
         ("种苗农资采购", "材料采购"), ("项目规划设计费", "咨询服务")),
    ),
    Theme(
        "卫生健康局",
        ("基本公共卫生服务", "基层医疗卫生机构能力建设", "重大传染病防控", "计划生育家庭奖励扶助",
         "家庭医生签约服务", "妇幼健康服务"),
        "2100408", ("精神障碍管理治疗", "基本公共卫生服务", "重大传染病防控"), ("基本公共卫生服务补助资金", "医疗服务与保障能力提升补助资金", "重大传染病防控经费"),
        (Quant("建立居民电子健康档案", "份", "gte", 5000, 200000, 1000),
         Quant("65岁及以上老年人健康管理人数", "人", "gte", 1000, 30000, 500),
         Quant("免费孕前优生健康检查人数", "人", "gte", 200, 5000, 100), Quant("适龄儿童疫苗接种人次", "人次", "gte", 2000, 60000, 1000),
         Quant("奖励扶助对象人数", "人", "gte", 100, 5000, 50), Quant("购置医疗设备", "台", "gte", 5, 200, 5)),
        (Quant("减轻群众医疗负担", "万元", "gte", 20, 500, 10, 2),),
        (Quant("电子健康档案建档率", PCT, "gte", 85, 95, 5, 1), Quant("传染病报告及时率", PCT, "gte", 95, 100, 5, 1),
         Quant("孕产妇系统管理率", PCT, "gte", 85, 95, 5, 1), "居民健康素养水平提高"),
        ("医疗废物规范处置",),
        (("医疗设备采购", "设备购置"), ("基层医务人员培训", "培训"), ("扶助金发放", "补助发放"),
         ("疫苗及防控物资采购", "材料采购"), ("信息系统运行维护", "运行维护")),
    ),
    Theme(
        "交通运输局",
        ("农村公路提档升级", "危桥改造", "农村公路养护", "公路安全生命防护工程", "城乡公交一体化补助"),
        "2140106", ("车辆购置税收入补助地方",), ("车购税收入补助地方资金", "成品油税费改革转移支付资金", "农村公路建设专项资金"),
        (Quant("改造农村公路里程", "公里", "gte", 10, 200, 5, 2), Quant("改造危桥", "座", "gte", 1, 20),
         Quant("安装安全防护设施", "公里", "gte", 5, 100, 5, 2), Quant("养护公路里程", "公里", "gte", 50, 800, 10, 2),
         Quant("新增公交线路", "条", "gte", 2, 20), Quant("新建港湾式停靠站", "个", "gte", 5, 60)),
        (Quant("降低群众出行成本", "万元", "gte", 20, 300, 10, 2), Quant("沿线物流运输成本降低", PCT, "gte", 5, 15, 5, 1)),
        (Quant("建制村通硬化路率", PCT, "eq", 100, 100), "群众出行条件改善", Quant("道路交通事故减少", "起", "gte", 2, 30)),
        ("沿线生态环境保护", Quant("公路绿化里程", "公里", "gte", 5, 80, 5, 2)),
        (("公路建设工程款", "工程建设"), ("安防设施材料采购", "材料采购"), ("日常养护支出", "运行维护"),
         ("工程监理及检测费", "咨询服务"), ("公交运营补贴", "补助发放")),
    ),
    Theme(
        "生态环境局",
        ("农村生活污水治理", "大气污染防治", "重点流域水环境综合治理", "土壤污染防治", "生态环境监测能力建设"),
        "2110402", ("水污染防治", "大气污染防治"), ("水污染防治资金", "大气污染防治资金", "土壤污染防治专项资金"),
        (Quant("新建污水处理设施", "座", "gte", 2, 40), Quant("铺设污水管网", "公里", "gte", 5, 120, 5, 2),
         Quant("覆盖行政村数", "个", "gte", 5, 80), Quant("淘汰燃煤锅炉", "台", "gte", 5, 100, 5),
         Quant("建设自动监测站", "个", "gte", 1, 15), Quant("完成土壤详查点位", "个", "gte", 50, 800, 10)),
        (Quant("节约治污成本", "万元", "gte", 10, 200, 10, 2),),
        (Quant("环境信访投诉办结率", PCT, "eq", 100, 100), "群众生态环境获得感增强"),
        (Quant("农村生活污水治理率", PCT, "gte", 60, 90, 5, 1), Quant("空气质量优良天数比例", PCT, "gte", 90, 98, 2, 1),
         Quant("化学需氧量减排量", "吨", "gte", 50, 2000, 50), "水环境质量改善"),
        (("污水处理设施建设", "工程建设"), ("监测设备购置", "设备购置"), ("第三方运维服务", "运行维护"),
         ("环境监测技术服务", "咨询服务"), ("治理材料采购", "材料采购")),
    ),
    Theme(
        "民政局",
        ("城乡最低生活保障", "特困人员救助供养", "临时救助", "养老服务体系建设", "困难残疾人生活补贴"),
        "2082001", ("困难群众救助",), ("困难群众救助补助资金", "养老服务体系建设补助资金", "残疾人事业发展补助资金"),
        (Quant("保障城乡低保对象人数", "人", "gte", 500, 30000, 100), Quant("特困人员供养人数", "人", "gte", 100, 3000, 50),
         Quant("实施临时救助人次", "人次", "gte", 100, 5000, 50), Quant("新建居家养老服务站", "个", "gte", 3, 40),
         Quant("补贴困难残疾人人数", "人", "gte", 200, 8000, 100), Quant("新增养老床位", "张", "gte", 50, 1000, 10)),
        (Quant("带动养老服务业就业", "人", "gte", 10, 300, 10),),
        (Quant("应保尽保率", PCT, "eq", 100, 100), "困难群众基本生活得到保障",
         Quant("救助资金社会化发放率", PCT, "gte", 95, 100, 5, 1), "兜底保障能力提升"),
        ("养老服务设施节能改造",),
        (("低保金发放", "补助发放"), ("养老服务设施建设", "工程建设"), ("养老设施设备购置", "设备购置"),
         ("社工及护理员培训", "培训"), ("救助对象核查服务", "咨询服务")),
    ),
    Theme(
        "公安局",
        ("社会治安综合治理", "公共安全视频监控建设", "禁毒宣传教育", "交通安全设施完善", "基层派出所装备保障"),
        "2040299", ("社会治安综合治理",), ("社会治安综合治理专项资金", "公共安全视频监控建设资金", "禁毒工作经费"),
        (Quant("新建视频监控点位", "个", "gte", 50, 2000, 50), Quant("培训综治网格员", "人次", "gte", 100, 3000, 50),
         Quant("排查化解矛盾纠纷", "件", "gte", 100, 5000, 100), Quant("建设综治中心", "个", "gte", 1, 20),
         Quant("开展禁毒宣传活动", "场次", "gte", 10, 300, 10), Quant("配备执法装备", "台套", "gte", 20, 500, 10)),
        (Quant("挽回群众经济损失", "万元", "gte", 50, 2000, 50, 2),),
        (Quant("群众安全感", PCT, "gte", 90, 98, 2, 1), Quant("刑事案件破案率", PCT, "gte", 60, 90, 5, 1),
         "社会治安秩序持续向好", Quant("命案发案数下降", "起", "gte", 1, 10)),
        ("公共安全环境改善",),
        (("视频监控设备购置", "设备购置"), ("综治中心建设工程", "工程建设"), ("网格员业务培训", "培训"),
         ("禁毒宣传材料制作", "材料采购"), ("监控系统运行维护", "运行维护")),
    ),
)

CITIES: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = (
    ("福州市", "350100", (("鼓楼区", "350102"), ("台江区", "350103"), ("仓山区", "350104"), ("晋安区", "350111"),
                         ("长乐区", "350112"), ("闽侯县", "350121"), ("连江县", "350122"), ("福清市", "350181"))),
    ("厦门市", "350200", (("思明区", "350203"), ("海沧区", "350205"), ("湖里区", "350206"), ("集美区", "350211"),
                         ("同安区", "350212"), ("翔安区", "350213"))),
    ("莆田市", "350300", (("城厢区", "350302"), ("涵江区", "350303"), ("荔城区", "350304"), ("秀屿区", "350305"),
                         ("仙游县", "350322"))),
    ("泉州市", "350500", (("鲤城区", "350502"), ("丰泽区", "350503"), ("洛江区", "350504"), ("惠安县", "350521"),
                         ("安溪县", "350524"), ("永春县", "350525"), ("德化县", "350526"), ("石狮市", "350581"),
                         ("晋江市", "350582"), ("南安市", "350583"))),
    ("漳州市", "350600", (("芗城区", "350602"), ("龙文区", "350603"), ("云霄县", "350622"), ("漳浦县", "350623"),
                         ("诏安县", "350624"), ("东山县", "350626"), ("南靖县", "350627"), ("平和县", "350628"))),
)
# fmt: on
FISCAL_YEARS = (2020, 2021, 2022, 2023, 2024)
SOURCES = ("中央转移支付", "省级专项", "市级财政", "本级财政")

MISS_REASONS = (
    "受汛期强降雨影响，部分工程施工延期，下一年度将加强进度调度。",
    "部分受益对象动态调整，实际人数少于计划，今后将提高目标测算精度。",
    "项目招标流程较长，实施进度滞后，已督促承建单位加快推进。",
    "年度目标设定偏高，下一年度将结合历年完成情况科学设定绩效目标。",
    "受原材料价格上涨影响，部分建设内容调减，将加强成本管控。",
)
UNDERSPEND_REASONS = (
    "部分工程尚未完成竣工结算，资金按合同进度支付，结余资金已按规定收回统筹。",
    "项目采购节约资金，执行率未达100%，下一年度将提高预算编制精准度。",
    "部分资金年底下达，未能在当年支付完毕，将加快资金拨付进度。",
)
GOALS = (
    "围绕年度重点工作，按期完成项目建设任务，提高资金使用效益，群众满意度稳步提升。",
    "保障各项民生政策落实到位，资金及时足额发放，受益对象满意度达到90%以上。",
    "补齐基础设施短板，提升公共服务能力和水平，推动相关事业高质量发展。",
)


NARRATIVES = (
    "{year}年，{department}共实施{n}个项目，严格按照预算批复执行，项目总体按计划推进，绩效目标基本实现。"
    "存在问题：个别项目前期准备不够充分，预算执行进度不够均衡。下一步将加强项目储备和事前评估。",
    "{department}对{year}年度{n}个项目开展绩效自评，各项目资金使用规范，产出和效益目标大部分完成。"
    "存在问题：部分项目绩效目标设置不够精准，个别指标完成值与目标值存在偏差，将在下一年度改进。",
    "{year}年度{department}所属{n}个项目均已完成自评。项目实施有效改善了公共服务条件，群众满意度较高。"
    "今后将进一步加强绩效运行监控，及时纠正执行偏差，提高财政资金使用效益。",
)
ADMISSION = "另外，绩效指标设置存在定性指标多、定量指标少的问题，部分指标难以衡量。"


# --------------------------------------------------------------------------- helpers


def _q(value: Decimal, places: int, rounding: str = ROUND_HALF_UP) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=rounding)


def _dec(value: Any) -> Decimal:
    return Decimal(str(value))


def _frac(rng: random.Random, lo: float, hi: float) -> Decimal:
    """A random factor with three decimals, so every product stays exact and short."""
    return Decimal(rng.randint(round(lo * 1000), round(hi * 1000))) / 1000


def _json_num(value: Decimal) -> int | float:
    """A plain JSON number; floats of ≤ 4 decimals round-trip through repr exactly."""
    return int(value) if value == value.to_integral_value() else float(value)


def _split(rng: random.Random, total: int, parts: int) -> list[int]:
    """``total`` points over ``parts`` indicators, each ≥ 1, uneven the way real forms are."""
    base, extra = divmod(total, parts)
    weights = [base + (1 if i < extra else 0) for i in range(parts)]
    for _ in range(parts):
        i, j = rng.randrange(parts), rng.randrange(parts)
        shift = rng.randint(0, 2)
        if i != j and weights[j] - shift >= 1:
            weights[i] += shift
            weights[j] -= shift
    rng.shuffle(weights)
    return weights


def _grade(score: Decimal) -> str:
    return "优" if score >= 90 else "良" if score >= 80 else "中" if score >= 60 else "差"


@dataclass(frozen=True)
class FundUse:
    """One row of ``reference/fund_uses.csv``: a use an earmarked purpose allows, for some years."""

    purpose: str
    use: str
    valid_from: int | None = None
    valid_to: int | None = None

    def covers(self, year: int) -> bool:
        return (self.valid_from is None or year >= self.valid_from) and (self.valid_to is None or year <= self.valid_to)


def load_fund_uses(path: Path = DEFAULT_FUND_USES) -> list[FundUse]:
    """The pack's allowed uses of earmarked funds; none if the table is not there (yet)."""
    if not path.is_file():
        return []
    out = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            purpose, use = (row.get("purpose_category") or "").strip(), (row.get("use_category") or "").strip()
            if purpose and use:
                bounds = [(row.get(k) or "").strip() for k in ("valid_from", "valid_to")]
                out.append(FundUse(purpose, use, *(int(b) if b else None for b in bounds)))
    return out


@dataclass(frozen=True)
class Injected:
    """One deliberate violation: document index, JSON pointer of the row, and what was broken."""

    doc: int
    pointer: str
    kind: str


@dataclass
class SyntheticBatch:
    """Documents plus a manifest of the violations injected into them."""

    docs: list[Doc] = field(default_factory=list)
    injected: list[Injected] = field(default_factory=list)

    def row_counts(self) -> dict[str, int]:
        projects = [p for d in self.docs for p in d["projects"]]
        funds = [f for d in self.docs for f in d["funds"]]
        return {
            "submissions": len(self.docs),
            "projects": len(projects),
            "indicators": sum(len(p["indicators"]) for p in projects),
            "budget_lines": sum(len(p["budget_lines"]) for p in projects),
            "funds": len(funds),
            "expenditures": sum(len(f["expenditures"]) for f in funds),
        }

    def injected_by_kind(self) -> Counter[str]:
        return Counter(i.kind for i in self.injected)


# --------------------------------------------------------------------------- generator


class _Generator:
    """Holds the RNG and the violation log while one batch is built."""

    def __init__(self, seed: int, violation_rate: float, fund_uses: Iterable[FundUse]) -> None:
        self.rng = random.Random(seed)
        self.rate = violation_rate
        self.injected: list[Injected] = []
        self.doc_index = 0
        self.fund_uses: dict[str, list[FundUse]] = {}
        for use in fund_uses:
            self.fund_uses.setdefault(use.purpose, []).append(use)

    def _violate(self) -> bool:
        return self.rng.random() < self.rate

    def _log(self, pointer: str, kind: str) -> None:
        self.injected.append(Injected(self.doc_index, pointer, kind))

    # ---- indicators

    def _quantitative(self, tpl: Quant, weight: int, level1: str, level2: str, miss: float) -> dict[str, Any]:
        rng = self.rng
        unit_step = Decimal(1).scaleb(-tpl.decimals)
        target = Decimal(rng.randrange(tpl.lo, tpl.hi + 1, tpl.step))
        score = Decimal(weight)
        if tpl.comparator == "eq":
            actual = target
        elif tpl.comparator in ("lte", "lt"):
            # Cost and time ceilings: clean rows always come in under them.
            actual = _q(target * _frac(rng, 0.8, 0.99), tpl.decimals, ROUND_DOWN)
            if tpl.comparator == "lt" and actual >= target:
                actual = target - unit_step
        elif rng.random() >= miss:
            cap = Decimal(100) if tpl.unit == PCT else target * Decimal("1.2")
            actual = _q(target + (cap - target) * _frac(rng, 0, 1), tpl.decimals, ROUND_DOWN)
            if tpl.comparator == "gt" and actual <= target:
                actual = target + unit_step
        else:
            actual = _q(target * _frac(rng, 0.75, 0.97), tpl.decimals, ROUND_DOWN)
            actual = max(Decimal(0), min(actual, target - unit_step))
            score = _q(weight * actual / target, 2)
        return {
            "level1": level1, "level2": level2, "name": tpl.name, "kind": "quantitative",
            "comparator": tpl.comparator, "target": _json_num(target), "unit": tpl.unit, "actual": _json_num(actual),
            "weight": weight, "score": _json_num(score),
            "deviation_explanation": rng.choice(MISS_REASONS) if score < weight else None,
        }  # fmt: skip

    def _qualitative(self, name: str, weight: int, level1: str, level2: str, miss: float) -> dict[str, Any]:
        rng = self.rng
        roll = rng.random()
        grade, lo, hi = GRADE_BANDS[0] if roll >= miss else GRADE_BANDS[1] if roll >= miss / 5 else GRADE_BANDS[2]
        w = Decimal(weight)
        if grade == GRADE_BANDS[0][0] and rng.random() < 0.7:
            score = w
        else:
            # The lower bands are half-open: stay a cent under their upper bound.
            top = hi * w - (Decimal("0.01") if hi < 1 else 0)
            score = _q(lo * w + (top - lo * w) * _frac(rng, 0, 1), 2, ROUND_DOWN)
        return {
            "level1": level1, "level2": level2, "name": name, "kind": "qualitative",
            "actual_grade": grade, "weight": weight, "score": _json_num(score),
            "deviation_explanation": rng.choice(MISS_REASONS) if score < w else None,
        }  # fmt: skip

    def _inject_indicator(self, ind: dict[str, Any], pointer: str) -> None:
        rng = self.rng
        weight = Decimal(ind["weight"])
        quantitative = ind["kind"] == "quantitative"
        kinds = ["score_above_weight", "score_negative", "score_inconsistent", "missing_explanation", "score_malformed"]
        kind = rng.choice([*kinds, "target_missing"] if quantitative else kinds)
        if kind == "score_above_weight":
            ind["score"] = _json_num(weight + _q(_frac(rng, 0.5, 5), 2))
        elif kind == "score_negative":
            ind["score"] = -rng.randint(1, 3)
        elif kind == "score_malformed":
            ind["score"] = f"{ind['score']}分"  # typed with its unit: not a number
        elif kind == "score_inconsistent":
            if quantitative and _dec(ind["score"]) < weight:
                ind["score"], ind["deviation_explanation"] = _json_num(weight), None  # full marks for a miss
            else:
                # Marked down though met, or a 达成年度指标 grade scored as 未达成.
                if not quantitative:
                    ind["actual_grade"] = GRADE_BANDS[0][0]
                ind["score"], ind["deviation_explanation"] = _json_num(_q(weight / 2, 2)), rng.choice(MISS_REASONS)
        elif kind == "missing_explanation":
            if quantitative and ind["comparator"] in ("gte", "gt"):
                target = _dec(ind["target"])
                actual = _q(target * Decimal("0.8"), 0 if isinstance(ind["actual"], int) else 1, ROUND_DOWN)
                ind["actual"], ind["score"] = _json_num(actual), _json_num(_q(weight * actual / target, 2))
            elif not quantitative:
                ind["actual_grade"], ind["score"] = GRADE_BANDS[1][0], _json_num(_q(weight * Decimal("0.7"), 2))
            else:
                ind["score"] = _json_num(_q(weight * Decimal("0.9"), 2))  # eq/lte rows: marked down, unexplained
            ind["deviation_explanation"] = None
        else:
            ind["target"] = None
        self._log(pointer, f"indicator.{kind}")

    def _indicators(self, theme: Theme, n: int, ppath: str) -> list[dict[str, Any]]:
        rng = self.rng
        miss = float(_frac(rng, 0.02, 0.3))  # how well this project went
        k3 = 1 if n < 12 else 2
        k2 = max(1, round(n * 0.3))
        k1 = n - k2 - k3
        # 二级指标 → 三级指标 templates; the first 二级指标 of each level is drawn most often.
        pools: dict[str, dict[str, Sequence[Quant | str]]] = {
            "产出指标": {"数量指标": theme.quantity, "质量指标": QUALITY, "时效指标": TIMELINESS, "成本指标": COST},
            "效益指标": {"社会效益指标": theme.social, "经济效益指标": theme.economic,
                         "生态效益指标": theme.ecological, "可持续影响指标": SUSTAINABLE},
            "满意度指标": {"服务对象满意度指标": SATISFACTION},
        }  # fmt: skip
        rows: list[dict[str, Any]] = []
        for (level1, total), count in zip(LEVEL1_WEIGHTS, (k1, k2, k3), strict=True):
            # 三级指标 never repeat within a project: names identify rows in fingerprints.
            remaining = {l2: rng.sample(pool, k=len(pool)) for l2, pool in pools[level1].items()}
            preference = dict(zip(remaining, (3, 1, 1, 1), strict=False))
            chosen: list[tuple[str, Quant | str]] = []
            for _ in range(count):
                open_levels = [l2 for l2, items in remaining.items() if items]
                l2 = rng.choices(open_levels, [preference[x] for x in open_levels])[0]
                chosen.append((l2, remaining[l2].pop()))
            order = list(pools[level1])
            chosen.sort(key=lambda c: order.index(c[0]))
            for (l2, tpl), weight in zip(chosen, _split(rng, total, len(chosen)), strict=True):
                row = (self._quantitative(tpl, weight, level1, l2, miss) if isinstance(tpl, Quant)
                       else self._qualitative(tpl, weight, level1, l2, miss))  # fmt: skip
                rows.append(row)
        for ii, row in enumerate(rows):
            if self._violate():
                self._inject_indicator(row, f"{ppath}/indicators/{ii}")
        return rows

    # ---- budget lines and funds

    def _budget_lines(self, ppath: str, unit: str) -> list[dict[str, Any]]:
        rng = self.rng
        total = Decimal(rng.randint(2_000, 300_000)) / 100 * (1 if unit == "万元" else 10_000)
        carry = _q(total * _frac(rng, 0, 0.2), 2) if rng.random() < 0.4 else Decimal(0)
        other = _q(total * _frac(rng, 0, 0.15), 2) if rng.random() < 0.3 else Decimal(0)
        parts = {"当年财政拨款": total - carry - other, "上年结转": carry, "其他资金": other}
        lines: list[dict[str, Any]] = []
        for item in SUB_ITEMS:
            annual = parts[item]
            initial = annual if item == "上年结转" else _q(annual * _frac(rng, 0.85, 1), 2)
            executed = annual if rng.random() < 0.35 else _q(annual * _frac(rng, 0.75, 1), 2, ROUND_DOWN)
            lines.append({
                "item": item, "unit": unit, "initial_budget": _json_num(initial), "annual_budget": _json_num(annual),
                "executed": _json_num(executed), "weight": "—",
                "rate": _json_num(_q(executed / annual, 4)) if annual else "—", "score": "—", "explanation": None,
            })  # fmt: skip
        annual_total, initial_total, executed_total = (
            sum((_dec(x[k]) for x in lines), Decimal(0)) for k in ("annual_budget", "initial_budget", "executed")
        )
        rate = _q(executed_total / annual_total, 4)
        head = {
            "item": TOTAL_ITEM, "unit": unit, "initial_budget": _json_num(initial_total),
            "annual_budget": _json_num(annual_total), "executed": _json_num(executed_total), "weight": BUDGET_WEIGHT,
            "rate": _json_num(rate), "score": _json_num(_q(min(rate, Decimal(1)) * BUDGET_WEIGHT, 2)),
            "explanation": rng.choice(UNDERSPEND_REASONS) if rate < 1 else None,
        }  # fmt: skip
        lines.insert(0, head)
        for bi, line in enumerate(lines):
            if self._violate():
                self._inject_budget_line(line, f"{ppath}/budget_lines/{bi}")
        return lines

    def _inject_budget_line(self, line: dict[str, Any], pointer: str) -> None:
        rng = self.rng
        kinds = ["rate_wrong", "rate_as_percent"]
        if line["item"] == TOTAL_ITEM:
            kinds += ["score_above_weight", "score_inconsistent", "sum_mismatch"]
        kind = rng.choice(kinds)
        if kind.startswith("rate_") and not isinstance(line["rate"], int | float):
            kind = "executed_without_budget"
        if kind == "rate_wrong":
            line["rate"] = _json_num(_dec(line["rate"]) - Decimal("0.05"))
        elif kind == "rate_as_percent":
            line["rate"] = _json_num(_q(_dec(line["rate"]) * 100, 2))  # 95.3 for 0.953
        elif kind == "score_above_weight":
            line["score"] = _json_num(BUDGET_WEIGHT + _q(_frac(rng, 0.5, 3), 2))
        elif kind == "score_inconsistent":
            line["score"] = BUDGET_WEIGHT if _dec(line["rate"]) < Decimal("0.99") else 7.5
        elif kind == "sum_mismatch":
            # The total no longer adds up; its own rate and score still follow from it.
            annual = _dec(line["annual_budget"]) + rng.randint(5, 50)
            rate = _q(_dec(line["executed"]) / annual, 4)
            line.update(annual_budget=_json_num(annual), rate=_json_num(rate))
            line["score"] = _json_num(_q(min(rate, Decimal(1)) * BUDGET_WEIGHT, 2))
        else:
            line["executed"] = rng.randint(1, 20)  # a line with no budget (上年结转 0) that still spent
        self._log(pointer, f"budget_line.{kind}")

    def _earmark(self, theme: Theme, year: int) -> tuple[str, list[str]] | None:
        """An earmarked purpose the reference table allows this year, with its allowed uses."""
        purposes = [p for p in theme.earmarks if p in self.fund_uses]
        if not purposes or self.rng.random() >= EARMARKED_SHARE:
            return None
        purpose = self.rng.choice(purposes)
        uses = sorted({u.use for u in self.fund_uses[purpose] if u.covers(year)})
        return (purpose, uses) if uses else None

    def _fund(self, theme: Theme, project: dict[str, Any], fi: int, year: int) -> dict[str, Any]:
        rng = self.rng
        appropriation = project["budget_lines"][1]
        unit = appropriation["unit"]
        amount = _dec(appropriation["annual_budget"])
        spent = min(_dec(appropriation["executed"]), amount)
        n = rng.randint(2, 5)
        cuts = [Decimal(c) / 1000 for c in sorted(rng.sample(range(1, 1000), n - 1))]
        shares = [b - a for a, b in zip([Decimal(0), *cuts], [*cuts, Decimal(1)], strict=True)]
        amounts = [_q(spent * s, 2, ROUND_DOWN) for s in shares]
        amounts[-1] = spent - sum(amounts[:-1], Decimal(0))
        earmark = self._earmark(theme, year)
        fpath = f"/funds/{fi}"
        expenditures: list[dict[str, Any]] = []
        for ei, value in enumerate(amounts):
            if earmark:
                use_text = category = rng.choice(earmark[1])
                paid_with: list[str] = []
            else:
                use_text, category = rng.choice(theme.use_texts)
                paid_with = ["本级配套资金"] if rng.random() < 0.1 else []
            exp: dict[str, Any] = {
                "id": f"{project['id']}-Z{ei + 1:02d}", "amount": _json_num(value), "unit": unit,
                "use_text": use_text, "use_category": category, "paid_with": paid_with,
            }  # fmt: skip
            if self._violate():
                kind = rng.choice(("overspend", "diverted_use", "commingled") if earmark else ("overspend",))
                if kind == "diverted_use":
                    exp["use_category"], exp["use_text"] = rng.choice(DIVERTED_USES)
                elif kind == "commingled":
                    exp["paid_with"] = [rng.choice(("本级配套资金", "单位自有资金", "其他专项资金"))]
                else:
                    exp["amount"] = _json_num(value + amount - spent + _frac(rng, 1, 50))
                self._log(f"{fpath}/expenditures/{ei}", f"expenditure.{kind}")
            expenditures.append(exp)
        return {
            "id": f"{project['id']}-ZJ", "name": f"{earmark[0]}专项资金" if earmark else rng.choice(theme.fund_names),
            "source": rng.choice(SOURCES), "amount": _json_num(amount), "unit": unit,
            "purpose_category": earmark[0] if earmark else None, "function_code": theme.function_code,
            "project_id": project["id"], "expenditures": expenditures,
        }  # fmt: skip

    # ---- projects and documents

    def _project(self, theme: Theme, year: int, region_code: str, pi: int, n_indicators: int, name: str) -> Doc:
        rng = self.rng
        ppath = f"/projects/{pi}"
        unit = "万元" if rng.random() < 0.8 else "元"
        indicators = self._indicators(theme, n_indicators, ppath)
        budget_lines = self._budget_lines(ppath, unit)
        complete = rng.random() < 0.85
        project: Doc = {
            "id": f"{year}-{region_code}-{rng.randint(0, 9999):04d}{pi:02d}",
            "name": name,
            "project_type": rng.choice(("工程基建", "补助发放", "设备购置", "服务采购")),
            "start_date": f"{year}-{rng.randint(1, 3):02d}",
            "end_date": f"{year}-12",
            "delivery_date": f"{year}-{rng.randint(9, 12):02d}-{rng.randint(1, 28):02d}" if complete else None,
            "completion": "全部完成" if complete else "部分完成",
            "budget_lines": budget_lines,
            "indicators": indicators,
        }
        violation = (
            rng.choice(("self_score_mismatch", "weights_not_100", "late_but_complete")) if self._violate() else None
        )
        if violation == "weights_not_100":
            row = rng.choice(indicators)
            full = row["score"] == row["weight"]
            row["weight"] += rng.randint(1, 5)
            if full:
                row["score"] = row["weight"]
        elif violation == "late_but_complete":
            # Reported 全部完成 for the year though delivered the next spring.
            project.update(
                completion="全部完成", delivery_date=f"{year + 1}-{rng.randint(2, 5):02d}-{rng.randint(1, 28):02d}"
            )
        if violation:
            self._log(ppath, f"project.{violation}")
        # The stated total is the sum of the stated scores, wrong ones included.
        scores = [_dec(r["score"]) for r in [*indicators, budget_lines[0]] if isinstance(r["score"], int | float)]
        total = _q(sum(scores, Decimal(0)), 2)
        if violation == "self_score_mismatch":
            total += _frac(rng, 1, 5)
        project["self_score"] = _json_num(total)
        project["self_grade"] = _grade(total)
        return project

    def document(self, region: tuple[str, str], theme: Theme, year: int, sizes: list[int]) -> Doc:
        rng = self.rng
        region_name, region_code = region
        names = rng.sample(theme.projects, k=min(len(sizes), len(theme.projects)))
        while len(names) < len(sizes):
            names.append(f"{rng.choice(theme.projects)}（{len(names) + 1}期）")
        projects = [
            self._project(theme, year, region_code, pi, n, f"{year}年{region_name}{name}")
            for pi, (n, name) in enumerate(zip(sizes, names, strict=True))
        ]
        funds = [self._fund(theme, p, fi, year) for fi, p in enumerate(projects)]
        department = f"{region_name}{theme.bureau}"
        narrative = rng.choice(NARRATIVES).format(year=year, department=department, n=len(projects))
        if self._violate():
            narrative += ADMISSION
            self._log("/header", "submission.narrative_admits_qualitative")
        return {
            "document_kind": "project_table",
            "header": {
                "region_code": region_code, "region_name": region_name, "department": department, "fiscal_year": year,
                "report_date": f"{year + 1}-{rng.randint(3, 5):02d}-{rng.randint(1, 28):02d}",
                "overall_goals": rng.choice(GOALS), "narrative": narrative,
            },
            "projects": projects,
            "funds": funds,
        }  # fmt: skip


def _regions() -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for city, code, districts in CITIES:
        out.append((city, code))
        out.extend((city + d, dcode) for d, dcode in districts)
    return out


def _project_sizes(rng: random.Random, n_rows: int) -> list[int]:
    """Indicator counts per project, ~15 each, summing exactly to ``n_rows``."""
    sizes: list[int] = []
    remaining = n_rows
    while remaining > 0:
        # Never leave a runt project at the end: the last one or two share what is left.
        n = remaining if remaining <= 17 else remaining // 2 if remaining < 30 else rng.randint(13, 17)
        sizes.append(n)
        remaining -= n
    return sizes


def generate_batch(
    n_indicator_rows: int,
    seed: int = 7,
    violation_rate: float = VIOLATION_RATE,
    fund_uses: Iterable[FundUse] | None = None,
) -> SyntheticBatch:
    """Documents holding exactly ``n_indicator_rows`` indicators, and the violations injected.

    ``fund_uses`` defaults to the repository's ``rules/reference/fund_uses.csv``; the same seed and
    table give the same batch.
    """
    batch = SyntheticBatch()
    batch.docs.extend(iter_documents(n_indicator_rows, seed, violation_rate, fund_uses, batch.injected))
    return batch


def iter_documents(
    n_indicator_rows: int,
    seed: int = 7,
    violation_rate: float = VIOLATION_RATE,
    fund_uses: Iterable[FundUse] | None = None,
    injected: list[Injected] | None = None,
) -> Iterator[Doc]:
    """``generate_batch``'s documents one at a time (for batches too big to hold); the
    violations go into ``injected`` as they are made."""
    if n_indicator_rows < 3:
        raise ValueError("need at least 3 indicator rows (one per 一级指标)")
    gen = _Generator(seed, violation_rate, load_fund_uses() if fund_uses is None else fund_uses)
    if injected is not None:
        gen.injected = injected
    rng = gen.rng
    sizes = _project_sizes(rng, n_indicator_rows)
    # Each (department, year) files once; combinations are cycled if the batch outgrows them.
    combos = [(region, theme, year) for region in _regions() for theme in THEMES for year in FISCAL_YEARS]
    rng.shuffle(combos)
    start = 0
    while start < len(sizes):
        take = rng.randint(3, 8)
        region, theme, year = combos[gen.doc_index % len(combos)]
        yield gen.document(region, theme, year, sizes[start : start + take])
        start += take
        gen.doc_index += 1


def generate(n_indicator_rows: int, seed: int = 7) -> list[dict[str, Any]]:
    """Submission dicts with exactly ``n_indicator_rows`` indicators, ~1% of rows wrong on purpose."""
    return generate_batch(n_indicator_rows, seed).docs


# --------------------------------------------------------------------------- fast path
#
# Ten million rows through dicts and pydantic would take the better part of an hour, so the
# engine benchmarks (peers.py) build the normalized tables directly, column by column, with
# numpy. The distributions follow the document generator above: the same projects of 13-17
# indicators, 50/30/10 weights, templates, miss rates, scoring conventions and explanations.
# What differs: names may repeat within a project, there are no funds or expenditures, and the
# faults are aimed at the six indicator checks peers.py compares (about 1% of rows each), plus a
# few values on the edges of their semantics (NULL states, Unicode spaces) so that an engine
# that agrees here agrees for the right reasons.

SCALE = 10_000
"""DECIMAL(18,4) values stay exact integers of 1/10 000 until a converter turns them into
Decimals (for perfrules) or floats (for the dataframe peers)."""
COMPARATORS = ("gte", "gt", "eq", "lte", "lt")
STATE_CODES = ("value", "missing", "not_applicable", "withheld", "malformed")
EMPTY_EXPLANATIONS = (None, "", " ", "无", "暂无", "—", "——", "-", "/", "／", "略", "不适用", " 无 ", "\t无")
"""Explanations SCORE-DEVIATION-EXPLAIN treats as missing (its pattern allows ASCII blanks around)."""
NEAR_EMPTY_EXPLANATIONS = ("\u3000", "\u00a0无", "无。", "见附件")
"""Not missing to the rule: it runs on DuckDB's RE2, whose \\s is ASCII only, so a full-width space is text."""
EDGE_GRADES = ("\u3000达成年度指标", "达成年度指标\t", "效果明显")
"""DuckDB's trim() strips Unicode spaces (category Zs) but not tabs: the first reads as 达成年度指标,
the second as no known grade, like the third."""
FAULTS = (
    "score_above_weight", "score_negative", "weight_nonpositive", "target_missing", "missing_explanation",
    "formula_mismatch", "band_mismatch", "score_malformed", "weight_missing", "near_empty_explanation",
    "edge_grade",
)  # fmt: skip
_EPOCH = dt.date(1970, 1, 1)


@dataclass(frozen=True)
class Coded:
    """A text column as codes into a vocabulary, -1 for NULL: millions of rows share a few strings."""

    codes: np.ndarray
    vocab: Sequence[str]


@dataclass(frozen=True)
class Scaled:
    """A DECIMAL(18,4) column as exact integers of 1/SCALE; NULL where ``valid`` is False."""

    values: np.ndarray
    valid: np.ndarray


@dataclass(frozen=True)
class Ints:
    """INTEGER, BIGINT, BOOLEAN (0/1) or DATE (days since 1970-01-01); NULL where ``valid`` is False."""

    values: np.ndarray
    valid: np.ndarray | None = None


FastColumn = Coded | Scaled | Ints


@dataclass
class FastTables:
    """Normalized tables as numpy columns, named as in ``perfrules.tables.spec``."""

    tables: dict[str, dict[str, FastColumn]]
    injected: Counter[str] = field(default_factory=Counter)

    def rows(self, table: str) -> int:
        columns = self.tables.get(table)
        if not columns:
            return 0
        first = next(iter(columns.values()))
        return len(first.codes if isinstance(first, Coded) else first.values)

    def column_lists(self, table: str) -> dict[str, list[object]]:
        """The table as ``normalize`` builds it: Python lists, Decimals for numbers, dates as dates.

        Equal values share one object, which keeps 10M rows at about 8 bytes a cell.
        """
        from perfrules.tables.spec import TABLES

        spec = TABLES[table]
        columns = self.tables.get(table, {})
        if not columns:
            return {name: [] for name in spec.column_names}
        missing = [name for name in spec.column_names if name not in columns]
        if missing:
            raise KeyError(f"fast path has no column(s) {missing} for table {table}; spec.py changed?")
        return {c.name: _objects(columns[c.name], c.type) for c in spec.all_columns}

    def exact(self, table: str) -> pa.Table:
        """The table as perfrules' engine takes a big batch (``TableData.from_arrow``)."""
        from perfrules.tables.spec import TABLES

        spec = TABLES[table]
        columns = self.tables.get(table, {})
        if not columns:
            return pa.table({c.name: pa.array([], type=pa.null()) for c in spec.all_columns})
        return pa.table({c.name: _exact(columns[c.name], c.type) for c in spec.all_columns})

    def arrow(self, table: str) -> pa.Table:
        """The table as typed Arrow columns; DECIMAL becomes float64, the dataframe libraries' number."""
        from perfrules.tables.spec import TABLES

        spec = TABLES[table]
        columns = self.tables[table]
        return pa.table({c.name: _arrow(columns[c.name], c.type) for c in spec.all_columns})


def _exact(col: FastColumn, sql_type: str) -> pa.Array:
    """Arrow as perfrules holds a big batch: exact decimals, dictionary-coded text."""
    if isinstance(col, Coded):
        vocab = pa.array(list(col.vocab), type=pa.string())
        return pa.DictionaryArray.from_arrays(pa.array(col.codes, mask=col.codes < 0), vocab)
    if isinstance(col, Scaled):
        # decimal64(18, 4) is an 8-byte integer of 10^-4: the scaled values as they are.
        valid = None if col.valid is None else pa.array(col.valid).buffers()[1]
        values = np.ascontiguousarray(col.values, dtype=np.int64)
        return pa.Array.from_buffers(pa.decimal64(18, 4), len(values), [valid, pa.py_buffer(values)])
    return _arrow(col, sql_type)


def _objects(col: FastColumn, sql_type: str) -> list[object]:
    if isinstance(col, Coded):
        lookup = np.array([*col.vocab, None], dtype=object)
        return cast(list[object], lookup[col.codes].tolist())  # code -1 picks the trailing None
    values = col.values
    valid = col.valid
    if isinstance(col, Ints) and sql_type in ("INTEGER", "BIGINT") and valid is None:
        return cast(list[object], values.tolist())
    uniq, inverse = np.unique(values, return_inverse=True)
    if isinstance(col, Scaled):
        objects: list[object] = [Decimal(int(v)) / SCALE for v in uniq]
    elif sql_type == "DATE":
        objects = [_EPOCH + dt.timedelta(days=int(v)) for v in uniq]
    elif sql_type == "BOOLEAN":
        objects = [bool(v) for v in uniq]
    else:
        objects = [int(v) for v in uniq]
    lookup = np.array([*objects, None], dtype=object)
    if valid is not None:
        inverse = np.where(valid, inverse, len(uniq))
    return cast(list[object], lookup[inverse].tolist())


def _arrow(col: FastColumn, sql_type: str) -> pa.Array:
    if isinstance(col, Coded):
        vocab = pa.array(list(col.vocab), type=pa.large_string())
        return pc.take(vocab, pa.array(col.codes, mask=col.codes < 0))
    mask = None if col.valid is None else ~col.valid
    if isinstance(col, Scaled):
        return pa.array(col.values / SCALE, mask=mask)
    if sql_type == "DATE":
        return pa.array(col.values.astype("datetime64[D]"), mask=mask).cast(pa.date32())
    if sql_type == "BOOLEAN":
        return pa.array(col.values.astype(bool), mask=mask)
    return pa.array(col.values.astype(np.int32 if sql_type == "INTEGER" else np.int64), mask=mask)


def _stated_unit(values: np.ndarray, valid: np.ndarray, coarsest: int) -> Scaled:
    """The unit of the last digit a JSON number states (normalize.stated_unit), in 1/SCALE: 12.5 → 0.1."""
    unit = np.full(len(values), 1, np.int64)
    for step in (10, 100, 1000, 10_000):
        unit = np.where(values % step == 0, step, unit)
    return Scaled(np.minimum(unit, coarsest), valid)


def _text(codes: np.ndarray, vocab: Sequence[str]) -> Coded:
    return Coded(codes.astype(np.int32), vocab)


def _const(n: int, value: str | None) -> Coded:
    return Coded(np.full(n, -1 if value is None else 0, dtype=np.int32), () if value is None else (value,))


def _level2_counts(project: np.ndarray, level2: np.ndarray) -> np.ndarray:
    """For each indicator row, how many rows of its project share its 二级指标."""
    pairs = project.astype(np.int64) * (int(level2.max(initial=0)) + 1) + level2
    _, inverse, counts = np.unique(pairs, return_inverse=True, return_counts=True)
    return counts[inverse].astype(np.int64)


def _state(states: np.ndarray) -> Coded:
    return _text(states, STATE_CODES)


def _null_numbers(n: int, state: str = "missing") -> tuple[Scaled, Coded]:
    return Scaled(np.zeros(n, np.int64), np.zeros(n, bool)), _state(np.full(n, STATE_CODES.index(state)))


def _days(year: np.ndarray, month: np.ndarray | int, day: np.ndarray | int) -> np.ndarray:
    months = ((year - 1970) * 12 + np.asarray(month) - 1).astype("datetime64[M]")
    days = months.astype("datetime64[D]") - np.datetime64("1970-01-01") + np.asarray(day) - 1
    return np.asarray(days.astype(np.int64))


def _templates() -> tuple[list[tuple[str, Quant | str]], np.ndarray, np.ndarray]:
    """Every (二级指标, template) once; ``pools[theme, level1, quantitative]`` = (start, length) in members."""
    templates: list[tuple[str, Quant | str]] = []
    index: dict[tuple[str, Quant | str], int] = {}
    members: list[int] = []
    pools = np.zeros((len(THEMES), len(LEVEL1_WEIGHTS), 2, 2), dtype=np.int64)
    for t, theme in enumerate(THEMES):
        by_level: tuple[dict[str, Sequence[Quant | str]], ...] = (
            {"数量指标": theme.quantity, "质量指标": QUALITY, "时效指标": TIMELINESS, "成本指标": COST},
            {"社会效益指标": theme.social, "经济效益指标": theme.economic,
             "生态效益指标": theme.ecological, "可持续影响指标": SUSTAINABLE},
            {"服务对象满意度指标": SATISFACTION},
        )  # fmt: skip
        for level, pool in enumerate(by_level):
            for quantitative in (0, 1):
                start = len(members)
                for l2, items in pool.items():
                    for tpl in items:
                        if isinstance(tpl, Quant) == bool(quantitative):
                            key = (l2, tpl)
                            if key not in index:
                                index[key] = len(templates)
                                templates.append(key)
                            members.append(index[key])
                pools[t, level, quantitative] = (start, len(members) - start)
    return templates, np.array(members, dtype=np.int64), pools


def _vocab(values: Iterable[str]) -> tuple[list[str], dict[str, int]]:
    vocab = list(dict.fromkeys(values))
    return vocab, {v: i for i, v in enumerate(vocab)}


def fast_tables(n_indicator_rows: int, seed: int = 7, violation_rate: float = VIOLATION_RATE) -> FastTables:
    """Submissions, projects, budget lines and exactly ``n_indicator_rows`` indicators as numpy columns.

    Seeded: the same arguments give the same tables. About ``violation_rate`` of all indicator
    rows fail each of SCORE-IND-BOUNDS, WEIGHT-POSITIVE, DESIGN-QUANT-TARGET,
    SCORE-DEVIATION-EXPLAIN, SCORE-QUAL-BAND and SCORE-QUANT-FORMULA; ``injected`` counts the
    faults by kind. Budget lines are all clean.
    """
    n = n_indicator_rows
    if n < 3:
        raise ValueError("need at least 3 indicator rows (one per 一级指标)")
    rng = np.random.default_rng(seed)

    # ---- projects of 13-17 indicators, 3-8 projects to a document
    sizes = rng.integers(13, 18, size=n // 13 + 2)
    ends = np.cumsum(sizes)
    n_proj = int(np.searchsorted(ends, n)) + 1
    sizes = sizes[:n_proj].copy()
    sizes[-1] -= int(ends[n_proj - 1]) - n
    if sizes[-1] < 3 and n_proj > 1:  # no runt project at the end
        sizes[-2] += sizes[-1]
        sizes, n_proj = sizes[:-1], n_proj - 1
    per_doc = rng.integers(3, 9, size=n_proj // 3 + 2)
    doc_of = np.repeat(np.arange(per_doc.size), per_doc)[:n_proj]
    n_doc = int(doc_of[-1]) + 1
    pi = np.arange(n_proj) - np.concatenate(([0], np.cumsum(per_doc)))[doc_of]

    regions = _regions()
    n_years = len(FISCAL_YEARS)
    n_combo = len(regions) * len(THEMES) * n_years
    combo = rng.permutation(n_combo)[np.arange(n_doc) % n_combo]  # cycled, as generate_batch does
    d_region, d_theme = combo // (len(THEMES) * n_years), combo // n_years % len(THEMES)
    d_year = np.array(FISCAL_YEARS)[combo % n_years]
    departments = [r[0] + th.bureau for r in regions for th in THEMES]
    d_dept = d_region * len(THEMES) + d_theme

    p_theme, p_year, p_region = d_theme[doc_of], d_year[doc_of], d_region[doc_of]
    p_miss = rng.integers(20, 301, n_proj) / 1000  # how well the project went
    p_pick, p_serial = rng.integers(0, 6, n_proj), rng.integers(0, 10_000, n_proj)
    project_names, project_ids = [], []
    for year, region, theme, k, pick, serial in zip(
        p_year.tolist(),
        p_region.tolist(),
        p_theme.tolist(),
        pi.tolist(),
        p_pick.tolist(),
        p_serial.tolist(),
        strict=True,
    ):
        names = THEMES[theme].projects
        suffix = f"（{k + 1}期）" if k >= len(names) else ""
        project_names.append(f"{year}年{regions[region][0]}{names[(pick + k) % len(names)]}{suffix}")
        project_ids.append(f"{year}-{regions[region][1]}-{serial:04d}{k:02d}")

    # ---- indicator rows: level, weight, template
    proj = np.repeat(np.arange(n_proj), sizes)
    first_row = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    ii = np.arange(n) - first_row[proj]
    size = sizes[proj]
    k3 = np.where(size < 12, 1, 2)
    k2 = np.maximum(1, np.round(size * 0.3).astype(np.int64))
    k1 = size - k2 - k3
    level = (ii >= k1).astype(np.int64) + (ii >= k1 + k2)
    count = np.choose(level, (k1, k2, k3))
    offset = ii - np.choose(level, (np.zeros_like(k1), k1, k1 + k2))
    total = np.array([w for _, w in LEVEL1_WEIGHTS])[level]
    weight = total // count + (offset < total % count)  # integer points summing to 50 / 30 / 10

    templates, members, pools = _templates()
    theme = p_theme[proj]
    n_quant, n_qual = pools[theme, level, 1, 1], pools[theme, level, 0, 1]
    quant = rng.random(n) * (n_quant + n_qual) < n_quant  # 效益 rows are qualitative as often as their pool is
    pool = pools[theme, level, quant.astype(np.int64)]
    tpl = members[pool[:, 0] + (rng.random(n) * pool[:, 1]).astype(np.int64)]

    level2s, level2_code = _vocab(l2 for l2, _ in templates)
    names, name_code = _vocab(t.name if isinstance(t, Quant) else t for _, t in templates)
    units, unit_code = _vocab(t.unit for _, t in templates if isinstance(t, Quant))

    def attr(get: Any, default: int = 0) -> np.ndarray:
        return np.array([get(t) if isinstance(t, Quant) else default for _, t in templates], dtype=np.int64)

    t_l2 = np.array([level2_code[l2] for l2, _ in templates])
    t_name = np.array([name_code[t.name if isinstance(t, Quant) else t] for _, t in templates])
    t_unit = attr(lambda t: unit_code[t.unit], -1)
    t_cmp = attr(lambda t: COMPARATORS.index(t.comparator), -1)
    t_pct = attr(lambda t: t.unit == PCT).astype(bool)
    # Qualitative rows get step 1 so the vectorized target arithmetic never divides by zero.
    lo, hi, step, places = (
        attr(lambda t, a=a: getattr(t, a), int(a == "step"))[tpl] for a in ("lo", "hi", "step", "decimals")
    )
    gte, gt, eq, lte, lt = range(len(COMPARATORS))
    cmp = t_cmp[tpl]
    # Templates only say gte / eq / lte; a few strict ones exercise the formula's other branches.
    strict = rng.random(n) < 0.05
    cmp = np.where(strict & (cmp == gte), gt, np.where(strict & (cmp == lte), lt, cmp))

    # ---- quantitative values (scaled integers, so the arithmetic is exact)
    target = (lo + step * (rng.random(n) * ((hi - lo) // step + 1)).astype(np.int64)) * SCALE
    ulp = 10 ** (4 - places)  # one unit in the last place the template allows
    cap = np.where(t_pct[tpl], 100 * SCALE, target * 12 // 10)
    met = (target + (cap - target) * rng.integers(0, 1001, n) // 1000) // ulp * ulp
    met = np.where((cmp == gt) & (met <= target), target + ulp, met)
    under = target * rng.integers(800, 991, n) // 1000 // ulp * ulp
    under = np.where((cmp == lt) & (under >= target), target - ulp, under)
    short = np.minimum(np.maximum(target * rng.integers(750, 971, n) // 1000 // ulp * ulp, 0), target - ulp)
    positive = (cmp == gte) | (cmp == gt)
    missed = quant & positive & (rng.random(n) < p_miss[proj])
    actual = np.select([cmp == eq, (cmp == lte) | (cmp == lt), missed], [target, under, short], met)
    full = weight * 100  # cents
    safe = np.maximum(target, 1)
    # round_half_up(weight * actual / target, 2), in cents
    score = np.where(missed, (2 * full * actual + safe) // (2 * safe), full)

    # ---- qualitative grades and scores
    grades = [g for g, _, _ in GRADE_BANDS] + list(EDGE_GRADES)
    roll = rng.random(n)
    miss = p_miss[proj]
    grade = np.where(roll >= miss, 0, np.where(roll >= miss / 5, 1, 2))
    band_lo = np.array([80, 60, 0])[grade] * weight
    band_hi = np.array([100, 80, 60])[grade] * weight - (grade > 0)  # lower bands are half-open
    q_score = band_lo + (band_hi - band_lo) * rng.integers(0, 1001, n) // 1000
    q_score = np.where((grade == 0) & (rng.random(n) < 0.7), full, q_score)
    score = np.where(quant, score, q_score)

    explanations = [*MISS_REASONS, *(e for e in EMPTY_EXPLANATIONS if e is not None), *NEAR_EMPTY_EXPLANATIONS]
    expl = np.where(score < full, rng.integers(0, len(MISS_REASONS), n), -1)

    value, missing_, _, withheld, malformed = range(len(STATE_CODES))
    target_ok, actual_ok = quant.copy(), quant.copy()
    weight_ok, score_ok = np.ones(n, bool), np.ones(n, bool)
    target_state = np.where(quant, value, missing_)
    weight_state, score_state = np.full(n, value), np.full(n, value)

    # ---- faults: one draw per row picks at most one; widths give each check ~violation_rate of all rows
    r, share = violation_rate, float(quant.mean())
    widths: dict[bool, list[tuple[str, float]]] = {
        True: [("score_above_weight", r / 2), ("score_negative", r / 2), ("weight_nonpositive", r),
               ("target_missing", r / share), ("missing_explanation", r), ("formula_mismatch", r / share),
               ("score_malformed", r * 0.3), ("weight_missing", r * 0.1), ("near_empty_explanation", r * 0.2)],
        False: [("score_above_weight", r / 2), ("score_negative", r / 2), ("weight_nonpositive", r),
                ("missing_explanation", r), ("band_mismatch", r / max(1 - share, 1e-9)),
                ("score_malformed", r * 0.3), ("weight_missing", r * 0.1), ("near_empty_explanation", r * 0.2),
                ("edge_grade", r * 0.3)],
    }  # fmt: skip
    fault = np.full(n, -1)
    draw = rng.random(n)
    for is_quant, kinds in widths.items():
        rows = quant == is_quant
        edges = np.cumsum([w for _, w in kinds])
        codes = np.array([FAULTS.index(k) for k, _ in kinds] + [-1])
        fault[rows] = codes[np.searchsorted(edges, draw[rows], side="right")]

    def rows_with(kind: str) -> tuple[np.ndarray, int]:
        hit = fault == FAULTS.index(kind)
        return hit, int(hit.sum())

    hit, k = rows_with("score_above_weight")
    score[hit] = full[hit] + rng.integers(50, 501, k)
    hit, k = rows_with("score_negative")
    score[hit] = -100 * rng.integers(1, 4, k)
    hit, k = rows_with("weight_nonpositive")
    weight[hit] = np.where(rng.random(k) < 0.9, 0, -1)
    full = weight * 100
    score[hit], expl[hit] = 0, -1
    hit, k = rows_with("target_missing")
    target_ok[hit] = False
    target_state[hit] = rng.choice([missing_, malformed, withheld], size=k, p=[0.7, 0.2, 0.1])
    for kind, pool_of in (
        ("missing_explanation", EMPTY_EXPLANATIONS),
        ("near_empty_explanation", NEAR_EMPTY_EXPLANATIONS),
    ):
        hit, k = rows_with(kind)
        # Marked down as the document generator does: a positive target missed by 20%, an eq/lte
        # row docked 10% (the formula rule flags that too), a qualitative one graded 部分达成.
        low = target * 8 // 10 // ulp * ulp
        down = hit & quant & positive
        actual[down] = low[down]
        score[down] = ((2 * full * low + safe) // (2 * safe))[down]
        score[hit & quant & ~positive] = (full * 9 // 10)[hit & quant & ~positive]
        grade[hit & ~quant], score[hit & ~quant] = 1, (full * 7 // 10)[hit & ~quant]
        choice = np.array([-1 if e is None else explanations.index(e) for e in pool_of])
        expl[hit] = choice[rng.integers(0, len(pool_of), k)]
    hit, k = rows_with("formula_mismatch")
    wrong = np.select([positive, (cmp == eq) & (target > 0), cmp == eq],
                      [target * 85 // 100, target * 9 // 10, np.full(n, SCALE)], target * 3 // 2) // ulp * ulp  # fmt: skip
    actual[hit], score[hit], expl[hit] = wrong[hit], full[hit], -1  # full marks all the same
    hit, k = rows_with("band_mismatch")
    achieved = hit & (rng.random(n) < 0.5)
    grade[achieved] = 0
    score[achieved] = (30 * weight + 49 * weight * rng.integers(0, 1001, n) // 1000)[achieved]
    expl[achieved] = rng.integers(0, len(MISS_REASONS), int(achieved.sum()))
    grade[hit & ~achieved], score[hit & ~achieved], expl[hit & ~achieved] = 1, full[hit & ~achieved], -1
    hit, k = rows_with("score_malformed")
    score_ok[hit], score_state[hit] = False, malformed
    hit, k = rows_with("weight_missing")
    weight_ok[hit], weight_state[hit] = False, missing_
    score[hit & (rng.random(n) < 0.5)] = -100  # score < 0 OR score > NULL is still true
    hit, k = rows_with("edge_grade")
    grade[hit] = len(GRADE_BANDS) + rng.integers(0, len(EDGE_GRADES), k)
    score[hit] = full[hit] // 2
    expl[hit] = rng.integers(0, len(MISS_REASONS), k)
    injected = Counter(
        {FAULTS[c]: int(v) for c, v in enumerate(np.bincount(fault[fault >= 0], minlength=len(FAULTS))) if v}
    )

    # ---- keys: rid runs over submissions, projects, budget lines, indicators (unique in the batch)
    n_lines = 4 * n_proj
    sub_rid = np.arange(1, n_doc + 1)
    proj_rid = n_doc + 1 + np.arange(n_proj)
    line_rid = n_doc + n_proj + 1 + np.arange(n_lines)
    ind_rid = n_doc + n_proj + n_lines + 1 + np.arange(n)
    year = p_year[proj]

    def keys(doc: np.ndarray, rid: np.ndarray, path: Coded) -> dict[str, FastColumn]:
        return {
            "sub": Ints(doc), "rid": Ints(rid), "path": path, "fiscal_year": Ints(d_year[doc]),
            "doc_kind": _const(len(doc), "project_table"), "department": _text(d_dept[doc], departments),
        }  # fmt: skip

    width = int(ii.max()) + 1
    ind_paths = [f"/projects/{p}/indicators/{i}" for p in range(int(pi.max()) + 1) for i in range(width)]
    no_state = np.where(quant, value, missing_)
    indicators: dict[str, FastColumn] = {
        **keys(doc_of[proj], ind_rid, _text(pi[proj] * width + ii, ind_paths)),
        "project_rid": Ints(proj_rid[proj]),
        "project_name": _text(proj, project_names),
        "level1": _text(level, [name for name, _ in LEVEL1_WEIGHTS]),
        "level2": _text(t_l2[tpl], level2s),
        "name": _text(t_name[tpl], names),
        "kind": _text(np.where(quant, 0, 1), ("quantitative", "qualitative")),
        "comparator": _text(np.where(quant, cmp, -1), COMPARATORS),
        "target": Scaled(target, target_ok),
        "target_state": _state(target_state),
        "unit": _text(np.where(quant, t_unit[tpl], -1), units),
        "actual": Scaled(actual, actual_ok),
        "actual_state": _state(no_state),
        "actual_text": _const(len(proj), None),
        "actual_grade": _text(np.where(quant, -1, grade), grades),
        "weight": Scaled(weight * SCALE, weight_ok),
        "weight_state": _state(weight_state),
        "score": Scaled(score * 100, score_ok),
        "score_state": _state(score_state),
        "deviation_explanation": _text(expl, explanations),
        # Declaration columns: self-evaluations state no target text and have no blank rows.
        "target_text": _const(len(proj), None),
        "explanation": _const(len(proj), None),
        "blank": Ints(np.zeros(len(proj), np.int64)),
        "not_applicable": Ints(np.zeros(len(proj), np.int64)),
        "project_filled_count": Ints(sizes[proj]),
        "level2_filled_count": Ints(_level2_counts(proj, t_l2[tpl])),
        "near_duplicate_of": _const(len(proj), None),
        "comparator_basis": _text(np.full(len(ind_rid), -1), ()),
        "score_unit": _stated_unit(score * 100, score_ok, SCALE),
        # No generated form has Chongqing's 得分系数 column.
        **dict(zip(("score_coefficient", "score_coefficient_state"), _null_numbers(len(proj)), strict=True)),
        "score_coefficient_unit": _null_numbers(len(proj))[0],
    }

    # ---- budget lines: 年度资金总额 plus three sub-lines per project, in 元, all consistent
    amount = rng.integers(2_000, 300_001, n_proj) * 100  # 20.00-3000.00 万元, in 元
    carry = np.where(rng.random(n_proj) < 0.4, amount * rng.integers(0, 201, n_proj) // 1000 // 100 * 100, 0)
    other = np.where(rng.random(n_proj) < 0.3, amount * rng.integers(0, 151, n_proj) // 1000 // 100 * 100, 0)
    annual = np.stack([amount - carry - other, carry, other], axis=1)
    initial = np.where([False, True, False], annual, annual * rng.integers(850, 1001, (n_proj, 3)) // 1000 // 100 * 100)
    executed = np.where(rng.random((n_proj, 3)) < 0.35, annual,
                        annual * rng.integers(750, 1001, (n_proj, 3)) // 1000 // 100 * 100)  # fmt: skip
    annual = np.column_stack([annual.sum(axis=1), annual])
    initial = np.column_stack([initial.sum(axis=1), initial])
    executed = np.column_stack([executed.sum(axis=1), executed])
    indicators["project_budget"] = Scaled(amount[proj] * SCALE, np.ones(len(proj), dtype=bool))  # 元, the total line
    indicators["scoring_scheme"] = _const(len(proj), "mof10")
    has_budget = annual > 0
    rate = np.where(has_budget, (2 * executed * SCALE + annual) // (2 * np.maximum(annual, 1)), 0)
    # round_half_up(min(rate, 1) * 10, 2): rate / 10 in cents, then scaled like every other number
    line_score = (np.minimum(rate[:, 0], SCALE) + 5) // 10 * 100
    is_total = np.tile([True, False, False, False], n_proj)
    line_proj = np.repeat(np.arange(n_proj), 4)
    na = STATE_CODES.index("not_applicable")
    line_explain = np.where(is_total & (rate.ravel() < SCALE), rng.integers(0, len(UNDERSPEND_REASONS), n_lines), -1)
    line_paths = [f"/projects/{p}/budget_lines/{b}" for p in range(int(pi.max()) + 1) for b in range(4)]
    money_state = _state(np.full(n_lines, value))
    budget_lines: dict[str, FastColumn] = {
        **keys(doc_of[line_proj], line_rid, _text(pi[line_proj] * 4 + np.tile(np.arange(4), n_proj), line_paths)),
        "project_rid": Ints(proj_rid[line_proj]),
        "project_name": _text(line_proj, project_names),
        "item": _text(np.tile(np.arange(4), n_proj), (TOTAL_ITEM, *SUB_ITEMS)),
        "is_total": Ints(is_total.astype(np.int64)),
        "initial_budget": Scaled(initial.ravel() * SCALE, np.ones(n_lines, bool)),
        "initial_budget_state": money_state,
        "annual_budget": Scaled(annual.ravel() * SCALE, np.ones(n_lines, bool)),
        "annual_budget_state": money_state,
        "executed": Scaled(executed.ravel() * SCALE, np.ones(n_lines, bool)),
        "executed_state": money_state,
        "weight": Scaled(np.where(is_total, BUDGET_WEIGHT * SCALE, 0), is_total),
        "weight_state": _state(np.where(is_total, value, na)),
        "rate": Scaled(rate.ravel(), has_budget.ravel()),
        "rate_state": _state(np.where(has_budget.ravel(), value, na)),
        "score": Scaled(np.where(is_total, np.repeat(line_score, 4), 0), is_total),
        "score_state": _state(np.where(is_total, value, na)),
        "explanation": _text(line_explain, UNDERSPEND_REASONS),
        "explanation_field": Ints(np.ones(n_lines, np.int64)),  # every generated line writes the key
        "money_unit": _const(n_lines, "元"),
        "scoring_scheme": _const(n_lines, "mof10"),
        "rate_unit": _stated_unit(rate.ravel(), has_budget.ravel(), 100),
        "score_unit": _stated_unit(np.where(is_total, np.repeat(line_score, 4), 0), is_total, SCALE),
    }

    # ---- projects: the stated total is the sum of the stated scores, as in the documents
    counted = np.where(score_ok, score * 100, 0)
    indicator_sum = np.add.reduceat(counted, first_row)
    self_score = indicator_sum + line_score
    # SCORE-TOTAL-SUM's parts (tables/score_parts.py): null when any indicator score is not a number;
    # the slack is half the summed last-digit units of the parts stated with decimals.
    sum_ok = np.add.reduceat((~score_ok).astype(np.int64), first_row) == 0
    part_unit = _stated_unit(score * 100, score_ok, SCALE).values
    decimal_unit = np.where(score_ok & (part_unit < SCALE), part_unit, 0)
    line_unit = _stated_unit(line_score, np.ones(n_proj, bool), SCALE).values
    slack = np.add.reduceat(decimal_unit, first_row) + np.where(line_unit < SCALE, line_unit, 0)
    grade_of = np.searchsorted([60 * SCALE, 80 * SCALE, 90 * SCALE], self_score, side="right")
    complete = rng.random(n_proj) < 0.85
    d_month, d_day = rng.integers(9, 13, n_proj), rng.integers(1, 29, n_proj)
    delivered, delivered_code = _vocab(
        f"{y}-{m:02d}-{d:02d}" for y in FISCAL_YEARS for m in range(9, 13) for d in range(1, 29)
    )
    projects: dict[str, FastColumn] = {
        **keys(doc_of, proj_rid, _text(pi, [f"/projects/{p}" for p in range(int(pi.max()) + 1)])),
        "project_id": _text(np.arange(n_proj), project_ids),
        "project_name": _text(np.arange(n_proj), project_names),
        "project_type": _text(rng.integers(0, 4, n_proj), ("工程基建", "补助发放", "设备购置", "服务采购")),
        "start_date": Ints(_days(p_year, rng.integers(1, 4, n_proj), 1)),
        "end_date": Ints(_days(p_year, 12, 1)),
        "delivery_date": Ints(_days(p_year, d_month, d_day), complete),
        "end_date_text": _text(p_year - FISCAL_YEARS[0], [f"{y}-12" for y in FISCAL_YEARS]),
        "delivery_date_text": _text(
            np.where(complete, ((p_year - FISCAL_YEARS[0]) * 4 + d_month - 9) * 28 + d_day - 1, -1), delivered
        ),
        "completion": _text(np.where(complete, 0, 1), ("全部完成", "部分完成")),
        "completion_field": Ints(np.ones(n_proj, np.int64)),  # and each project's 完成情况
        "self_score": Scaled(self_score, np.ones(n_proj, bool)),
        "self_score_state": _state(np.full(n_proj, value)),
        "self_score_unit": _stated_unit(self_score, np.ones(n_proj, bool), SCALE),
        "exec_score": Scaled(line_score, sum_ok),
        "indicator_score_sum": Scaled(indicator_sum, sum_ok),
        "score_parts_slack": Scaled(slack // 2, sum_ok),
        "self_grade": _text(grade_of, ("差", "中", "良", "优")),
        "indicator_count": Ints(sizes),
        "budget_line_count": Ints(np.full(n_proj, 4)),
        "filled_indicator_count": Ints(sizes),
        "live_indicator_count": Ints(sizes),
        "indicator_names": _const(n_proj, None),
        "applicant_unit": _const(n_proj, None),
        **dict(zip(("total_amount", "total_amount_state"), _null_numbers(n_proj), strict=True)),
        **dict(zip(("annual_amount", "annual_amount_state"), _null_numbers(n_proj), strict=True)),
        "policy_basis": _const(n_proj, None),
        "calculation_basis": _const(n_proj, None),
        "annual_goal": _const(n_proj, None),
        # What the tables infer about the form (issue 12): none of it applies to generated documents.
        "unmapped_columns": _text(np.full(n_proj, -1), ()),
        "unread_rows": _text(np.full(n_proj, -1), ()),
        "budget_block_unread": Ints(np.zeros(n_proj, np.int64)),
        "template_rows": _text(np.full(n_proj, -1), ()),
        "template_row_count": Ints(np.zeros(n_proj, np.int64)),
        "scoring_scheme": _const(n_proj, "mof10"),  # 预算执行 10 分 on every generated form
        "blank_indicator_count": Ints(np.zeros(n_proj, np.int64)),
        "uncompared_indicators": _text(np.full(n_proj, -1), ()),
        "uncompared_count": Ints(np.zeros(n_proj, np.int64)),
        "missed_targets": _text(np.full(n_proj, -1), ()),
        "missed_target_count": Ints(np.zeros(n_proj, np.int64)),
        # A generated table is no narrative report's own table: the text states no score beside it.
        **dict(zip(("report_score", "report_score_state"), _null_numbers(n_proj), strict=True)),
        "report_score_unit": _null_numbers(n_proj)[0],
    }
    assert len(delivered_code) == len(delivered)

    # ---- submissions: one per document; no header totals and no department finance
    docs = np.arange(n_doc)
    narrative = rng.integers(0, len(NARRATIVES), n_doc)
    submissions: dict[str, FastColumn] = {
        **keys(docs, sub_rid, _const(n_doc, "")),
        "source": _text(docs, [f"fast/{d:07d}" for d in range(n_doc)]),
        "region_code": _text(d_region, [code for _, code in regions]),
        "region_name": _text(d_region, [name for name, _ in regions]),
        "report_date": Ints(_days(d_year + 1, rng.integers(3, 6, n_doc), rng.integers(1, 29, n_doc))),
        "self_grade": _const(n_doc, None),
        "overall_goals": _text(rng.integers(0, len(GOALS), n_doc), GOALS),
        "goal_field": Ints(np.ones(n_doc, np.int64)),  # every generated project table writes its goal
        "narrative": _text(narrative, [t.format(year="本", department="本部门", n="若干") for t in NARRATIVES]),
        "withheld_count": Ints(np.zeros(n_doc, np.int64)),
        "project_count": Ints(np.bincount(doc_of, minlength=n_doc)),
        "indicator_count": Ints(np.bincount(doc_of, weights=sizes, minlength=n_doc).astype(np.int64)),
        "budget_line_count": Ints(4 * np.bincount(doc_of, minlength=n_doc)),
        "fund_count": Ints(np.zeros(n_doc, np.int64)),
        "attached_table_count": Ints(np.zeros(n_doc, np.int64)),
        "fin_explanation": _const(n_doc, None),
        "fin_money_unit": _const(n_doc, "元"),
        "problems": _const(n_doc, None),
    }
    from perfrules.tables.spec import SUBMISSIONS

    for col in SUBMISSIONS.columns:
        if col.numeric_state:  # 自评总分 and the department finance block: not given
            submissions[col.name], submissions[f"{col.name}_state"] = _null_numbers(n_doc)
    return FastTables(
        {"submissions": submissions, "projects": projects, "budget_lines": budget_lines, "indicators": indicators},
        injected,
    )


def write(batch: SyntheticBatch, out: Path, manifest: Path | None = None) -> list[Path]:
    """One pretty JSON file per document; the manifest (if asked) goes to its own path."""
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for index, doc in enumerate(batch.docs):
        path = out / f"{index:05d}.json"
        path.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        paths.append(path)
    if manifest is not None:
        manifest.parent.mkdir(parents=True, exist_ok=True)
        rows = [{"file": f"{i.doc:05d}.json", "pointer": i.pointer, "kind": i.kind} for i in batch.injected]
        manifest.write_text(json.dumps(rows, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return paths


def write_stream(docs: Iterable[Doc], out: Path) -> int:
    """One compact JSON file per document, written as generated (nothing held), in folders
    of 1 000 files; returns the number written."""
    count = 0
    for count, doc in enumerate(docs, 1):
        folder = out / f"{(count - 1) // 1000:04d}"
        if (count - 1) % 1000 == 0:
            folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{count - 1:07d}.json").write_text(json.dumps(doc, ensure_ascii=False) + "\n", encoding="utf-8")
    return count


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write seeded synthetic self-evaluations as JSON files.")
    parser.add_argument("--rows", type=int, default=100_000, help="indicator rows in total (default 100000)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--violation-rate", type=float, default=VIOLATION_RATE)
    parser.add_argument(
        "--fund-uses", type=Path, default=DEFAULT_FUND_USES, help="allowed uses of earmarked funds (CSV)"
    )
    parser.add_argument(
        "--out", type=Path, default=Path("benchmarks/out/submissions"), help="folder for the JSON files"
    )
    parser.add_argument("--manifest", type=Path, default=None,
                        help="also write the injected violations here (keep it outside --out)")  # fmt: skip
    parser.add_argument("--stream", action="store_true",
                        help="write each document as it is generated (no manifest; for 1M+ rows)")  # fmt: skip
    parser.add_argument("--fast", action="store_true",
                        help="write the fast path's normalized tables as Arrow IPC files instead of documents")  # fmt: skip
    args = parser.parse_args(argv)
    if args.fast:
        tables = fast_tables(args.rows, args.seed, args.violation_rate)
        args.out.mkdir(parents=True, exist_ok=True)
        for name in tables.tables:
            with pa.OSFile(str(args.out / f"{name}.arrow"), "wb") as sink:
                table = tables.arrow(name)
                with pa.ipc.new_file(sink, table.schema) as writer:
                    writer.write_table(table)
        counts = ", ".join(f"{name} {tables.rows(name)}" for name in tables.tables)
        print(f"wrote {len(tables.tables)} Arrow files to {args.out} ({counts}; injected {dict(tables.injected)})")
        return 0
    if args.stream:
        count = write_stream(
            iter_documents(args.rows, args.seed, args.violation_rate, load_fund_uses(args.fund_uses)), args.out
        )
        print(f"wrote {count} files to {args.out} ({args.rows} indicator rows)")
        return 0
    batch = generate_batch(args.rows, args.seed, args.violation_rate, load_fund_uses(args.fund_uses))
    paths = write(batch, args.out, args.manifest)
    counts = ", ".join(f"{k} {v}" for k, v in batch.row_counts().items())
    print(f"wrote {len(paths)} files to {args.out} ({counts}; {len(batch.injected)} injected violations)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
