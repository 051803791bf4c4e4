"""What the page's views share: session state, remembered values, messages, progress bars.

Streamlit-only helpers for :mod:`sim.app.page` and its views (``st`` is passed in or
imported inside, so importing this module needs no Streamlit).
"""

from __future__ import annotations

from typing import Any

UPLOAD = "upload a file…"
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf"]  # matplotlib's, as in sosim's figures


def state(name: str, make: Any) -> Any:
    import streamlit as st

    if name not in st.session_state:
        st.session_state[name] = make()
    return st.session_state[name]


def memo(name: str, key: Any, compute: Any) -> Any:
    """One remembered value per name, recomputed when ``key`` changes."""
    box = state(f"memo:{name}", dict)
    if box.get("key") != key:
        box.update(key=key, value=compute())
    return box["value"]


def problems(st: Any, lines: list[str], head: str) -> None:
    st.error(head + "\n\n" + "\n".join(f"- `{line}`" for line in lines))


def session_folder() -> Any:
    from sim.app.sources import SessionFolder

    return SessionFolder()


def progress(st: Any, unit: str = "replication") -> Any:
    from sim.app.runs import progress_text

    bar = st.progress(0.0, text="starting…")

    def report(done: int, total: int, elapsed: float) -> None:
        bar.progress(done / total, text=progress_text(done, total, elapsed, unit))
    return bar, report
