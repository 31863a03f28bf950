"""Text clean-up for cells extracted from PDF tables."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["normalize", "squash_spaces"]

# Spaces survive only between two ASCII letters or digits ("Wi Fi", "5 G" is rare
# enough); PDF extraction put every other one inside Chinese words.
_INNER_SPACE = re.compile(r"(?<![A-Za-z0-9])\s+|\s+(?![A-Za-z0-9])")

_FULLWIDTH_TO_ASCII = {"（": "(", "）": ")", "％": "%", "／": "/", "．": "."}


def squash_spaces(text: str) -> str:
    """Remove the spaces PDF extraction left inside Chinese text.

    >>> squash_spaces("市容 环境")
    '市容环境'
    >>> squash_spaces("快 递 物 流")
    '快递物流'
    >>> squash_spaces("98% 以上 Wi Fi")
    '98%以上Wi Fi'
    """
    return _INNER_SPACE.sub("", text.strip())


def normalize(text: str) -> str:
    """NFKC-fold digits and letters, unify brackets and percent signs, squash spaces.

    Chinese punctuation (，。；《》) is kept as written.

    >>> normalize("各区（市）政府")
    '各区(市)政府'
    >>> normalize("１０％")
    '10%'
    """
    out = []
    for ch in text:
        if ch in _FULLWIDTH_TO_ASCII:
            out.append(_FULLWIDTH_TO_ASCII[ch])
        elif "\uff10" <= ch <= "\uff19" or "\uff21" <= ch <= "\uff5a":
            out.append(unicodedata.normalize("NFKC", ch))
        elif ch == "\u3000":
            out.append(" ")
        else:
            out.append(ch)
    return squash_spaces("".join(out))
