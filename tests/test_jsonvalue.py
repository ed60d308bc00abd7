"""Discovery's JSON decoding: orjson's speed, json's verdicts."""
from __future__ import annotations

import json

import pytest

from archiver.discover import jsonvalue

ACCEPTED = ['{"a": 1, "b": [true, false, null], "a": 3}', '[-0.0, 0.1, 1e-400, 1.7976931348623157e308]',
            '"\\ud83d\\ude00 caf\\u00e9"', '{"t": "\\u003ciframe\\u003e"}',
            # orjson refuses these and json accepts them: json decides
            "NaN", "[Infinity, -Infinity]", "[1E400]", '"\\ud800 alone"', " [1] ", "[" * 900 + "]" * 900]
REFUSED = ['{"a": 1,}', "{'a': 1}", '{"a": undefined}', '["\x01"]', "", "[1] x", '{"a" 1}']


@pytest.mark.parametrize("text", ACCEPTED)
def test_what_json_accepts_decodes_to_the_same_value(text):
    assert repr(jsonvalue.loads(text)) == repr(json.loads(text))


@pytest.mark.parametrize("text", REFUSED)
def test_what_json_refuses_is_refused_with_its_error(text):
    with pytest.raises(ValueError) as refused:
        jsonvalue.loads(text)
    with pytest.raises(ValueError) as expected:
        json.loads(text)
    assert str(refused.value) == str(expected.value)


def test_integers_beyond_64_bits_are_the_one_difference():
    # (discovery reads strings only; a number is never looked at)
    assert jsonvalue.loads("[18446744073709551616]") == [1.8446744073709552e19]


VALUES_AT = ['x = {"a": [1, {"b": "}"}]}; y = 2;', 'x = [1, 2]]', 'x = {"a": NaN}', 'x = {"a": "\\ud800"} z',
             'x = {"a": 1}}', 'x = {"é": "ü"} // ok']
NOT_VALUES_AT = ['x = {"a": [1}', 'x = {"a": 1]', 'x = {a: 1}', 'x = {"a": undefined}', 'x = {"a": 1,}', 'x = {']


@pytest.mark.parametrize("text", VALUES_AT)
def test_a_value_in_script_decodes_as_raw_decode_reads_it(text):
    pos = text.index("= ") + 2
    assert repr(jsonvalue.value_at(text, pos)) == repr(json.JSONDecoder().raw_decode(text, pos)[0])


@pytest.mark.parametrize("text", NOT_VALUES_AT)
def test_what_raw_decode_refuses_in_script_is_refused(text):
    pos = text.index("= ") + 2
    with pytest.raises(ValueError):
        jsonvalue.value_at(text, pos)
    with pytest.raises(ValueError):
        json.JSONDecoder().raw_decode(text, pos)
