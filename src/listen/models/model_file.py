"""Model files: plain JSON with a checksum, validated on load, installed next to the database.

Nothing is unpickled or executed: a file holds a header line (format, version, a SHA-256 of
the rest) and a JSON payload: vocabularies, idf weights, scaler statistics, coefficients,
thresholds and the metrics that justified the model. A damaged, edited or incompatible file
raises `ModelFileError`, and `load_current_model` falls back to the bundled default model,
saying why.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from listen.errors import ListenError
from listen.models.features import FEATURE_GROUPS, engineered_names
from listen.models.linear import BLOCKS, HEADS, LinearModel, TermBlock
from listen.models.rules import Thresholds

FORMAT = "listen-engagement-model"
FORMAT_VERSION = 2  # 2: word and character n-grams, engineered feature groups
MAX_MODEL_BYTES = 50_000_000
MODELS_DIR = "models"
CURRENT_POINTER = "current"


class ModelFileError(ListenError):
    """A model file is missing, damaged, tampered with, or made for other features."""


@dataclass(frozen=True, slots=True)
class LoadedModel:
    """The model in use, where it came from, and why the user's model was not used, if so."""

    model: LinearModel
    origin: str  # "installed", "default" or "file"
    problem: str | None = None


def model_to_document(model: LinearModel) -> dict[str, Any]:
    """The model's header and payload: the payload holds everything, the header what is
    needed to check it (format, version, the payload's SHA-256)."""
    payload = {
        "version": model.version,
        "created_at": model.created_at,
        "kind": "tfidf-word-char-logistic",
        "blocks": {
            block.kind: {
                "terms": list(block.terms),
                "ngrams": list(block.ngrams),
                "idf": _packed(block.idf),
                "coef": {head: _packed(block.coef[h]) for h, head in enumerate(HEADS)},
            }
            for block in model.blocks
        },
        "groups": list(model.groups),
        "engineered_names": list(model.engineered_names),
        "engineered_mean": _floats(model.engineered_mean),
        "engineered_scale": _floats(model.engineered_scale),
        "heads": {
            head: {
                "engineered_coef": _floats(model.engineered_coef[h]),
                "intercept": _floats(model.intercept[h : h + 1])[0],
            }
            for h, head in enumerate(HEADS)
        },
        "thresholds": {
            "comment": model.thresholds.comment,
            "share": model.thresholds.share,
            "like": model.thresholds.like,
        },
        "metrics": model.metrics,
        "training": model.training,
    }
    return {"format": FORMAT, "format_version": FORMAT_VERSION, "model": payload}


def document_bytes(document: dict[str, Any]) -> bytes:
    """A model file: one header line (format, version, SHA-256 of the rest), then the payload
    as JSON. Checking the hash of the bytes as read needs no re-serialisation (fast loads)."""
    payload = json.dumps(document["model"], separators=(",", ":"), ensure_ascii=False).encode()
    header = {
        "format": document.get("format"),
        "format_version": document.get("format_version"),
        "sha256": hashlib.sha256(payload).hexdigest(),
    }
    return json.dumps(header).encode() + b"\n" + payload


def _packed(values: Any) -> str:
    """A long float array as base64 of little-endian float32: parsed in microseconds, where
    a JSON list of 40,000 numbers takes tens of milliseconds (load time is a target)."""
    import numpy as np  # numpy: only when a model is saved

    return base64.b64encode(np.asarray(values, dtype="<f4").tobytes()).decode("ascii")


def _unpacked(np: Any, value: Any, length: int) -> Any:
    if not isinstance(value, str):
        raise ValueError("expected base64 float32 data")
    try:
        raw = base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise ValueError("bad base64 data") from None
    if len(raw) != 4 * length:
        raise ValueError(f"expected {length} numbers")
    array = np.frombuffer(raw, dtype="<f4").astype(float)
    if not np.all(np.isfinite(array)):
        raise ValueError("non-finite number")
    return array


def _floats(values: Any) -> list[float]:
    return [float(f"{v:.7g}") for v in values.tolist()]


def save_model(model: LinearModel, path: Path) -> None:
    """Write a model file atomically (a temp file renamed into place)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(document_bytes(model_to_document(model)))
    tmp.replace(path)


def load_model(path: Path) -> LinearModel:
    """Read and fully validate a model file; raises `ModelFileError` on any problem."""
    try:
        size = path.stat().st_size
        if size > MAX_MODEL_BYTES:
            raise ModelFileError(f"{path}: model file too large ({size} bytes)")
        raw = path.read_bytes()
    except OSError as exc:
        raise ModelFileError(f"{path}: cannot read model file: {exc.strerror or exc}") from None
    return model_from_bytes(raw, str(path))


def _check_format(document: Any, where: str) -> None:
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ModelFileError(f"{where}: not a listen model file")
    version = document.get("format_version")
    if isinstance(version, int) and not isinstance(version, bool) and version > FORMAT_VERSION:
        raise ModelFileError(
            f"{where}: made by a newer listen (model format {version}; this one reads "
            f"{FORMAT_VERSION}): upgrade listen to use it"
        )
    if version != FORMAT_VERSION:
        raise ModelFileError(
            f"{where}: model format {version!r} is from an older listen: run `listen train` again"
        )


def model_from_bytes(raw: bytes, where: str) -> LinearModel:
    """Parse and validate a model file's bytes."""
    first, newline, rest = raw.partition(b"\n")
    try:
        header = json.loads(first.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise ModelFileError(f"{where}: not a listen model file (not JSON)") from None
    _check_format(header, where)
    if not newline or header.get("sha256") != hashlib.sha256(rest).hexdigest():
        raise ModelFileError(f"{where}: checksum mismatch: the model file was modified or damaged")
    try:
        payload = json.loads(rest.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise ModelFileError(f"{where}: malformed model file (payload is not JSON)") from None
    if not isinstance(payload, dict):
        raise ModelFileError(f"{where}: malformed model file (payload is not an object)")
    try:
        return _model_from_payload(payload, where)
    except ModelFileError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise ModelFileError(f"{where}: malformed model file ({exc})") from None


def _model_from_payload(payload: dict[str, Any], where: str) -> LinearModel:
    import numpy as np  # numpy: ~0.1 s, only when a model is used

    groups = payload["groups"]
    if not isinstance(groups, list) or not all(g in FEATURE_GROUPS for g in groups):
        raise ModelFileError(f"{where}: model uses features this listen does not know; retrain it")
    if len(set(groups)) != len(groups) or payload["engineered_names"] != list(
        engineered_names(groups)
    ):
        raise ModelFileError(f"{where}: model was trained on other features; retrain it")
    n_eng = len(payload["engineered_names"])
    blocks = []
    for kind, block in payload["blocks"].items():
        if kind not in BLOCKS:
            raise ValueError(f"unknown block {kind!r}")
        terms = block["terms"]
        if not isinstance(terms, list) or not set(map(type, terms)) <= {str}:
            raise ValueError("terms")
        vocabulary = dict(zip(terms, range(len(terms)), strict=True))
        if len(vocabulary) != len(terms):
            raise ValueError("repeated terms")
        coef = np.vstack([_unpacked(np, block["coef"][h], len(terms)) for h in HEADS])
        idf = _unpacked(np, block["idf"], len(terms))
        ngrams = _ngrams(block["ngrams"])
        blocks.append(TermBlock(kind, tuple(terms), idf, coef, vocabulary, ngrams))
    scale = _array(np, payload["engineered_scale"], n_eng)
    if np.any(scale <= 0):
        raise ValueError("engineered_scale")
    heads = payload["heads"]
    intercept = np.array([float(heads[h]["intercept"]) for h in HEADS])
    if not np.all(np.isfinite(intercept)):
        raise ValueError("intercept")
    thresholds = Thresholds(**{k: float(v) for k, v in payload["thresholds"].items()})
    return LinearModel(
        version=str(payload["version"]),
        created_at=str(payload["created_at"]),
        blocks=tuple(blocks),
        groups=tuple(groups),
        engineered_mean=_array(np, payload["engineered_mean"], n_eng),
        engineered_scale=scale,
        engineered_coef=np.vstack([_array(np, heads[h]["engineered_coef"], n_eng) for h in HEADS]),
        intercept=intercept,
        thresholds=thresholds,
        metrics=dict(payload.get("metrics") or {}),
        training=dict(payload.get("training") or {}),
    )


def _ngrams(values: Any) -> tuple[int, int]:
    if (
        not isinstance(values, list)
        or len(values) != 2
        or not all(type(v) is int for v in values)
        or not 1 <= values[0] <= values[1] <= 8
    ):
        raise ValueError("ngrams")
    return values[0], values[1]


def _array(np: Any, values: Any, length: int) -> Any:
    if not isinstance(values, list) or len(values) != length:
        raise ValueError(f"expected {length} numbers")
    array = np.asarray(values, dtype=float)
    if array.ndim != 1 or not np.all(np.isfinite(array)):
        raise ValueError("non-finite number")
    return array


def default_model() -> LinearModel:
    """The model trained on the bundled corpus (scripts/build_default_model.py)."""
    raw = resources.files("listen.models").joinpath("data/default_model.json").read_bytes()
    return model_from_bytes(raw, "bundled default model")


def models_dir(data_dir: Path) -> Path:
    return data_dir / MODELS_DIR


def install_model(model: LinearModel, data_dir: Path) -> Path:
    """Save a model under the data directory and make it the current one."""
    directory = models_dir(data_dir)
    path = directory / f"{model.version}.json"
    save_model(model, path)
    pointer = directory / CURRENT_POINTER
    tmp = pointer.with_suffix(".tmp")
    tmp.write_text(path.name + "\n", "utf-8")
    tmp.replace(pointer)
    return path


def load_current_model(data_dir: Path | None) -> LoadedModel:
    """The installed model, or the default one (with the reason) if there is none or it is bad."""
    if data_dir is not None:
        pointer = models_dir(data_dir) / CURRENT_POINTER
        if pointer.exists():
            try:
                name = pointer.read_text("utf-8").strip()
                if not name or "/" in name or "\\" in name or name.startswith("."):
                    raise ModelFileError(f"{pointer}: invalid model name {name!r}")
                return LoadedModel(load_model(models_dir(data_dir) / name), "installed")
            except ModelFileError as exc:
                return LoadedModel(default_model(), "default", str(exc))
            except (OSError, UnicodeDecodeError) as exc:
                return LoadedModel(default_model(), "default", f"{pointer}: unreadable ({exc})")
    return LoadedModel(default_model(), "default")
