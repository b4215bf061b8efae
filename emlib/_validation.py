"""Input checks shared by every public emlib function.

Bad input must fail at the public boundary with a ``ValueError``/``TypeError`` that names
the argument, never as a numpy traceback from deep inside or, worse, a silent wrong answer.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

__all__ = [
    "NotFittedError",
    "as_float_array",
    "check_distribution",
    "check_instance",
    "check_int",
    "check_callable",
    "check_choice",
    "check_is_fitted",
    "check_positive_definite",
    "check_probability",
    "check_random_state",
    "check_real",
    "check_rng",
]


def _is_sparse(value: Any) -> bool:
    """A scipy.sparse matrix or array (checked by module, so scipy need not be imported)."""
    return type(value).__module__.startswith("scipy.sparse")


def _is_real_number(element: Any) -> bool:
    """A real number (int, float, bool, Fraction, numpy real scalar); not complex, not text."""
    return isinstance(element, (numbers.Real, np.bool_)) and not isinstance(element, np.datetime64)


def as_float_array(value: Any, name: str, *, ndim: int | tuple[int, ...] | None = None,
                   finite: bool = True, min_rows: int = 0) -> np.ndarray:
    """``value`` as a float64 array, checked for type, dimension and finiteness.

    Accepted: numbers, (nested) lists, numpy arrays of integers, floats or booleans (as
    0/1), object arrays whose entries are all real numbers, pandas Series and DataFrames
    of such columns. Refused with a TypeError naming ``name``, instead of being silently
    turned into real numbers: complex values (numpy would drop the imaginary part), dates
    and time spans (numpy would count days), text (numpy would parse "1.5"), None, masked
    arrays with masked entries (numpy would use the hidden values), and scipy.sparse
    matrices (``.toarray()`` them where a dense array is wanted).
    ``ndim`` may be one number or a tuple of allowed numbers of dimensions.
    """
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(f"{name} must be array-like of numbers, got {type(value).__name__}")
    if _is_sparse(value):
        raise TypeError(f"{name} must be a dense array of numbers, got a scipy.sparse "
                        f"{type(value).__name__}; convert it with {name}.toarray()")
    if isinstance(value, np.ma.MaskedArray) and np.ma.is_masked(value):
        raise TypeError(f"{name} has masked entries; fill or drop them first "
                        f"({name}.filled(...) or {name}.compressed())")
    try:
        raw = np.asarray(value)
    except (TypeError, ValueError) as error:  # ragged nested lists, unconvertible objects
        raise TypeError(f"{name} must be array-like of numbers: {error}") from None
    kind = raw.dtype.kind
    if kind == "c":
        raise TypeError(f"{name} must hold real numbers, got complex values ({raw.dtype}); "
                        "pass the real part or the modulus explicitly")
    if kind in "mM":
        raise TypeError(f"{name} must hold real numbers, got dates or time spans ({raw.dtype})")
    if kind in "USV":
        raise TypeError(f"{name} must hold numbers, got {raw.dtype} values (text or records)")
    if kind == "O":
        bad = [e for e in raw.flat if not _is_real_number(e)][:1]
        if bad:
            raise TypeError(f"{name} must hold real numbers, got an element of type "
                            f"{type(bad[0]).__name__}")
    try:
        array = raw.astype(float, copy=False)  # no copy of a float64 array, as before
    except OverflowError:
        raise ValueError(f"{name} has integers too large for a float (> 1.8e308)") from None
    except (TypeError, ValueError) as error:
        raise TypeError(f"{name} must be array-like of numbers: {error}") from None
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if array.ndim not in allowed:
            raise ValueError(f"{name} must have {' or '.join(map(str, allowed))} dimension(s), "
                             f"got shape {array.shape}")
    if finite and not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contains NaN or infinite values")
    if array.ndim >= 1 and array.shape[0] < min_rows:
        raise ValueError(f"{name} needs at least {min_rows} row(s), got {array.shape[0]}")
    return array


def check_real(value: Any, name: str, *, low: float | None = None, high: float | None = None,
               low_open: bool = False, high_open: bool = False) -> float:
    """A real number, optionally inside [low, high] (open ends on request)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if low is not None and (value < low or (low_open and value == low)):
        raise ValueError(f"{name} must be {'>' if low_open else '>='} {low}, got {value}")
    if high is not None and (value > high or (high_open and value == high)):
        raise ValueError(f"{name} must be {'<' if high_open else '<='} {high}, got {value}")
    return value


def check_choice(value: Any, name: str, choices: tuple[str, ...]) -> str:
    """One of the strings ``choices`` (a TypeError for a non-string, a ValueError otherwise).

    ``value in choices`` alone is not enough: a numpy array compares elementwise and fails
    with "truth value of an array is ambiguous", a message that names nothing.
    """
    if not isinstance(value, str):
        raise TypeError(f"{name} must be one of {', '.join(map(repr, choices))}, "
                        f"got {type(value).__name__}")
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}, got {value!r}")
    return value


def check_probability(value: Any, name: str) -> float:
    """A probability: a real number in [0, 1]."""
    return check_real(value, name, low=0.0, high=1.0)


def check_int(value: Any, name: str, *, low: int | None = None, high: int | None = None) -> int:
    """An integer (not a bool), optionally inside [low, high]."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    value = int(value)
    if low is not None and value < low:
        raise ValueError(f"{name} must be >= {low}, got {value}")
    if high is not None and value > high:
        raise ValueError(f"{name} must be <= {high}, got {value}")
    return value


def check_distribution(value: Any, name: str, *, axis: int = -1, atol: float = 1e-8) -> np.ndarray:
    """A probability vector (or a stack of them along ``axis``): entries ≥ 0 summing to 1."""
    p = as_float_array(value, name)
    if p.ndim == 0 or p.size == 0:
        raise ValueError(f"{name} must be a non-empty probability vector, got shape {p.shape}")
    if np.any(p < 0):
        raise ValueError(f"{name} has negative entries; a distribution needs p >= 0")
    sums = p.sum(axis=axis)
    if not np.allclose(sums, 1.0, rtol=0, atol=atol * max(1, p.shape[axis])):
        raise ValueError(f"{name} must sum to 1 (it sums to {np.round(sums, 10)})")
    return p


def check_positive_definite(cov: np.ndarray, name: str) -> np.ndarray:
    """The lower Cholesky factor of a symmetric positive-definite matrix ``cov``."""
    if cov.ndim != 2 or cov.shape[0] != cov.shape[1]:
        raise ValueError(f"{name} must be a square matrix, got shape {cov.shape}")
    if not np.allclose(cov, cov.T, rtol=1e-10, atol=1e-12 * max(1.0, float(np.abs(cov).max()))):
        raise ValueError(f"{name} must be symmetric")
    try:
        return np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        raise ValueError(f"{name} must be positive definite (its Cholesky factorisation "
                         "failed); add a small ridge such as 1e-6·I") from None


def check_instance(value: Any, types: type | tuple[type, ...], name: str) -> Any:
    """``value`` itself, after checking it is an instance of ``types`` (a TypeError names it)."""
    if not isinstance(value, types):
        wanted = " or ".join(t.__name__ for t in (types if isinstance(types, tuple) else (types,)))
        raise TypeError(f"{name} must be a {wanted}, got {type(value).__name__}")
    return value


def check_random_state(value: Any, name: str = "random_state") -> np.random.Generator:
    """A ``numpy.random.Generator`` from a Generator, a seed (an int ≥ 0) or None.

    The one place the course turns a seed into a generator: estimators and widget
    factories take ``random_state``, functions take ``rng``, and both come here, so a
    notebook's one ``np.random.default_rng(SEED)`` makes a whole chapter reproducible.
    None draws fresh entropy from the operating system. Anything else (a negative int, a
    float, a bool, the legacy ``RandomState``) gets an error that names the argument.
    """
    if isinstance(value, np.random.Generator):
        return value
    if value is None:
        return np.random.default_rng()
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be None, an int >= 0 or a numpy.random.Generator, "
                        f"got {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{name} must be None, an int >= 0 or a numpy.random.Generator, "
                         f"got {value}")
    return np.random.default_rng(int(value))


def check_rng(rng: Any, name: str = "rng") -> np.random.Generator:
    """:func:`check_random_state` under the name functions use for their seed (``rng``)."""
    return check_random_state(rng, name)


class NotFittedError(ValueError, AttributeError):
    """An estimator was asked for a fitted quantity before ``fit`` (as scikit-learn's)."""


def check_is_fitted(estimator: Any, attributes: str | tuple[str, ...] = "trace_") -> None:
    """Raise :class:`NotFittedError` unless ``estimator`` has every fitted ``attributes``."""
    names = (attributes,) if isinstance(attributes, str) else tuple(attributes)
    if not all(hasattr(estimator, a) for a in names):
        raise NotFittedError(f"this {type(estimator).__name__} is not fitted yet: "
                             "call fit(...) first")


def check_callable(value: Any, name: str) -> Any:
    """``value`` itself, after checking it can be called (a function of the learner's or
    SciPy's); anything else gets a TypeError that names the argument."""
    if not callable(value):
        raise TypeError(f"{name} must be a function (callable), got {type(value).__name__}")
    return value
