"""The one-pass literal search discovery asks of scripts, attributes and state strings: it
must answer as a substring test per literal would, across its reading windows too."""
import random

import pytest

from archiver.discover import state
from archiver.discover.literals import WINDOW, Literals

WORDS = ("youtu", "t.me/", "/@", "status", "x.com", "é√")


def naive_hits(text, literals):
    return sorted((k, at) for k, literal in enumerate(literals)
                  for at in range(len(text)) if text.startswith(literal, at))


def test_hits_are_every_occurrence_once_with_where_it_starts():
    literals = Literals(WORDS)
    text = "a youtu.be/x /@/@ status t.me/ x.comyoutu é√"
    assert sorted(literals.hits(text)) == naive_hits(text, WORDS)


@pytest.mark.parametrize("shift", range(-6, 2))
def test_a_literal_across_a_window_boundary_is_found_once(shift):
    literals = Literals(WORDS)
    for k, word in enumerate(WORDS):
        at = WINDOW + shift
        text = "-" * at + word + "-" * 40
        assert literals.any_in(text)
        assert list(literals.hits(text)) == [(k, at)]
        assert not literals.any_in(text.replace(word, "-" * len(word)))


def test_agrees_with_substring_tests_on_random_text():
    rnd = random.Random(7)
    literals = Literals(WORDS)
    for _ in range(200):
        size = rnd.choice((3, 50, WINDOW - 3, WINDOW + 20, 3 * WINDOW))
        chars = [rnd.choice("ab/. @é") for _ in range(size)]
        for _ in range(rnd.randrange(4)):
            at = rnd.randrange(size)
            chars[at:at] = list(rnd.choice(WORDS))
        text = "".join(chars)
        assert literals.any_in(text) == any(word in text for word in WORDS)
        assert sorted(literals.hits(text)) == naive_hits(text, WORDS)


def test_hits_from_a_start_leave_earlier_ones_out():
    literals = Literals(("ab",))
    assert list(literals.hits("ab-ab-ab", 1)) == [(0, 3), (0, 6)]


def test_post_gate_tries_each_literal_a_bounded_number_of_times_then_searches_the_rest():
    # thousands of near-misses of one literal, then a real post URL of it far down the text
    text = "status/x " * 5000 + "https://twitter.com/a/status/1234567890123"
    assert state.mentions_post(text)
    assert not state.mentions_post(text[:-20])
    # a near-miss flood of one literal does not hide another literal's post after it
    assert state.mentions_post("video " * 50_000 + "https://youtu.be/dQw4w9WgXcQ")
