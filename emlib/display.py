"""Numbers printed so that they read the same on every machine (all chapters).

A notebook's stored outputs are compared character by character (strict nbval). The last
digits of a float depend on the BLAS kernel, the CPU and the library versions, and a value
that is 0 in exact arithmetic comes out as +1e-17 on one machine and −1e-17 on another,
printed as ``0.`` or ``-0.``. Every number a notebook prints therefore goes through this
module: rounded to ``digits`` decimals, with −0 turned into 0,

    rounded(x) = round(x, digits) + 0.0        (IEEE: −0.0 + 0.0 = +0.0)

so that only a difference larger than 10^−digits can change what is printed.

>>> rounded(-1e-17), fmt([0.84221, -3e-18])
(0.0, '[0.8422 0.    ]')
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from ._validation import as_float_array, check_int

__all__ = ["fmt", "rounded", "show"]


def rounded(x: Any, digits: int = 4) -> float | np.ndarray:
    """x rounded to ``digits`` decimals with −0 normalised to 0: round(x, digits) + 0.0.

    A number gives a float, an array (or list) an array of floats; NaN and ±∞ stay as they
    are. Complex, date and text input get a TypeError (round the real part yourself).
    """
    digits = check_int(digits, "digits", low=0, high=15)
    values = as_float_array(x, "x", finite=False)
    out = np.round(values, digits) + 0.0  # + 0.0 turns −0.0 into +0.0, keeps NaN and ±∞
    return float(out) if out.ndim == 0 else out


def fmt(x: Any, digits: int = 4) -> str:
    """``x`` as text that cannot flip between machines: ``digits`` decimals, no −0.

    Strings pass through unchanged; a number prints with exactly ``digits`` decimals; an
    array prints as numpy does (``[0.8422 0.    ]``) after :func:`rounded`.
    """
    if isinstance(x, str):
        return x
    values = rounded(x, digits)
    if isinstance(values, float):
        return f"{values:.{digits}f}"
    return np.array2string(values, precision=digits, floatmode="maxprec", suppress_small=True,
                           max_line_width=100)


def show(*values: Any, digits: int = 4, sep: str = " ") -> None:
    """print(*values) with every number and array formatted by :func:`fmt`."""
    builtins.print(sep.join(fmt(v, digits) for v in values))
