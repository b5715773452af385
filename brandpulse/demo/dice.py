"""One seeded random stream with the draws the generator needs.

Only `random.Random.random()` is called, whose sequence Python keeps stable across versions, so the
stream does not depend on library versions.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


class Dice:
    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)

    def random(self) -> float:
        return self._rng.random()

    def chance(self, p: float) -> bool:
        return self._rng.random() < p

    def below(self, n: int) -> int:
        return min(int(self._rng.random() * n), n - 1)

    def between(self, low: int, high: int) -> int:
        """An integer in [low, high]."""
        return low + self.below(high - low + 1)

    def uniform(self, low: float, high: float) -> float:
        return low + (high - low) * self._rng.random()

    def pick(self, items: Sequence[T]) -> T:
        return items[self.below(len(items))]

    def weighted(self, pairs: Sequence[tuple[T, float]]) -> T:
        total = sum(weight for _, weight in pairs)
        target = self._rng.random() * total
        for item, weight in pairs:
            target -= weight
            if target < 0:
                return item
        return pairs[-1][0]

    def poisson(self, lam: float) -> int:
        if lam <= 0:
            return 0
        if lam > 200:  # never reached at the shipped scale; keeps the product below underflow
            return max(0, round(lam + math.sqrt(lam) * self.normal()))
        limit, count, product = math.exp(-lam), 0, self._rng.random()
        while product > limit:
            count += 1
            product *= self._rng.random()
        return count

    def normal(self) -> float:
        u1 = max(self._rng.random(), 1e-12)
        return math.sqrt(-2 * math.log(u1)) * math.cos(2 * math.pi * self._rng.random())

    def lognormal(self, median: float, sigma: float) -> float:
        return median * math.exp(sigma * self.normal())

    def digits(self, n: int) -> str:
        return str(self.between(1, 9)) + "".join(str(self.below(10)) for _ in range(n - 1))

    def chars(self, alphabet: str, n: int) -> str:
        return "".join(alphabet[self.below(len(alphabet))] for _ in range(n))
