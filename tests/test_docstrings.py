"""Every runnable example in sim's docstrings runs and shows what it says."""

import doctest
import importlib
import pkgutil

import pytest

import sim

MODULES = sorted(m.name for m in pkgutil.walk_packages(sim.__path__, "sim.")
                 if not m.name.endswith("__main__"))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
