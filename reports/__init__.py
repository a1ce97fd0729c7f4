"""Build one report from saved pytest-benchmark runs of many machines.

Reads only the saved JSON (never imports torch, pynvml or ``bench``): a report can be built on
any laptop with pandas, matplotlib and jinja2. Flow: load -> frame -> tables/changes/plots ->
report -> render; ``python -m reports build --help`` for the command line.
"""
