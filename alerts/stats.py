"""Tail probabilities for the count-aware tests, as the detectors' score ``-log10 p``: Poisson,
negative binomial and the normal distribution, from SciPy's regularised incomplete gamma and beta
functions (scalar calls to ``scipy.special`` cost about a microsecond, where ``scipy.stats`` frozen
distributions cost a hundred; the detectors call these once per bucket). A tail below about 1e-300
scores :data:`MAX_SCORE`."""

from __future__ import annotations

import math

from scipy import special

MAX_SCORE = 300.0


def _score(p: float) -> float:
    if not p > 0.0:
        return MAX_SCORE
    return min(MAX_SCORE, max(0.0, -math.log10(p)))


def poisson_upper(k: float, mu: float) -> float:
    """-log10 P(X >= k) for X ~ Poisson(mu)."""
    k = math.ceil(k)
    if k <= 0:
        return 0.0
    if mu <= 0:
        return MAX_SCORE
    return _score(float(special.gammainc(k, mu)))


def poisson_lower(k: float, mu: float) -> float:
    """-log10 P(X <= k) for X ~ Poisson(mu)."""
    k = math.floor(k)
    if k < 0:
        return MAX_SCORE
    if mu <= 0:
        return 0.0
    return _score(float(special.gammaincc(k + 1, mu)))


def negbin_upper(k: float, mu: float, size: float) -> float:
    """-log10 P(X >= k) for a negative binomial with mean ``mu`` and size (shape) ``size``:
    variance ``mu + mu**2 / size``. ``size = inf`` is the Poisson."""
    if not math.isfinite(size):
        return poisson_upper(k, mu)
    k = math.ceil(k)
    if k <= 0:
        return 0.0
    if mu <= 0:
        return MAX_SCORE
    return _score(float(special.betainc(k, size, mu / (mu + size))))  # P(X >= k) = I_p(k, size)


def negbin_lower(k: float, mu: float, size: float) -> float:
    """-log10 P(X <= k) for the negative binomial of :func:`negbin_upper`."""
    if not math.isfinite(size):
        return poisson_lower(k, mu)
    k = math.floor(k)
    if k < 0:
        return MAX_SCORE
    if mu <= 0:
        return 0.0
    return _score(float(special.betainc(size, k + 1, size / (mu + size))))  # I_{1-p}(size, k + 1)


def negbin_pmf0(mu: float, alpha: float) -> float:
    """P(X = 0) for a negative binomial with mean ``mu`` and variance ``mu + alpha mu**2``."""
    if alpha <= 0:
        return math.exp(-mu)
    p0: float = (1.0 + alpha * mu) ** (-1.0 / alpha)
    return p0


def normal_upper(z: float) -> float:
    """-log10 P(Z >= z) for a standard normal Z."""
    return min(MAX_SCORE, max(0.0, -float(special.log_ndtr(-z)) / math.log(10.0)))
