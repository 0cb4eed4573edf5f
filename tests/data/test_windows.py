"""VMED's context/response window."""

from suite.data.dialogue import PairSet
from suite.data.windows import window_pairs


def test_window_keeps_the_last_context_words_and_the_first_response_words():
    pairs = PairSet.from_lists([[1, 2, 3, 4, 5], [6], [7, 8]], [[9, 10, 11], [12, 13, 14, 15], [16]])
    cut = window_pairs(pairs, context_len=2, response_len=3)
    assert [cut.pair(i)[0].tolist() for i in range(3)] == [[4, 5], [6], [7, 8]]
    assert [cut.pair(i)[1].tolist() for i in range(3)] == [[9, 10, 11], [12, 13, 14], [16]]
