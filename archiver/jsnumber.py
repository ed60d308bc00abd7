"""JavaScript's Number.prototype.toString(radix) for doubles, digit for digit.

X's syndication endpoint expects a token computed in JavaScript from the post id
(as the react-tweet library does); reproducing it needs the same digits that V8
prints for a fractional number in base 36.
"""
from __future__ import annotations

import math

_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def to_radix_string(value: float, radix: int) -> str:
    if not 2 <= radix <= 36:
        raise ValueError("radix must be between 2 and 36")
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "-Infinity" if value < 0 else "Infinity"
    negative = value < 0
    value = -value if negative else value
    integer = math.floor(value)
    fraction = value - integer
    # Only as many fractional digits as the double's precision carries.
    delta = max(0.5 * (math.nextafter(value, math.inf) - value), math.nextafter(0.0, 1.0))
    fraction_digits: list[str] = []
    if fraction >= delta:
        while True:
            fraction *= radix
            delta *= radix
            digit = int(fraction)
            fraction_digits.append(_DIGITS[digit])
            fraction -= digit
            if fraction > 0.5 or (fraction == 0.5 and (digit & 1)):
                if fraction + delta > 1:
                    # Round up, carrying through digits already written.
                    while True:
                        if not fraction_digits:
                            integer += 1
                            break
                        last = _DIGITS.index(fraction_digits.pop())
                        if last + 1 < radix:
                            fraction_digits.append(_DIGITS[last + 1])
                            break
                    break
            if not fraction >= delta:
                break
    integer_digits: list[str] = []
    while math.frexp(integer / radix)[1] > 53:  # digits beyond the double's precision print as zero
        integer /= radix
        integer_digits.append("0")
    integer = float(integer)
    while True:
        remainder = math.fmod(integer, radix)
        integer_digits.append(_DIGITS[int(remainder)])
        integer = (integer - remainder) / radix
        if integer <= 0:
            break
    text = "".join(reversed(integer_digits))
    if fraction_digits:
        text += "." + "".join(fraction_digits)
    return "-" + text if negative else text
