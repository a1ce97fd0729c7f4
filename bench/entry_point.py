"""The ``pytest11`` entry point: loads the harness's plugin (``bench.plugin``) in any project that has
this package installed.

A module of its own for two reasons. The base install (what ``python -m reports`` needs) has no torch:
there the entry point must stay quiet instead of breaking every pytest run in that environment. And
the plugin is loaded through ``pytest_plugins``, so pytest registers it under its module name, the
name this checkout's ``conftest.py`` and ``-p bench.plugin`` use too: whichever comes first loads it,
the others find it registered and do nothing (pluggy refuses one module under two names).
"""

from __future__ import annotations

from importlib.util import find_spec

#: What measuring needs beyond the base install (the ``bench`` extra).
MEASURING_NEEDS = ("torch", "pytest_benchmark")

MISSING = tuple(name for name in MEASURING_NEEDS if find_spec(name) is None)
pytest_plugins = [] if MISSING else ["bench.plugin"]


def pytest_report_header(config) -> str | None:
    if not MISSING:
        return None
    return (
        f"torch-bench-harness: plugin not loaded ({', '.join(MISSING)} not installed; "
        "pip install 'torch-bench-harness[bench]')"
    )
