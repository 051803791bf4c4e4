"""The sosim web page (a Streamlit script): Scenario, Answer, Compare and Market views.

Start it with ``sosim app``. This file only lays out widgets; what they show is computed
by :mod:`sim.app.form` (the form and its validation), :mod:`sim.app.yaml_edit`,
:mod:`sim.app.runs`, :mod:`sim.app.answer`, :mod:`sim.app.pairing`,
:mod:`sim.app.markets` and :mod:`sim.app.sources`, on the same API as the CLI; the
Compare and Market views are in :mod:`sim.app.compare_view` and :mod:`sim.app.market_view`,
what the views share in :mod:`sim.app.session`.
Streamlit runs this file as ``__main__``; importing it does nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sim.app.compare_view import compare_view
from sim.app.market_view import market_view
from sim.app.session import UPLOAD, memo, problems, progress, session_folder, state

VIEWS = ("Scenario", "Answer", "Compare", "Market")
CSS = """<style>
[data-testid="stMainBlockContainer"] {padding-top: 2.5rem;}
[data-testid="stSidebarContent"] {padding-top: 0.5rem;}
</style>"""


# ------------------------------------------------------------------------ the source


def _source(st: Any) -> Any:
    """The chosen scenario file (shipped or uploaded), or ``None`` with the reason shown."""
    from sim.app.sources import file_source, shipped, upload_source
    from sim.scenario.errors import ScenarioError

    files = shipped()
    choice = st.sidebar.selectbox("Scenario file", [*files, UPLOAD], key="scenario_choice")
    try:
        if choice != UPLOAD:
            return memo("source", choice, lambda: file_source(files[choice], choice))
        up = st.sidebar.file_uploader("Scenario file (.yaml, .yml, .toml; at most 2 MiB)",
                                      type=["yaml", "yml", "toml"], key="scenario_upload")
        if up is None:
            st.info("Upload a scenario file in the sidebar, or pick a shipped one.")
            return None
        data = up.getvalue()
        folder = state("folder", session_folder)
        return memo("source", ("upload", up.name, hash(data)),
                     lambda: upload_source(up.name, data, folder))
    except ScenarioError as err:
        problems(st, [str(p) for p in err.problems], "This file cannot be read:")
        return None


def _edits(source: Any) -> dict:
    """The edits of this source; forgotten when another file is picked."""
    import streamlit as st

    if st.session_state.get("edits_source") != (source.label, source.file, hash(source.text)):
        st.session_state["edits_source"] = (source.label, source.file, hash(source.text))
        st.session_state["edits"] = {}
        for key in [k for k in st.session_state if str(k).startswith("edit:")]:
            del st.session_state[key]
    return st.session_state["edits"]


def _store(path: tuple[str, ...], key: str) -> None:
    import streamlit as st

    st.session_state["edits"][path] = st.session_state[key]


# ------------------------------------------------------------------------ scenario view


def _field(st: Any, spec: Any, edits: dict, problems: dict[str, list[str]]) -> None:
    key = f"edit:{spec.dotted}"
    value = edits.get(spec.path, spec.value)
    common = {"key": key, "help": spec.help or None, "on_change": _store,
              "args": (spec.path, key)}
    if spec.kind == "choice":
        st.selectbox(spec.label, spec.choices, index=list(spec.choices).index(value), **common)
    elif spec.kind == "bool":
        st.toggle(spec.label, value=bool(value), **common)
    elif spec.kind == "int":
        st.number_input(spec.label, value=int(value), step=1, format="%d", **common)
    else:
        st.number_input(spec.label, value=float(value), step=spec.step,
                        format="%.2f" if spec.step and spec.step < 1 else "%g", **common)
    if value != spec.value:
        st.caption(f"edited · was {spec.value:g}" if isinstance(spec.value, int | float)
                   and not isinstance(spec.value, bool) else f"edited · was {spec.value}")
    for message in problems.get(spec.dotted, []):
        st.error(message, icon="⚠️")


def _sections(fields: list) -> list[list[tuple[str, list]]]:
    """Sections spread over three columns, each column about as long as the others."""
    sections: dict[str, list] = {}
    for f in fields:
        sections.setdefault(f.section, []).append(f)
    columns: list[list[tuple[str, list]]] = [[], [], []]
    sizes = [0, 0, 0]
    for name, items in sections.items():
        k = sizes.index(min(sizes))
        columns[k].append((name, items))
        sizes[k] += len(items) + 2
    return columns


def _request_run() -> None:
    import streamlit as st

    st.session_state["view"] = "Answer"
    st.session_state["run_requested"] = True


def _reset() -> None:
    import streamlit as st

    st.session_state["edits"] = {}
    for key in [k for k in st.session_state if str(k).startswith("edit:")]:
        del st.session_state[key]


def scenario_view(st: Any, source: Any, original: Any, fields: list, edits: dict,
                  checked: Any) -> None:
    from sim.app.form import changed
    from sim.app.yaml_edit import edited_scenario_text

    scenario = checked.scenario or original
    st.title(f"Scenario · {scenario.name}")
    if scenario.description:
        st.caption(scenario.description)
    diff = changed(fields, edits)
    top = st.columns([1, 1, 1, 3])
    top[0].button("Run ▶", type="primary", disabled=not checked.ok, on_click=_request_run,
                  key="run_from_scenario", width="stretch")
    if checked.ok:  # written once per edit state (a moment), so the click answers at once
        text, _ = memo("yaml", (source, tuple(diff.items())), lambda: edited_scenario_text(
            source.text, source.fmt, source.file, diff))
        top[1].download_button(
            "Download YAML", key="download_yaml", file_name=f"{scenario.name}.yaml",
            mime="application/x-yaml", on_click="ignore", width="stretch", data=text)
    top[2].button("Reset edits", on_click=_reset, disabled=not diff, width="stretch")
    with top[3]:
        if not checked.ok:
            st.error(f"{checked.count} problem{'s' if checked.count != 1 else ''}: nothing "
                     "will run until fixed (see the fields marked below).")
        elif diff:
            st.info(f"{len(diff)} edit{'s' if len(diff) != 1 else ''}: "
                    + ", ".join(f"`{'.'.join(p)}`" for p in diff))
        else:
            st.success(f"`{source.file}` as written: valid.")
    if checked.general:
        problems(st, checked.general, "Problems not tied to one field:")
    if scenario.timeline is not None:
        st.info(f"This scenario has a {scenario.timeline.first_year}-"
                f"{scenario.timeline.last_year} timeline; the page runs it once, as written, "
                f"not year by year. For every year: `sosim run {Path(source.file).name}`.")
    for column, sections in zip(st.columns(3), _sections(fields), strict=True):
        with column:
            for name, items in sections:
                with st.container(border=True):
                    st.markdown(f"**{name}**")
                    for spec in items:
                        _field(st, spec, edits, checked.by_field)
    _capacity_preview(st, scenario)


def _capacity(scenario: Any) -> Any:
    """The scenario's capacity check, once per edit state: the Answer view reuses it."""
    from sim.capacity.network import capacity_report
    from sim.engine.plan import build_plan
    from sim.outputs.writing import scenario_hash

    return memo("capacity", scenario_hash(scenario),
                lambda: capacity_report(build_plan(scenario)))


def _capacity_preview(st: Any, scenario: Any) -> None:
    from sim.app.answer import capacity_style
    from sim.capacity.network import overload_warnings

    report = _capacity(scenario)
    warnings = overload_warnings(report)
    with st.expander("Capacity check before running" + (f" · {len(warnings)} warning(s)"
                                                        if warnings else " · all queues ok"),
                     expanded=bool(warnings)):
        for w in warnings:
            st.warning(w)
        st.dataframe(capacity_style(report), hide_index=True, width="stretch")


# ------------------------------------------------------------------------ answer view


def warm_worker() -> Any:
    """The server's warm worker (sim.app.worker), started at the first page load; None if it
    cannot start here (runs then go in this process)."""
    import streamlit as st

    @st.cache_resource(show_spinner=False)
    def start() -> Any:
        from sim.app.worker import WarmWorker

        try:
            return WarmWorker()
        except OSError:
            return None

    return start()


def _run(st: Any, scenario: Any) -> Any:
    """Run ``scenario`` on the warm worker, showing the KPI cards of the replications back so
    far as they come; in this process if the worker cannot run it."""
    from sim.app import answer
    from sim.app.runs import run_with_progress

    bar, report = progress(st)
    early = st.empty()

    def show(done: int, total: int, elapsed: float, partial: Any) -> None:
        report(done, total, elapsed)
        if partial is not None and done < total:
            with early.container():
                st.caption(f"First figures: {done} of {total} replications back.")
                _cards(st, answer.kpi_cards(partial))

    worker = warm_worker()
    results = None
    if worker is not None:
        try:
            results = worker.run(scenario, report=show)
        except RuntimeError:  # the worker stopped: run here instead
            results = None
    if results is None:
        results = run_with_progress(scenario, report)
    early.empty()
    results.capacity = _capacity(scenario)  # checked on the Scenario view already
    return results


def answer_view(st: Any, checked: Any, diff: dict) -> None:
    import time

    from sim.app.runs import ResultCache, RunEntry, cache_key, run_guard

    requested = st.session_state.pop("run_requested", False)
    if not checked.ok:
        st.title("Answer")
        st.error("The scenario has problems: fix them on the Scenario view; nothing was run.")
        return
    scenario = checked.scenario
    cache = state("runs", lambda: ResultCache(6))
    key = cache_key(scenario)
    st.title(f"Answer · {scenario.name}" + (f" (edited: {len(diff)})" if diff else ""))
    sim_ = scenario.simulation
    st.caption(f"triage {scenario.triage.policy} · routing {scenario.routing.policy} · "
               f"{sim_.horizon_days:g} days ({sim_.warmup_days:g} warm-up) · "
               f"{sim_.replications} replication(s) · seed {sim_.seed} · about "
               f"{scenario.expected_cases:,.0f} cases a replication")
    entry = cache.get(key)
    if entry is None:
        controls = st.empty()
        with controls.container():
            guard = run_guard(scenario)
            allowed = True
            if guard:
                st.warning(guard)
                allowed = st.checkbox("Run it anyway", key="confirm_large")
            clicked = st.button("Run ▶", type="primary", key="run_answer", disabled=not allowed)
            if not ((clicked or requested) and allowed):
                st.info("Not run yet for these settings.")
                return
            start = time.monotonic()
            results = _run(st, scenario)
        entry = RunEntry(results, time.monotonic() - start)
        cache.put(key, entry)
        controls.empty()
    st.caption(f"Ran in {entry.seconds:.1f} s; kept for this session (key `{key}`): coming "
               "back to these settings shows it at once. Means across replications, 95% "
               "t-intervals.")
    _answer_body(st, entry, key)


def _answer_body(st: Any, entry: Any, key: str) -> None:
    from sim.app import answer
    from sim.outputs.glance import glance
    from sim.outputs.report import terms_note

    results, summary = entry.results, entry.summary
    st.markdown("\n".join(f"- **{topic}** · {sentence}"  # the five lines sosim run opens with
                          for topic, sentence in glance(results, summary)))
    _cards(st, answer.kpi_cards(results, summary))
    st.caption(f"({terms_note()})")
    tabs = st.tabs(["Where the time goes", "Money", "Figures", "Capacity", "Downloads"],
                   key="answer_tab", on_change="rerun")  # draw only the open tab
    with tabs[0]:
        stages = answer.stage_frame(results, summary)
        st.bar_chart(stages, x="stage", y="mean_h", horizontal=True, sort=False,
                     x_label="mean hours per delivered case", y_label="", height=300)
        st.dataframe(stages, hide_index=True, width="stretch", column_config={
            "mean_h": st.column_config.NumberColumn("mean (h)", format="%.1f"),
            "ci_low_h": st.column_config.NumberColumn("95% CI low (h)", format="%.1f"),
            "ci_high_h": st.column_config.NumberColumn("95% CI high (h)", format="%.1f"),
            "share": st.column_config.ProgressColumn("share of time to opinion",
                                                     format="percent", min_value=0,
                                                     max_value=1)})
        st.caption("Stages add up to the mean time to opinion.")
    with tabs[1]:
        if results.scenario.economics is None:
            st.info("This scenario has no `economics` section: no money figures.")
        else:
            left, right = st.columns([2, 3])
            left.subheader("Money (measured window)")
            left.dataframe(answer.money_frame(results, summary), hide_index=True,
                           width="stretch")
            right.subheader("Payers")
            right.dataframe(answer.payer_frame(results, summary), width="stretch")
            right.caption("Payer's view: avoided - paid - delay; ROI = net / paid.")
    if tabs[2].open:
        names = answer.figure_names(results)
        for start in range(0, len(names), 2):
            for column, name in zip(tabs[2].columns(2), names[start:start + 2], strict=False):
                if name not in entry.figures:
                    entry.figures[name] = answer.figure_png(results, name)
                column.image(entry.figures[name], caption=name, width="stretch")
    with tabs[3]:
        from sim.capacity.network import overload_warnings

        for w in overload_warnings(results.capacity):
            st.warning(w)
        st.dataframe(answer.capacity_style(answer.capacity_frame(results)), hide_index=True,
                     width="stretch")
        st.caption("Offered work against working hours per queue; overloaded queues in red, "
                   "nearly overloaded in yellow.")
    if tabs[4].open:
        with tabs[4]:
            _downloads(st, entry, key)


def _cards(st: Any, cards: list) -> None:
    for start in range(0, len(cards), 4):
        for column, card in zip(st.columns(4), cards[start:start + 4], strict=False):
            column.metric(card.label, card.value, delta=card.interval, delta_color="off",
                          delta_arrow="off", help=card.help or None, border=True)


def _downloads(st: Any, entry: Any, key: str) -> None:
    from sim.app.runs import run_folder, table_bytes, zip_folder

    results = entry.results
    fmt = st.radio("Table format", ["parquet", "csv"], horizontal=True, key="table_format")
    columns = st.columns(4)
    for column, (name, index) in zip(columns, (("cases", False), ("events", False),
                                               ("kpis", True)), strict=False):
        column.download_button(
            f"{name}.{fmt}", key=f"download_{name}", on_click="ignore", file_name=f"{name}.{fmt}",
            data=lambda n=name, i=index: table_bytes(getattr(results, n), fmt, i),
            width="stretch")
    folder = state("folder", session_folder)
    columns[3].download_button(
        "run folder (.zip)", key="download_zip", on_click="ignore", type="primary",
        file_name=f"{results.scenario.name}-run.zip", mime="application/zip", width="stretch",
        data=lambda: zip_folder(run_folder(entry, folder.sub("runs"), key)))
    st.caption(f"The zip holds the run folder `sosim run` writes, with its manifest: unzip it "
               f"and `sosim rerun {results.scenario.name}/manifest.json` reproduces this run.")


# ------------------------------------------------------------------------ the page


def main() -> None:
    """Lay out the page (Streamlit calls this on every interaction)."""
    import streamlit as st

    from sim.app.form import changed, editable_fields, validate_edits

    st.set_page_config(page_title="sosim", page_icon="🩺", layout="wide")
    warm_worker()  # it starts warming up now, before anyone clicks Run
    st.html(CSS)
    st.sidebar.title("sosim")
    st.sidebar.caption("Second-opinion platforms: the scenario, the run and the answer.")
    view = st.sidebar.radio("View", VIEWS, key="view")
    if view == "Market":
        market_view(st)
        return
    source = _source(st)
    if source is None:
        return
    st.sidebar.caption(f"`{Path(source.file).name}`")
    loaded = memo("loaded", source, lambda: validate_edits(source.text, source.fmt,
                                                            source.file, {}))
    if not loaded.ok:
        problems(st, [*loaded.general, *(m for ms in loaded.by_field.values() for m in ms)],
                  "This scenario file is not valid; fix it and upload it again:")
        return
    fields = memo("fields", source, lambda: editable_fields(loaded.scenario))
    edits = _edits(source)
    diff = changed(fields, edits)
    checked = loaded if not diff else memo(
        "checked", (source, tuple(diff.items())),
        lambda: validate_edits(source.text, source.fmt, source.file, diff, fields))
    if view == "Scenario":
        scenario_view(st, source, loaded.scenario, fields, edits, checked)
    elif view == "Answer":
        answer_view(st, checked, diff)
    else:
        compare_view(st, source, loaded.scenario, checked)


if __name__ == "__main__":
    main()
