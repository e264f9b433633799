"""The README's examples, run as written against the live server."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
EXAMPLES = re.findall(r"^```python\n(.*?)^```", README.read_text(), flags=re.MULTILINE | re.DOTALL)


def test_the_readme_has_examples() -> None:
    assert len(EXAMPLES) == 2


@pytest.mark.parametrize(
    ("example", "prints"),
    list(zip(EXAMPLES, ["400 102 title", ": Hello everyone"], strict=True)),
    ids=["rest", "chat"],
)
def test_runs_the_example(example: str, prints: str, base_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert "http://127.0.0.1:8080" in example
    code = compile(example.replace("http://127.0.0.1:8080", base_url), str(README), "exec")
    exec(code, {"__name__": "__readme__"})  # noqa: S102 -- the README's own examples are what is tested
    assert prints in capsys.readouterr().out
