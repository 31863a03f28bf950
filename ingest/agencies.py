"""Responsible units: split the cell, tell agencies from collective units."""

from __future__ import annotations

import re

from ontology import districts_of

from .records import AgencyKind, AgencyRef
from .text import normalize

__all__ = ["classify_unit", "split_units"]

# A space-separated fragment that ends like this is a whole unit name; one that
# does not ("李沧区等区(市)" before "政府") is the first half of a name broken by PDF.
_UNIT_ENDING = re.compile(
    r"(局|委|委员会|政府|支队|大队|总队|集团|公司|中心|办公室|办|院|部|厅|署|会|社|站|所|队|处|科|行|馆|台|园区)$"
)
_HARD_SEPARATORS = re.compile(r"[、;；,，/]")
_GROUP = re.compile(r"^(?:各|相关|有关|涉农)(?:区|县|区市|区\(市\)|县\(市、区\)|区县)")
_NAMED_GROUP = re.compile(r"^(?P<named>.+?)等(?:区|县|区市|区\(市\)|区县)")
_DISTRICT_GOV = re.compile(r"^(?P<district>.+?[区县市])(?:人民)?政府$")


def split_units(cell: str) -> list[str]:
    """Unit names in a 责任单位 cell, in order, de-duplicated.

    >>> split_units("市交通运输局; 李沧区等区(市) 政府 胶州市政府; 市交通运输局、 市公安局、 机场集团")
    ['市交通运输局', '李沧区等区(市)政府', '胶州市政府', '市公安局', '机场集团']
    """
    names: list[str] = []
    for part in _HARD_SEPARATORS.split(cell.replace("（", "(").replace("）", ")")):
        pending = ""
        for fragment in part.split():
            pending += fragment
            if _UNIT_ENDING.search(pending):
                names.append(normalize(pending))
                pending = ""
        if pending:
            names.append(normalize(pending))
    return list(dict.fromkeys(n for n in names if n))


def classify_unit(name: str, city: str) -> AgencyRef:
    """An agency, a district government or a collective unit, with its districts.

    >>> classify_unit("胶州市政府", "青岛")
    AgencyRef(name='胶州市政府', kind=<AgencyKind.AGENCY: 'Agency'>, covers=('胶州市',))
    >>> classify_unit("李沧区等区(市)政府", "青岛").covers
    ('李沧区',)
    >>> len(classify_unit("各区(市)政府", "青岛").covers)
    10
    """
    districts = districts_of(city)
    if _GROUP.match(name):
        return AgencyRef(name, AgencyKind.GROUP, districts)
    named = _NAMED_GROUP.match(name)
    if named:
        covered = tuple(d for d in districts if d in named["named"])
        return AgencyRef(name, AgencyKind.GROUP, covered or districts)
    government = _DISTRICT_GOV.match(name)
    if government and government["district"] in districts:
        return AgencyRef(name, AgencyKind.AGENCY, (government["district"],))
    return AgencyRef(name, AgencyKind.AGENCY, ())
