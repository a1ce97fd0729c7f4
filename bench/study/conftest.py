"""Study-only fixtures, the joint search's opt-in marker, and the summaries printed at the end of a
study session (per sweep; the joint search's answer)."""

from __future__ import annotations

import pytest

_STUDY_LOG = pytest.StashKey[list]()


def _log(config: pytest.Config) -> list[dict]:
    return config.stash.setdefault(_STUDY_LOG, [])


@pytest.fixture(scope="session")
def study_log(pytestconfig: pytest.Config) -> list[dict]:
    """Every study point's ``extra_info`` of this session, for the terminal summary."""
    return _log(pytestconfig)


_JOINT_LOG = pytest.StashKey[list]()


def _joint_log(config: pytest.Config) -> list[dict]:
    return config.stash.setdefault(_JOINT_LOG, [])


@pytest.fixture(scope="session")
def joint_log(pytestconfig: pytest.Config) -> list[dict]:
    """Every joint search's and best setting's ``extra_info`` of this session."""
    return _joint_log(pytestconfig)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "joint: the opt-in joint hyperparameter search (--bench-study-joint)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The joint search is opt-in, apart from the study: deselect it unless asked for."""
    if config.getoption("bench_study_joint") or "joint" in (config.getoption("markexpr") or ""):
        return
    keep = [item for item in items if item.get_closest_marker("joint") is None]
    if len(keep) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in keep])
        items[:] = keep


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    _study_summary(terminalreporter, _log(config))
    _joint_summary(terminalreporter, _joint_log(config))


def _joint_summary(terminalreporter, records: list[dict]) -> None:
    if not records:
        return
    from contract.joint import answer

    terminalreporter.section("joint hyperparameter search (lr, epochs, layers, units: TPE vs random)")
    for dataset in dict.fromkeys(r["dataset"] for r in records):
        searches = [r for r in records if r["kind"] == "joint-search" and r["dataset"] == dataset]
        best = next((r for r in records if r["kind"] == "joint-best" and r["dataset"] == dataset), None)
        gain = best.get("joint_minus_one_at_a_time") if best else None
        one = best.get("one_at_a_time") if best else None
        note = best.get("one_at_a_time_note", "") if best else "test_joint_best did not run"
        terminalreporter.write_line(answer(best, searches, one, gain, note))


def _study_summary(terminalreporter, records: list[dict]) -> None:
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
