"""Recent ids and exchange-time watermarks (pure)."""

from __future__ import annotations

from services.collector.dedup import RecentIds, Watermark


def test_recent_ids_forget_the_oldest_beyond_capacity() -> None:
    ids = RecentIds(3)
    assert ids.add("a") and ids.add("b") and ids.add("c")
    assert not ids.add("b")  # known: not added again, order unchanged
    assert ids.add("d")
    assert "a" not in ids and {"b", "c", "d"} == {i for i in "abcd" if i in ids}
    assert len(ids) == 3


def test_watermark_answers_as_of_a_local_time() -> None:
    mark = Watermark()
    assert mark.as_of(100) is None and mark.latest is None
    mark.advance(10, 1_000)
    mark.advance(20, 900)  # older exchange time: not a new high
    mark.advance(30, 2_000)
    assert mark.as_of(5) is None
    assert mark.as_of(25) == 1_000  # a gap that began at 25 had seen up to 1000
    assert mark.as_of(30) == 2_000 and mark.latest == 2_000


def test_watermark_seed_is_a_floor_and_capacity_moves_it() -> None:
    mark = Watermark(capacity=2)
    mark.seed(500)  # the previous run got this far
    assert mark.as_of(0) == 500
    mark.advance(10, 600)
    mark.advance(20, 700)
    mark.advance(30, 800)  # 600 falls out and becomes the floor
    assert mark.as_of(15) == 600 and mark.as_of(25) == 700
