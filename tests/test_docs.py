"""Every rule id and section number the code cites resolves to an anchor in ``docs/``.

Citations are collected from every ``*.py`` under ``libs/``, ``services/``, ``proto/``
and ``tests/`` and from the ``README.md`` files: gridcore ids (``G-4``, ``E-12``,
``Q-G1`` …), backtest ids (``B-FILL-4``) and their bare families (``B-FILL``),
validation ids (``V-7``) and sections (``§6.6``). A step suffix cites its rule
(``G-4.7`` → ``G-4``); ranges and lists cite every member (``R-1..R-11``,
``B-FUND-1/2``, ``§3–§5``).

An anchor is a heading or a bold label whose first word is the id. Lettered ids live in
one document per family; a bare ``§n`` means the document of the spec the citation is
about (see ``SPEC_NAMES``, ``PATH_SCOPES``, ``HEADING_SCOPES``).
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
SOURCE_DIRS = ("libs", "services", "proto", "tests")
README_DIRS = ("libs", "services", "proto", "tests", "deploy")

# -- exclusions ----------------------------------------------------------------------------
#: Files that mention ids without citing a rule: this test (its patterns and messages).
#: ``docs/`` itself is never scanned: it defines the ids.
EXCLUDED_FILES = frozenset({"tests/test_docs.py"})
#: Directory names never scanned.
EXCLUDED_DIRS = frozenset({"__pycache__", ".venv", "node_modules", ".hypothesis"})
#: Tokens the patterns match that are not rule citations, with the reason. Empty: every
#: match in the tree was read in context and is a citation (error messages and CLI help
#: included). Look-alikes cannot match: a lettered id needs a lone capital before the
#: hyphen, so lint codes (``E501``), hashes (``SHA-256``), encodings (``UTF-8``) and the
#: safety caps ``C1``–``C4`` are not ids; ``R-10 #12`` cites R-10 (its worked example 12).
EXCLUDED_TOKENS: dict[str, str] = {}

# -- patterns ------------------------------------------------------------------------------
ID = re.compile(r"\b(?:Q-G\d+|[GEIRQPSC]-\d+|B-[A-Z]+-\d+|V-\d+)\b")
FAMILY = re.compile(r"\bB-[A-Z]+\b(?!-\d)")
SECTION = re.compile(r"§ ?(\d+(?:\.\d+)?)")
ID_RANGE = re.compile(r"\b([GEIRQPSCV]|B-[A-Z]+)-(\d+)(?:\.\.|–)(?:\1-)?(\d+)\b")
ID_LIST = re.compile(r"\b([GEIRQPSCV]|B-[A-Z]+)-(\d+)((?:/\d+)+)\b")
SECTION_RANGE = re.compile(r"§(\d+)[–-]§?(\d+)\b")
ANCHOR_TOKEN = re.compile(r"Q-G\d+|[GEIRQPSC]-\d+|B-[A-Z]+(?:-\d+)?|V-\d+|§\d+(?:\.\d+)?")
HEADING = re.compile(r"^#{1,6}\s+(.+)$", re.MULTILINE)
BOLD = re.compile(r"\*\*(.+?)\*\*")
CODE_SPAN = re.compile(r"`[^`\n]*`")

# -- which document defines what -----------------------------------------------------------
STRATEGY_CORE = "strategy-core.md"
BACKTEST = "backtest.md"
VALIDATION = "validation.md"
BYBIT = "bybit-v5.md"
#: A line naming a spec: its sections are that document's.
SPEC_NAMES = (
    ("backtest.md", BACKTEST),
    ("validation.md", VALIDATION),
    ("gridcore.md", STRATEGY_CORE),
    ("bybit_v5.md", BYBIT),
)
#: Otherwise the place decides (prefixes of the path relative to the repository).
PATH_SCOPES = (
    ("libs/compare/", VALIDATION),
    ("services/comparator/", VALIDATION),
    ("tests/compare/", VALIDATION),
    ("libs/bybit/", BYBIT),
    ("tests/bybit/", BYBIT),
    ("services/exchange_sim/", BYBIT),
    ("tests/exchange_sim/", BYBIT),
    ("tests/backtest/", BACKTEST),
    ("tests/venue/", BACKTEST),
)
#: In a README, the section: a heading containing the word cites that document.
HEADING_SCOPES = (("backtest", BACKTEST),)


class Citation(NamedTuple):
    token: str
    doc: str
    where: str


def _home(token: str) -> str:
    if token.startswith("B-"):
        return BACKTEST
    if token.startswith("V-"):
        return VALIDATION
    return STRATEGY_CORE


def _section_doc(path: str, line: str, heading: str) -> str:
    for name, doc in SPEC_NAMES:
        if name in line:
            return doc
    for prefix, doc in PATH_SCOPES:
        if path.startswith(prefix):
            return doc
    for word, doc in HEADING_SCOPES:
        if word in heading:
            return doc
    return STRATEGY_CORE


def _tokens(line: str) -> set[str]:
    found = set(ID.findall(line)) | set(FAMILY.findall(line))
    for family, first, last in ID_RANGE.findall(line):
        found.update(f"{family}-{n}" for n in range(int(first), int(last) + 1))
    for family, first, rest in ID_LIST.findall(line):
        found.update(f"{family}-{n}" for n in (first, *rest.strip("/").split("/")))
    return found


def _sections(line: str) -> set[str]:
    found = {f"§{n}" for n in SECTION.findall(line)}
    for first, last in SECTION_RANGE.findall(line):
        found.update(f"§{n}" for n in range(int(first), int(last) + 1))
    return found


def _sources(root: Path) -> list[Path]:
    files = [root / "README.md"]
    files += [f for d in SOURCE_DIRS for f in (root / d).rglob("*.py")]
    files += [f for d in README_DIRS for f in (root / d).rglob("README.md")]
    return sorted(
        f
        for f in set(files)
        if f.is_file()
        and f.relative_to(root).as_posix() not in EXCLUDED_FILES
        and not EXCLUDED_DIRS.intersection(f.relative_to(root).parts)
    )


@functools.cache
def citations(root: Path = ROOT) -> tuple[Citation, ...]:
    out: list[Citation] = []
    for file in _sources(root):
        path = file.relative_to(root).as_posix()
        markdown = file.suffix == ".md"
        heading = ""
        for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
            if markdown and line.startswith("#"):
                heading = line.lower()
            if "-" not in line and "§" not in line:
                continue
            where = f"{path}:{number}"
            for token in _tokens(line):
                if token not in EXCLUDED_TOKENS:
                    out.append(Citation(token, _home(token), where))
            if "§" in line:
                doc = _section_doc(path, line, heading)
                out.extend(
                    Citation(t, doc, where) for t in _sections(line) if t not in EXCLUDED_TOKENS
                )
    return tuple(out)


def _labels(text: str) -> list[str]:
    text = CODE_SPAN.sub("", text)
    labels = HEADING.findall(text) + BOLD.findall(text)
    return [label.split()[0].rstrip(".,:;)") for label in labels if label.split()]


@functools.cache
def anchors(doc: str) -> tuple[str, ...]:
    path = DOCS / doc
    if not path.is_file():
        return ()
    labels = _labels(path.read_text(encoding="utf-8"))
    return tuple(label for label in labels if ANCHOR_TOKEN.fullmatch(label))


def test_every_cited_id_resolves_to_an_anchor_in_docs() -> None:
    cited = citations()
    families = {"G", "E", "B", "V", "§"}
    seen = {c.token[0] for c in cited}
    assert families <= seen, f"no citations of {sorted(families - seen)} found: scan broken?"
    missing: dict[tuple[str, str], str] = {}
    for c in cited:
        if c.token not in anchors(c.doc):
            missing.setdefault((c.doc, c.token), c.where)
    assert not missing, "cited but not defined in docs/ (add an anchor):\n" + "\n".join(
        f"  {token} → docs/{doc} (cited at {where})"
        for (doc, token), where in sorted(missing.items())
    )


def test_each_anchor_is_defined_once_per_document() -> None:
    for doc in (STRATEGY_CORE, BACKTEST, VALIDATION, BYBIT):
        labels = anchors(doc)
        assert labels, f"docs/{doc}: missing or without anchors"
        twice = sorted({label for label in labels if labels.count(label) > 1})
        assert not twice, f"docs/{doc}: anchored more than once: {twice}"
