"""The producer's rate control (producer.pacing)."""

from producer.pacing import MAX_CHUNK, Pacer, bursty_rate


def test_the_pacer_lets_through_the_rate_and_at_most_a_second_of_catch_up():
    pacer = Pacer(bursty_rate(100.0), start=0.0)
    assert pacer.take(0.5) == 50
    assert pacer.take(0.5) == 0  # nothing left: it sleeps a moment and says so
    assert pacer.take(10.5) == 100  # ten seconds late: one second's worth, not ten


def test_rate_zero_means_a_full_chunk_every_time():
    pacer = Pacer(bursty_rate(0.0), start=0.0)
    assert pacer.take(0.0) == pacer.take(0.0) == MAX_CHUNK


def test_bursts_multiply_the_rate_for_their_duration():
    rate_at = bursty_rate(100.0, every=10.0, duration=2.0, factor=5.0)
    assert [rate_at(t) for t in (0.0, 9.9, 10.0, 11.9, 12.0, 22.5)] == [100.0, 100.0, 500.0, 500.0, 100.0, 500.0]
