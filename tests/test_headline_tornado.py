"""tools/headline_tornado.py (the figures of docs/validity.md) runs: its quick mode, end to end."""

import subprocess
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def test_tornado_quick_mode_writes_its_figures_and_numbers(tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(ROOT / "tools" / "headline_tornado.py"), "--quick",
                    "--out", str(tmp_path)], check=True, cwd=ROOT, capture_output=True)
    assert {p.name for p in tmp_path.iterdir()} >= {
        "tornado.csv", "tornado_ai_vs_legacy.png", "tornado_roi.png"}
    t = pd.read_csv(tmp_path / "tornado.csv")
    head = t[t["study"] == "ai_vs_legacy"].set_index("end")
    patience = t[(t["study"] == "ai_vs_legacy") & t["input"].str.startswith("legacy referral "
                                                                           "patience")]
    low, high = (patience.set_index("end").loc[e, "extra_opinions_pct"] for e in ("low", "high"))
    # more patient legacy patients finish more often: AI's lead shrinks
    assert low > head.loc["base", "extra_opinions_pct"] > high
    roi = t[t["study"] == "roi"]
    waiting = roi[roi["input"].str.startswith("cost of waiting")].set_index("end")["roi"]
    assert waiting["high"] < waiting["low"]  # waiting costs money
