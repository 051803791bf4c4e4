"""The fidelity gate (fit the first 70% of the log's span, judge the rest) and the fit's
manifest: a wrong fit is rejected with a one-line verdict and no scenario file, and
``sosim rerun`` repeats a fit bit for bit."""

from __future__ import annotations

import pytest

import sim
from sim.cli import main
from sim.fit.api import _fit_text
from sim.fit.gate import holdout_split, judge, truncate
from sim.scenario.models import Routing
from tests.fit.platforms import CHANNEL_MAP, PAYER_MAP, channel_platform, payer_platform

PAYER_BLIND_MAP = PAYER_MAP.replace(", payer: payer", "")  # the routing attribute unmapped


@pytest.fixture(scope="module")
def channel_log(tmp_path_factory):  # noqa: ANN001, ANN201
    folder = tmp_path_factory.mktemp("gate")
    channel_platform(seed=2, days=84).to_csv(folder / "log.csv", index=False)
    (folder / "map.yaml").write_text(CHANNEL_MAP)
    return folder


def test_gate_rejects_a_deliberately_wrong_fit(channel_log):
    result = sim.fit(channel_log / "log.csv", map=channel_log / "map.yaml", simulate=False)
    split = holdout_split(result.log, 0.3)
    first, _, scenario = _fit_text(truncate(result.log, split), "x", 4, 1, "log", "first")
    right = judge(scenario, result.log, first, result.fitted.table, split, 4, 1)
    assert right.passed, right.line
    wrong = scenario.model_copy(update={"routing": Routing(policy="outsourced_first")})
    verdict = judge(wrong, result.log, first, result.fitted.table, split, 4, 1)
    assert not verdict.passed
    assert "utilisation.hospital" in verdict.outside and len(verdict.outside) >= 3, verdict.line
    assert verdict.line.startswith("fit rejected") and "\n" not in verdict.line


def test_cli_refuses_to_write_a_poor_fit(tmp_path, capsys):
    payer_platform(seed=1, days=84).to_csv(tmp_path / "log.csv", index=False)
    (tmp_path / "map.yaml").write_text(PAYER_BLIND_MAP)  # cannot see what routes the cases
    argv = ["fit", str(tmp_path / "log.csv"), "--map", str(tmp_path / "map.yaml"),
            "--out", str(tmp_path / "f.yaml"), "--replications", "3", "--no-figures"]
    assert main(argv) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("sosim fit: fit rejected") and "outside" in err[0]
    assert not (tmp_path / "f.yaml").exists()
    assert (tmp_path / "f_fit" / "manifest.json").is_file()
    assert main([*argv, "--overwrite", "--accept-poor"]) == 0
    assert (tmp_path / "f.yaml").is_file()


def test_rerun_reproduces_a_fit(channel_log, tmp_path, capsys):
    from sim.rerun import rerun

    out = tmp_path / "fitted.yaml"
    assert main(["fit", str(channel_log / "log.csv"), "--map", str(channel_log / "map.yaml"),
                 "--out", str(out), "--replications", "2", "--no-figures"]) == 0
    report = rerun(tmp_path / "fitted_fit" / "manifest.json", tmp_path / "again")
    assert report.kind == "fit" and report.identical, (report.differed, report.tampered)
    assert {"scenario.yaml", "kpis.csv", "holdout_kpis.csv"} <= set(report.matched)
