"""The namespace subject scheme: builders, parser and their errors."""

from __future__ import annotations

import pytest

from proto import SubjectError, subjects
from proto.subjects import Family


@pytest.mark.parametrize(
    ("built", "expected"),
    [
        (subjects.md("live", "BTCUSDT", "trade"), "live.md.bybit.BTCUSDT.trade"),
        (subjects.md("paper", "ETHUSDT", "ticker"), "paper.md.bybit.ETHUSDT.ticker"),
        (subjects.acct("replay.r1", "acc-1", "execution"), "replay.r1.acct.acc-1.execution"),
        (subjects.intent("live", "acc1", "BTCUSDT"), "live.intent.acc1.BTCUSDT"),
        (subjects.exec_result("live", "acc1"), "live.exec.acc1.result"),
        (subjects.sys("live", "collector", "gap_start"), "live.sys.collector.gap_start"),
    ],
)
def test_builders_follow_the_architecture_scheme_and_parse_back(built: str, expected: str) -> None:
    assert built == expected
    assert str(subjects.parse(built)) == expected


def test_parse_splits_replay_namespace_with_its_run_id() -> None:
    parsed = subjects.parse("replay.run_7.md.bybit.BTCUSDT.trade")
    assert parsed.ns == "replay.run_7"
    assert parsed.family is Family.MD
    assert parsed.tokens == ("bybit", "BTCUSDT", "trade")


def test_rebase_moves_a_subject_into_a_replay_namespace() -> None:
    assert subjects.rebase("live.acct.a.order", "replay.x") == "replay.x.acct.a.order"


@pytest.mark.parametrize(
    ("subject", "part"),
    [
        ("prod.md.bybit.BTCUSDT.trade", "namespace"),
        ("replay.md.bybit.X.trade", "family"),
        ("live.quotes.BTCUSDT", "family"),
        ("live.md.binance.BTCUSDT.trade", "subject"),
        ("live.acct.a1.balance", "acct kind"),
        ("live.intent.a1", "subject"),
        ("live", "subject"),
    ],
)
def test_malformed_subjects_name_the_bad_part(subject: str, part: str) -> None:
    with pytest.raises(SubjectError) as err:
        subjects.parse(subject)
    assert err.value.part == part


@pytest.mark.parametrize("bad", ["BTC.USDT", "BTC USDT", "*", ">", ""])
def test_tokens_reject_dots_spaces_and_wildcards(bad: str) -> None:
    with pytest.raises(SubjectError, match="symbol"):
        subjects.md("live", bad, "trade")


def test_import_namespace_holds_a_recorded_run_of_imported_trades() -> None:
    ns = subjects.import_namespace("btc-2020_12")
    assert ns == "import.btc-2020_12"
    assert subjects.namespace(ns) == ns
    subject = subjects.md(ns, "BTCUSDT", "trade")
    assert subject == "import.btc-2020_12.md.bybit.BTCUSDT.trade"
    parsed = subjects.parse(subject)
    assert (parsed.ns, parsed.family) == (ns, Family.MD)
    assert parsed.tokens == ("bybit", "BTCUSDT", "trade")
    assert subjects.rebase(subject, "replay.r1") == "replay.r1.md.bybit.BTCUSDT.trade"


@pytest.mark.parametrize(
    ("bad", "part"),
    [
        ("import", "namespace"),
        ("import.", "namespace"),
        ("imports.x", "namespace"),
        ("import.a.b", "import name"),
        ("import.a b", "import name"),
        ("import.*", "import name"),
    ],
)
def test_malformed_import_namespaces_name_the_bad_part(bad: str, part: str) -> None:
    with pytest.raises(SubjectError) as err:
        subjects.namespace(bad)
    assert err.value.part == part


@pytest.mark.parametrize("bad", ["a.b", "a b", "", ">"])
def test_import_names_must_be_one_token(bad: str) -> None:
    with pytest.raises(SubjectError, match="import name"):
        subjects.import_namespace(bad)
