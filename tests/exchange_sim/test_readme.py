"""The README's Python example runs, its TOML example decodes, its CLI flags exist."""

import asyncio
import pathlib
import re
import sys
import tomllib

from services.exchange_sim import load_config

REPO = pathlib.Path(__file__).resolve().parents[2]
README = (REPO / "services" / "exchange_sim" / "README.md").read_text()


def blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", README, flags=re.DOTALL)


async def test_python_example_runs() -> None:
    [example] = [b for b in blocks("python") if "asyncio.run(main())" in b]
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        example,
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(30):
        out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    assert "http://127.0.0.1:" in out.decode()


def test_toml_example_decodes() -> None:
    [example] = blocks("toml")
    cfg = load_config(tomllib.loads(example))
    assert cfg.speed == "max" and cfg.faults.error_kind == "mixed"


async def test_cli_flags_in_the_readme_exist() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "services.exchange_sim",
        "--help",
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(30):
        out, _ = await proc.communicate()
    help_text = out.decode()
    for flag in set(re.findall(r"`(--[a-z-]+)", README)):
        assert flag in help_text, flag
