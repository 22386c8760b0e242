"""Stop strings and UTF-8 reassembly of streamed token bytes (no model needed)."""

from __future__ import annotations

from agent.llm.engine import _TextAssembler


def _run(chunks: list[bytes], stops: tuple[str, ...]) -> tuple[str, list[str], bool]:
    shown: list[str] = []
    text = _TextAssembler(stops, shown.append)
    stopped = any(text.add(chunk) for chunk in chunks)
    return text.finish(), shown, stopped


def test_a_stop_string_split_across_tokens_ends_the_reply_and_is_never_shown() -> None:
    final, shown, stopped = _run([b"Price: 87", b".35 EN", b"D more"], ("END",))
    assert stopped
    assert final == "Price: 87.35 "
    assert "".join(shown) == final


def test_text_that_only_looks_like_a_stop_prefix_is_released_later() -> None:
    final, shown, stopped = _run([b"an E", b"lephant"], ("END",))
    assert not stopped
    assert final == "an Elephant"
    assert shown[0] == "an "
    assert "".join(shown) == final


def test_multibyte_characters_split_across_tokens_are_reassembled() -> None:
    data = "跑鞋".encode()
    final, shown, _ = _run([data[:2], data[2:4], data[4:]], ())
    assert final == "跑鞋"
    assert "".join(shown) == "跑鞋"
    assert all("\ufffd" not in piece for piece in shown)
