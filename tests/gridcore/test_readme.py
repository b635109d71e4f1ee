"""The README example runs as written and stays ten lines or fewer."""

import contextlib
import io
import pathlib
import re

import gridcore

README = pathlib.Path(gridcore.__file__).with_name("README.md")


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_readme_example_runs_and_prints_the_E11_first_intent() -> None:
    (example,) = python_blocks()
    assert len(example.strip().splitlines()) <= 10
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(example, str(README), "exec"), {})
    assert out.getvalue() == "Buy 99800.0 24\n"


def test_readme_lists_every_public_name() -> None:
    text = README.read_text(encoding="utf-8")
    missing = [name for name in gridcore.__all__ if name not in text]
    assert missing == []
