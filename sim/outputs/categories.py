"""Categorical columns from integer codes, each set of categories checked once.

A case table has about twenty categorical columns, each a replication's codes over a few
names (pools, payers, specialties, stages). pandas checks a set of categories (unique, of
one kind) whenever a column is given them, which costs about ten times building the
column itself; the names are the same from one replication to the next, so their dtype is
made once per process and reused (issue #24: a sweep builds a case table per run).

Example:
    >>> categorical([0, 1, -1], ("ai", "coordinator")).tolist()
    ['ai', 'coordinator', nan]
    >>> categorical([1], ["ai", "coordinator"]).dtype is category_dtype(("ai", "coordinator"))
    True
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["categorical", "category_dtype"]


@lru_cache(maxsize=1024)
def category_dtype(names: tuple[str, ...]) -> pd.CategoricalDtype:
    """The (unordered) categorical dtype of ``names``, made once."""
    return pd.CategoricalDtype(list(names))


def categorical(codes: npt.ArrayLike, names: Iterable[str]) -> pd.Categorical:
    """A categorical of ``codes`` into ``names`` (``-1``: missing).

    For a few names that recur (not one per row, such as case ids: those would fill the
    cache)."""
    return pd.Categorical.from_codes(np.asarray(codes, dtype=np.int64),
                                     dtype=category_dtype(tuple(names)))
