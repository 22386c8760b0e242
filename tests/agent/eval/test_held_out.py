"""The test split is held out: none of its shopper texts leaks into the agent's or tools' files.

A leak is a run of 5 words (lower-cased ``\\w+`` tokens, CJK characters aside) or of 5 CJK
characters from a test case's text that also appears in a .py, .md or .yaml file under
``agent/`` or ``tools/`` (the splits themselves, under ``agent/eval/cases/``, excepted).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from agent.eval.cases import load_cases

ROOT = Path(__file__).resolve().parents[3]
SEARCHED = ("agent", "tools")
SUFFIXES = {".py", ".md", ".yaml"}
CASES_DIR = ROOT / "agent" / "eval" / "cases"
CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
WORD = re.compile(rf"[^\W{CJK}]+")
CJK_RUN = re.compile(f"[{CJK}]+")
SIZE = 5


def word_grams(text: str) -> set[str]:
    """Every run of 5 consecutive words, lower-cased and joined by one space."""
    words = WORD.findall(text.lower())
    return {" ".join(words[i : i + SIZE]) for i in range(len(words) - SIZE + 1)}


def cjk_grams(text: str) -> set[str]:
    """Every run of 5 consecutive CJK characters (within one unbroken run of them)."""
    return {run[i : i + SIZE] for run in CJK_RUN.findall(text) for i in range(len(run) - SIZE + 1)}


def _searched_files() -> Iterator[Path]:
    for folder in SEARCHED:
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix in SUFFIXES and CASES_DIR not in path.parents:
                yield path


@cache
def _corpus() -> tuple[tuple[str, str, str], ...]:
    """Each searched file: its path, its words joined by spaces, its CJK runs joined by '|'."""
    files = []
    for path in _searched_files():
        text = path.read_text(encoding="utf-8", errors="ignore")
        words = " " + " ".join(WORD.findall(text.lower())) + " "
        files.append((str(path.relative_to(ROOT)), words, "|".join(CJK_RUN.findall(text))))
    return tuple(files)


def leaks(text: str) -> list[tuple[str, str]]:
    """(file, sequence) for every 5-word or 5-character sequence of ``text`` found in a file."""
    found = []
    for name, words, cjk in _corpus():
        found += [(name, gram) for gram in word_grams(text) if f" {gram} " in words]
        found += [(name, gram) for gram in cjk_grams(text) if gram in cjk]
    return found


def test_the_gram_extraction_splits_words_and_cjk_characters() -> None:
    text = "Put 2 of the blue ones in my cart 把这两件都加入购物车"
    assert "put 2 of the blue" in word_grams(text)
    assert "blue ones in my cart" in word_grams(text)
    assert cjk_grams("加入购物车吧") == {"加入购物车", "入购物车吧"}
    assert all("购" not in gram for gram in word_grams(text))


def test_a_searched_file_is_found_to_leak() -> None:
    assert _corpus(), "no files searched under agent/ and tools/"
    name, words, _ = next(file for file in _corpus() if len(file[1].split()) >= SIZE)
    sample = " ".join(words.split()[:SIZE])
    assert (name, sample) in leaks(sample)


def test_no_test_case_text_leaks_into_agent_or_tools() -> None:
    found = {
        case.id: hits
        for case in load_cases(split="test")
        for hits in [leaks(case.text) + [h for p in case.prior for h in leaks(p.user)]]
        if hits
    }
    assert found == {}
