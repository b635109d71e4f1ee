"""The subject scheme: ``{ns}.{family}.…`` with ``ns`` = ``live``, ``paper``, ``replay.<run>``
(a replayed run) or ``import.<name>`` (trade files stored as a recorded run).

=========  ==========================================================
family     subject (after ``{ns}.``)
=========  ==========================================================
md         ``md.bybit.{symbol}.trade`` / ``md.bybit.{symbol}.ticker``
acct       ``acct.{account_id}.order|execution|position|wallet``
intent     ``intent.{account_id}.{symbol}``
exec       ``exec.{account_id}.result``
sys        ``sys.{service}.{event}``
=========  ==========================================================
"""

from __future__ import annotations

import enum
import functools
import re

import msgspec

VENUE = "bybit"
_TOKEN = re.compile(r"^[A-Za-z0-9_\-]+$")
_FIXED_NAMESPACES = ("live", "paper")
#: Namespaces of two tokens: ``<head>.<run id or import name>``.
_RUN_NAMESPACES = {"replay": "run id", "import": "import name"}
_ACCT_KINDS = ("order", "execution", "position", "wallet")
_MD_KINDS = ("trade", "ticker")


class SubjectError(ValueError):
    """A subject or subject part that does not fit the scheme; names the offending part."""

    def __init__(self, part: str, value: str, reason: str) -> None:
        super().__init__(f"subject {part} {value!r}: {reason}")
        self.part = part
        self.value = value


class Family(enum.StrEnum):
    MD = "md"
    ACCT = "acct"
    INTENT = "intent"
    EXEC = "exec"
    SYS = "sys"


class Subject(msgspec.Struct, frozen=True):
    """A parsed subject: namespace, family and the family's own tokens."""

    ns: str
    family: Family
    tokens: tuple[str, ...]

    def __str__(self) -> str:
        return ".".join((self.ns, self.family.value, *self.tokens))


def token(part: str, value: str) -> str:
    """Check that ``value`` is one NATS token (no dots, spaces or wildcards)."""
    if not _TOKEN.match(value):
        raise SubjectError(part, value, "must be letters, digits, '_' or '-'")
    return value


def namespace(ns: str) -> str:
    """Validate a namespace: ``live``, ``paper``, ``replay.<run_id>`` or ``import.<name>``."""
    if ns in _FIXED_NAMESPACES:
        return ns
    head, _, name = ns.partition(".")
    if head in _RUN_NAMESPACES and name:
        token(_RUN_NAMESPACES[head], name)
        return ns
    raise SubjectError(
        "namespace", ns, "must be 'live', 'paper', 'replay.<run_id>' or 'import.<name>'"
    )


def replay_namespace(run_id: str) -> str:
    return f"replay.{token('run id', run_id)}"


def import_namespace(name: str) -> str:
    """Where ``gridtwin import`` stores the trade files imported as ``name``."""
    return f"import.{token('import name', name)}"


def md(ns: str, symbol: str, kind: str) -> str:
    if kind not in _MD_KINDS:
        raise SubjectError("md kind", kind, f"must be one of {_MD_KINDS}")
    return f"{namespace(ns)}.md.{VENUE}.{token('symbol', symbol)}.{kind}"


def acct(ns: str, account_id: str, kind: str) -> str:
    if kind not in _ACCT_KINDS:
        raise SubjectError("acct kind", kind, f"must be one of {_ACCT_KINDS}")
    return f"{namespace(ns)}.acct.{token('account id', account_id)}.{kind}"


def intent(ns: str, account_id: str, symbol: str) -> str:
    return f"{namespace(ns)}.intent.{token('account id', account_id)}.{token('symbol', symbol)}"


def exec_result(ns: str, account_id: str) -> str:
    return f"{namespace(ns)}.exec.{token('account id', account_id)}.result"


def sys(ns: str, service: str, event: str) -> str:
    return f"{namespace(ns)}.sys.{token('service', service)}.{token('sys event', event)}"


def wildcard(ns: str, family: Family | None = None) -> str:
    """``{ns}.>`` or ``{ns}.{family}.>``."""
    base = namespace(ns)
    return f"{base}.>" if family is None else f"{base}.{family.value}.>"


def rebase(subject: str, new_ns: str) -> str:
    """The same subject under another namespace (what the replayer publishes)."""
    parsed = parse(subject)
    return str(Subject(namespace(new_ns), parsed.family, parsed.tokens))


_SHAPES: dict[Family, int] = {
    Family.MD: 3,
    Family.ACCT: 2,
    Family.INTENT: 2,
    Family.EXEC: 2,
    Family.SYS: 2,
}


@functools.lru_cache(maxsize=8192)
def parse(subject: str) -> Subject:
    """Split a subject into namespace, family and tokens, checking the family's shape.

    Cached: a stream has few distinct subjects and ``Subject`` is immutable."""
    parts = subject.split(".")
    ns_len = 2 if parts[0] in _RUN_NAMESPACES else 1
    if len(parts) < ns_len + 1:
        raise SubjectError("subject", subject, "too few tokens")
    ns = namespace(".".join(parts[:ns_len]))
    try:
        family = Family(parts[ns_len])
    except ValueError:
        raise SubjectError("family", parts[ns_len], "unknown family") from None
    tokens = tuple(parts[ns_len + 1 :])
    if len(tokens) != _SHAPES[family]:
        raise SubjectError("subject", subject, f"{family.value} takes {_SHAPES[family]} tokens")
    for tok in tokens:
        token("token", tok)
    if family is Family.MD and (tokens[0] != VENUE or tokens[2] not in _MD_KINDS):
        raise SubjectError("subject", subject, "expected md.bybit.{symbol}.trade|ticker")
    if family is Family.ACCT and tokens[1] not in _ACCT_KINDS:
        raise SubjectError("acct kind", tokens[1], f"must be one of {_ACCT_KINDS}")
    if family is Family.EXEC and tokens[1] != "result":
        raise SubjectError("subject", subject, "expected exec.{account}.result")
    return Subject(ns, family, tokens)
