"""Things named in task and milestone text: policy documents and places."""

from __future__ import annotations

import re

from ontology import places_of

__all__ = ["find_documents", "find_places"]

_DOCUMENT = re.compile(r"《([^《》]{2,60})》")
# Places the gazetteer does not know are still found by a telling suffix.
_PLACE_SUFFIX = re.compile(
    r"(?:[\u4e00-\u9fff]{2,4}?)(?:国际机场|高架路|火车站|高铁站|客运站|北站|南站|东站|西站|广场|大桥|码头|港区)"
)
_PLACE_NOISE_PREFIX = re.compile(r"^(?:铁路|在|对|于|和|及|与|等|至|、)+")


def find_documents(text: str) -> tuple[str, ...]:
    """Titles named in 《…》, in order, de-duplicated.

    >>> find_documents("贯彻落实《青岛市违法建设治理条例》，印发《方案》《青岛市违法建设治理条例》")
    ('青岛市违法建设治理条例', '方案')
    """
    return tuple(dict.fromkeys(_DOCUMENT.findall(text)))


def find_places(text: str, city: str) -> tuple[str, ...]:
    """Named places: the city's gazetteer first, then suffix patterns.

    >>> find_places("在铁路青岛北站开展联合执法，胶东国际机场等交通枢纽", "青岛")
    ('青岛北站', '胶东国际机场')
    """
    found = [name for name in places_of(city) if name in text]
    for match in _PLACE_SUFFIX.finditer(text):
        name = _PLACE_NOISE_PREFIX.sub("", match.group(0))
        if len(name) >= 3 and not any(name in known or known in name for known in found):
            found.append(name)
    # Drop a gazetteer name contained in a longer one found too (跨海大桥 in 跨海大桥高架路).
    found = [n for n in found if not any(n != m and n in m for m in found)]
    return tuple(sorted(dict.fromkeys(found), key=text.find))
