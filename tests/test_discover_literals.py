"""The one-pass literal search discovery asks of scripts, attributes and state strings: it
must answer as a substring test per literal would, across its reading windows too."""
import random

import pytest

from archiver.discover import state
from archiver.discover.literals import WINDOW, Literals

WORDS = ("youtu", "t.me/", "/@", "status", "x.com", "é√")  # (hits are in UTF-8 bytes: é√ is 5 bytes)


def naive_hits(text, literals):
    """Leftmost-first, not overlapping, in the text's UTF-8 bytes: at each place the first literal
    (in the given order) that starts there, then on after its end."""
    data, words = text.encode(), [literal.encode() for literal in literals]
    found, at = [], 0
    while at < len(data):
        k = next((k for k, word in enumerate(words) if data.startswith(word, at)), None)
        if k is None:
            at += 1
        else:
            found.append((k, at))
            at += len(words[k])
    return found


def test_hits_are_every_occurrence_once_with_where_it_starts():
    literals = Literals(WORDS)
    text = "a youtu.be/x /@/@ status t.me/ x.comyoutu é√ status"
    assert list(literals.hits(text.encode())) == naive_hits(text, WORDS)
    assert [WORDS[k] for k, _ in literals.hits(text.encode())] == [
        "youtu", "/@", "/@", "status", "t.me/", "x.com", "youtu", "é√", "status"]


@pytest.mark.parametrize("shift", range(-6, 2))
def test_a_literal_across_a_window_boundary_is_found_once(shift):
    literals = Literals(WORDS)
    for k, word in enumerate(WORDS):
        at = WINDOW + shift
        text = "-" * at + word + "-" * 40
        assert literals.any_in(text)
        assert list(literals.hits(text.encode())) == [(k, at)]
        assert not literals.any_in(text.replace(word, "-" * len(word)))


def test_agrees_with_substring_tests_on_random_text():
    rnd = random.Random(7)
    literals = Literals(WORDS)
    for _ in range(100):
        size = rnd.choice((3, 50, WINDOW - 3, WINDOW + 20, 3 * WINDOW))
        chars = [rnd.choice("ab/. @é") for _ in range(size)]
        for _ in range(rnd.randrange(4)):
            at = rnd.randrange(size)
            chars[at:at] = list(rnd.choice(WORDS))
        text = "".join(chars)
        assert literals.any_in(text) == any(word in text for word in WORDS)
        assert list(literals.hits(text.encode())) == naive_hits(text, WORDS)


def test_hits_from_a_start_leave_earlier_ones_out():
    literals = Literals(("ab",))
    assert list(literals.hits(b"ab-ab-ab", 1)) == [(0, 3), (0, 6)]


def test_post_gate_tries_each_literal_a_bounded_number_of_times_then_searches_the_rest():
    # thousands of near-misses of one literal, then a real post URL of it far down the text
    text = "status/x " * 5000 + "https://twitter.com/a/status/1234567890123"
    assert state.mentions_post(text)
    assert not state.mentions_post(text[:-20])
    # a near-miss flood of one literal does not hide another literal's post after it
    assert state.mentions_post("video " * 50_000 + "https://youtu.be/dQw4w9WgXcQ")
