"""Tail probabilities for the count-aware tests, in plain Python (no SciPy): Poisson, negative
binomial and the normal distribution. Each returns ``-log10`` of the tail probability (the detectors'
score), computed without underflow for tiny probabilities."""

from __future__ import annotations

import math

_LOG10 = math.log(10.0)
_EPS = 1e-15
_TINY = 1e-300
MAX_SCORE = 300.0


def _log_gamma_p(a: float, x: float) -> float:
    """log of the regularised lower incomplete gamma P(a, x), a > 0, x >= 0 (series form)."""
    if x <= 0:
        return -math.inf
    term = 1.0 / a
    total = term
    n = 0
    while n < 10_000:
        n += 1
        term *= x / (a + n)
        total += term
        if abs(term) < abs(total) * _EPS:
            break
    return math.log(total) - x + a * math.log(x) - math.lgamma(a)


def _log_gamma_q(a: float, x: float) -> float:
    """log of the regularised upper incomplete gamma Q(a, x) (Lentz continued fraction)."""
    b = x + 1.0 - a
    c = 1.0 / _TINY
    d = 1.0 / b if b != 0 else 1.0 / _TINY
    h = d
    for i in range(1, 10_000):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        d = _TINY if abs(d) < _TINY else d
        c = b + an / c
        c = _TINY if abs(c) < _TINY else c
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _EPS:
            break
    return math.log(h) - x + a * math.log(x) - math.lgamma(a)


def log_gamma_p(a: float, x: float) -> float:
    """log P(a, x), the regularised lower incomplete gamma function."""
    if x < a + 1.0:
        return _log_gamma_p(a, x)
    q = math.exp(_log_gamma_q(a, x))
    return math.log1p(-q) if q < 1.0 else -math.inf


def log_gamma_q(a: float, x: float) -> float:
    """log Q(a, x) = log(1 - P(a, x))."""
    if x < a + 1.0:
        p = math.exp(_log_gamma_p(a, x))
        return math.log1p(-p) if p < 1.0 else -math.inf
    return _log_gamma_q(a, x)


def _log_beta_cf(a: float, b: float, x: float) -> float:
    """log of the continued fraction of the incomplete beta function (Lentz)."""
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = _TINY if abs(d) < _TINY else d
    d = 1.0 / d
    h = d
    for m in range(1, 10_000):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = _TINY if abs(d) < _TINY else d
        c = 1.0 + aa / c
        c = _TINY if abs(c) < _TINY else c
        d = 1.0 / d
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = _TINY if abs(d) < _TINY else d
        c = 1.0 + aa / c
        c = _TINY if abs(c) < _TINY else c
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _EPS:
            break
    return math.log(h)


def log_beta_inc(a: float, b: float, x: float) -> float:
    """log I_x(a, b), the regularised incomplete beta function."""
    if x <= 0:
        return -math.inf
    if x >= 1:
        return 0.0
    front = (math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1.0) / (a + b + 2.0):
        return front + _log_beta_cf(a, b, x) - math.log(a)
    other = math.exp(front + _log_beta_cf(b, a, 1.0 - x) - math.log(b))
    return math.log1p(-other) if other < 1.0 else -math.inf


def _score(log_p: float) -> float:
    if log_p == -math.inf:
        return MAX_SCORE
    return min(MAX_SCORE, max(0.0, -log_p / _LOG10))


def poisson_upper(k: float, mu: float) -> float:
    """-log10 P(X >= k) for X ~ Poisson(mu)."""
    k = math.ceil(k)
    if k <= 0:
        return 0.0
    if mu <= 0:
        return MAX_SCORE
    return _score(log_gamma_p(k, mu))


def poisson_lower(k: float, mu: float) -> float:
    """-log10 P(X <= k) for X ~ Poisson(mu)."""
    k = math.floor(k)
    if k < 0:
        return MAX_SCORE
    if mu <= 0:
        return 0.0
    return _score(log_gamma_q(k + 1, mu))


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
    p = mu / (mu + size)  # P(X >= k) = I_p(k, size)
    return _score(log_beta_inc(k, size, p))


def negbin_lower(k: float, mu: float, size: float) -> float:
    """-log10 P(X <= k) for the negative binomial of :func:`negbin_upper`."""
    if not math.isfinite(size):
        return poisson_lower(k, mu)
    k = math.floor(k)
    if k < 0:
        return MAX_SCORE
    if mu <= 0:
        return 0.0
    p = mu / (mu + size)  # P(X <= k) = 1 - I_p(k + 1, size) = I_{1-p}(size, k + 1)
    return _score(log_beta_inc(size, k + 1, 1.0 - p))


def normal_upper(z: float) -> float:
    """-log10 P(Z >= z) for a standard normal Z."""
    if z < 35.0:
        return _score(math.log(max(0.5 * math.erfc(z / math.sqrt(2.0)), 1e-320)))
    # asymptotic expansion keeps precision far out in the tail
    log_p = -0.5 * z * z - math.log(z) - 0.5 * math.log(2 * math.pi) + math.log1p(-1 / (z * z) + 3 / z**4)
    return _score(log_p)
