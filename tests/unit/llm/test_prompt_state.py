"""Saving and loading the warm-up prompt's state (a stand-in for llama_cpp.Llama, no model)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agent.llm.prompt_state import restore, save, state_path


class _Llm:
    """Keeps whatever state it is given; ``save_state`` returns it (picklable, like LlamaState)."""

    def __init__(self, state: Any = None) -> None:
        self.state = state

    def save_state(self) -> Any:
        return self.state

    def load_state(self, state: Any) -> None:
        self.state = state


def _model(tmp_path: Path) -> Path:
    model = tmp_path / "model.gguf"
    model.write_bytes(b"weights")
    return model


def test_a_saved_state_is_loaded_by_the_next_start(tmp_path: Path) -> None:
    path = state_path(tmp_path, _model(tmp_path), [1, 2, 3])
    assert restore(_Llm(), path) is False
    save(_Llm({"input_ids": [1, 2, 3], "kv": b"\x00" * 64}), path)
    fresh = _Llm()
    assert restore(fresh, path) is True
    assert fresh.state == {"input_ids": [1, 2, 3], "kv": b"\x00" * 64}


def test_another_prompt_or_model_file_has_its_own_state_and_replaces_the_old(
    tmp_path: Path,
) -> None:
    model = _model(tmp_path)
    first, other_prompt = state_path(tmp_path, model, [1, 2]), state_path(tmp_path, model, [1, 3])
    assert first != other_prompt
    save(_Llm("a"), first)
    save(_Llm("b"), other_prompt)
    assert not first.exists()
    model.write_bytes(b"other weights")
    assert state_path(tmp_path, model, [1, 3]) != other_prompt


def test_a_damaged_file_means_a_normal_warm_up_and_is_removed(tmp_path: Path) -> None:
    path = state_path(tmp_path, _model(tmp_path), [7])
    path.write_bytes(b"not a pickle")
    assert restore(_Llm(), path) is False
    assert not path.exists()
