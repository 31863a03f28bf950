"""Chinese word segmentation with jieba, knowing the graph's names as words."""

from __future__ import annotations

import functools
import logging

__all__ = ["tokenizer"]


@functools.lru_cache(maxsize=8)
def tokenizer(words: tuple[str, ...]):
    """A private jieba tokenizer (no global state) with *words* added as high-frequency words.

    >>> tokenizer(("市公安局",)).lcut("市公安局牵头")
    ['市公安局', '牵头']
    """
    import jieba

    jieba.setLogLevel(logging.WARNING)
    segmenter = jieba.Tokenizer()
    for word in words:
        segmenter.add_word(word, freq=200000)
    return segmenter
