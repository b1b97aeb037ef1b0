"""Model files: plain JSON with a checksum, validated on load, installed next to the database.

Nothing is unpickled or executed: a file holds a vocabulary, idf weights, scaler statistics,
coefficients, thresholds and the metrics that justified the model, plus a SHA-256 of that
payload. A damaged, edited or incompatible file raises `ModelFileError`, and
`load_current_model` falls back to the bundled default model, saying why.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from listen.errors import ListenError
from listen.models.features import ENGINEERED_NAMES
from listen.models.linear import HEADS, LinearModel
from listen.models.rules import Thresholds

FORMAT = "listen-engagement-model"
FORMAT_VERSION = 1
MAX_MODEL_BYTES = 50_000_000
MODELS_DIR = "models"
CURRENT_POINTER = "current"


class ModelFileError(ListenError):
    """A model file is missing, damaged, tampered with, or made for other features."""


@dataclass(frozen=True, slots=True)
class LoadedModel:
    """The model in use, where it came from, and why the user's model was not used, if so."""

    model: LinearModel
    origin: str  # "installed" or "default"
    problem: str | None = None


def model_to_document(model: LinearModel) -> dict[str, Any]:
    """The JSON document for a model, with a checksum over its canonical payload."""
    payload = {
        "version": model.version,
        "created_at": model.created_at,
        "kind": "tfidf-logistic",
        "engineered_names": list(ENGINEERED_NAMES),
        "terms": list(model.terms),
        "idf": _floats(model.idf),
        "engineered_mean": _floats(model.engineered_mean),
        "engineered_scale": _floats(model.engineered_scale),
        "heads": {
            head: {
                "text_coef": _floats(model.text_coef[h]),
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
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "sha256": _checksum(payload),
        "model": payload,
    }


def _floats(values: Any) -> list[float]:
    return [float(f"{v:.7g}") for v in values.tolist()]


def _checksum(payload: dict[str, Any]) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def save_model(model: LinearModel, path: Path) -> None:
    """Write a model file atomically (a temp file renamed into place)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(model_to_document(model), separators=(",", ":")), "utf-8")
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


def model_from_bytes(raw: bytes, where: str) -> LinearModel:
    """Parse and validate a model document."""
    import numpy as np  # numpy: ~0.1 s, only when a model is used

    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise ModelFileError(f"{where}: not a listen model file (not JSON)") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ModelFileError(f"{where}: not a listen model file")
    if document.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(
            f"{where}: model format {document.get('format_version')!r} is not supported"
        )
    payload = document.get("model")
    if not isinstance(payload, dict) or document.get("sha256") != _checksum(payload):
        raise ModelFileError(f"{where}: checksum mismatch: the model file was modified or damaged")
    try:
        if payload["engineered_names"] != list(ENGINEERED_NAMES):
            raise ModelFileError(f"{where}: model was trained on other features; retrain it")
        terms = payload["terms"]
        if not isinstance(terms, list) or not all(isinstance(t, str) for t in terms):
            raise ValueError("terms")
        n_terms, n_eng = len(terms), len(ENGINEERED_NAMES)
        idf = _array(np, payload["idf"], n_terms)
        mean = _array(np, payload["engineered_mean"], n_eng)
        scale = _array(np, payload["engineered_scale"], n_eng)
        if np.any(scale <= 0):
            raise ValueError("engineered_scale")
        heads = payload["heads"]
        text_coef = np.vstack([_array(np, heads[h]["text_coef"], n_terms) for h in HEADS])
        eng_coef = np.vstack([_array(np, heads[h]["engineered_coef"], n_eng) for h in HEADS])
        intercept = np.array([float(heads[h]["intercept"]) for h in HEADS])
        thresholds = Thresholds(**{k: float(v) for k, v in payload["thresholds"].items()})
        if not np.all(np.isfinite(intercept)):
            raise ValueError("intercept")
        return LinearModel(
            version=str(payload["version"]),
            created_at=str(payload["created_at"]),
            terms=tuple(terms),
            idf=idf,
            engineered_mean=mean,
            engineered_scale=scale,
            text_coef=text_coef,
            engineered_coef=eng_coef,
            intercept=intercept,
            thresholds=thresholds,
            metrics=dict(payload.get("metrics") or {}),
            training=dict(payload.get("training") or {}),
        )
    except ModelFileError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ModelFileError(f"{where}: malformed model file ({exc})") from None


def _array(np: Any, values: Any, length: int) -> Any:
    if not isinstance(values, list) or len(values) != length:
        raise ValueError(f"expected {length} numbers")
    array = np.asarray(values, dtype=float)
    if not np.all(np.isfinite(array)):
        raise ValueError("non-finite number")
    return array


def default_model() -> LinearModel:
    """The model trained on the seed set that ships with listen."""
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
