"""Study-only fixtures and the per-sweep summary printed at the end of a study session."""

from __future__ import annotations

import pytest

_STUDY_LOG = pytest.StashKey[list]()


def _log(config: pytest.Config) -> list[dict]:
    return config.stash.setdefault(_STUDY_LOG, [])


@pytest.fixture(scope="session")
def study_log(pytestconfig: pytest.Config) -> list[dict]:
    """Every study point's ``extra_info`` of this session, for the terminal summary."""
    return _log(pytestconfig)


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    records = _log(config)
    if not records:
        return
    import pandas as pd

    from contract.study import info_rows, newest_only, param_table, sweeps

    rows = [row for info in records for row in info_rows(info, "this machine")]
    frame = newest_only(pd.DataFrame(rows))
    terminalreporter.section("hyperparameter study (accuracy: mean and 95% t-interval over seeds)")
    for (param, _machine, dataset, device), group in sweeps(frame):
        table = param_table(group)
        terminalreporter.write_line(f"{param} on {dataset} ({device}):")
        for _, row in table.iterrows():
            interval = (
                f"[{100 * row['% accuracy low']:5.1f}, {100 * row['% accuracy high']:5.1f}]"
                if pd.notna(row["% accuracy low"])
                else "[  n/a ]"
            )
            terminalreporter.write_line(
                f"  {row['value']:>11}  {100 * row['% accuracy']:5.1f} % {interval}  "
                f"train {row['train_s']:7.2f} s  {row['vs best']}"
            )
