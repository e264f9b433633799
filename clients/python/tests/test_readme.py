"""The examples of the SDK's README and of the repository's, run as written against the live server."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parents[1]
# Each README, with what its examples print.
READMES = {
    HERE / "README.md": ["400 102 title", ": Hello everyone"],
    HERE.parents[1] / "README.md": [" messages in Plans "],
}


def examples(readme: Path) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", readme.read_text(), flags=re.MULTILINE | re.DOTALL)


CASES = [
    pytest.param(readme, example, prints, id=f"{readme.relative_to(HERE.parents[1])}#{i + 1}")
    for readme, printed in READMES.items()
    for i, (example, prints) in enumerate(zip(examples(readme), printed, strict=True))
]


@pytest.mark.parametrize("readme", READMES)
def test_every_example_is_run(readme: Path) -> None:
    assert len(examples(readme)) == len(READMES[readme])


@pytest.mark.parametrize(("readme", "example", "prints"), CASES)
def test_runs_the_example(
    readme: Path, example: str, prints: str, base_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert "http://127.0.0.1:8080" in example
    code = compile(example.replace("http://127.0.0.1:8080", base_url), str(readme), "exec")
    exec(code, {"__name__": "__readme__"})  # noqa: S102 -- the README's own examples are what is tested
    assert prints in capsys.readouterr().out
