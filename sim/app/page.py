"""The sosim web page (a Streamlit script): Scenario, Answer, Compare and Market views.

Start it with ``sosim app``. This file only lays out widgets; what they show is computed
by :mod:`sim.app.form` (the form and its validation), :mod:`sim.app.yaml_edit`,
:mod:`sim.app.runs`, :mod:`sim.app.answer`, :mod:`sim.app.pairing`,
:mod:`sim.app.markets` and :mod:`sim.app.sources`, on the same API as the CLI.
Streamlit runs this file as ``__main__``; importing it does nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

VIEWS = ("Scenario", "Answer", "Compare", "Market")
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf"]  # matplotlib's, as in sosim's figures
CSS = """<style>
[data-testid="stMainBlockContainer"] {padding-top: 2.5rem;}
[data-testid="stSidebarContent"] {padding-top: 0.5rem;}
</style>"""
UPLOAD = "upload a file…"


def _state(name: str, make: Any) -> Any:
    import streamlit as st

    if name not in st.session_state:
        st.session_state[name] = make()
    return st.session_state[name]


def _memo(name: str, key: Any, compute: Any) -> Any:
    """One remembered value per name, recomputed when ``key`` changes."""
    box = _state(f"memo:{name}", dict)
    if box.get("key") != key:
        box.update(key=key, value=compute())
    return box["value"]


def _problems(st: Any, lines: list[str], head: str) -> None:
    st.error(head + "\n\n" + "\n".join(f"- `{line}`" for line in lines))


# ------------------------------------------------------------------------ the source


def _source(st: Any) -> Any:
    """The chosen scenario file (shipped or uploaded), or ``None`` with the reason shown."""
    from sim.app.sources import file_source, shipped, upload_source
    from sim.scenario.errors import ScenarioError

    files = shipped()
    choice = st.sidebar.selectbox("Scenario file", [*files, UPLOAD], key="scenario_choice")
    try:
        if choice != UPLOAD:
            return _memo("source", choice, lambda: file_source(files[choice], choice))
        up = st.sidebar.file_uploader("Scenario file (.yaml, .yml, .toml; at most 2 MiB)",
                                      type=["yaml", "yml", "toml"], key="scenario_upload")
        if up is None:
            st.info("Upload a scenario file in the sidebar, or pick a shipped one.")
            return None
        data = up.getvalue()
        folder = _state("folder", _session_folder)
        return _memo("source", ("upload", up.name, hash(data)),
                     lambda: upload_source(up.name, data, folder))
    except ScenarioError as err:
        _problems(st, [str(p) for p in err.problems], "This file cannot be read:")
        return None


def _session_folder() -> Any:
    from sim.app.sources import SessionFolder

    return SessionFolder()


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
        text, _ = _memo("yaml", (source, tuple(diff.items())), lambda: edited_scenario_text(
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
        _problems(st, checked.general, "Problems not tied to one field:")
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


def _capacity_preview(st: Any, scenario: Any) -> None:
    from sim.app.answer import capacity_style
    from sim.engine.network import capacity_report, overload_warnings
    from sim.engine.plan import build_plan
    from sim.outputs.writing import scenario_hash

    report = _memo("capacity", scenario_hash(scenario),
                   lambda: capacity_report(build_plan(scenario)))
    warnings = overload_warnings(report)
    with st.expander("Capacity check before running" + (f" · {len(warnings)} warning(s)"
                                                        if warnings else " · all queues ok"),
                     expanded=bool(warnings)):
        for w in warnings:
            st.warning(w)
        st.dataframe(capacity_style(report), hide_index=True, width="stretch")


# ------------------------------------------------------------------------ answer view


def _progress(st: Any, unit: str = "replication") -> Any:
    from sim.app.runs import progress_text

    bar = st.progress(0.0, text="starting…")

    def report(done: int, total: int, elapsed: float) -> None:
        bar.progress(done / total, text=progress_text(done, total, elapsed, unit))
    return bar, report


def answer_view(st: Any, checked: Any, diff: dict) -> None:
    import time

    from sim.app.runs import ResultCache, RunEntry, cache_key, run_guard, run_with_progress

    requested = st.session_state.pop("run_requested", False)
    if not checked.ok:
        st.title("Answer")
        st.error("The scenario has problems: fix them on the Scenario view; nothing was run.")
        return
    scenario = checked.scenario
    cache = _state("runs", lambda: ResultCache(6))
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
            bar, report = _progress(st)
            start = time.monotonic()
            results = run_with_progress(scenario, report)
        entry = RunEntry(results, time.monotonic() - start)
        cache.put(key, entry)
        controls.empty()
    st.caption(f"Ran in {entry.seconds:.1f} s; kept for this session (key `{key}`): coming "
               "back to these settings shows it at once. Means across replications, 95% "
               "t-intervals.")
    _answer_body(st, entry, key)


def _answer_body(st: Any, entry: Any, key: str) -> None:
    from sim.app import answer

    results, summary = entry.results, entry.summary
    cards = answer.kpi_cards(results, summary)
    for start in range(0, len(cards), 4):
        for column, card in zip(st.columns(4), cards[start:start + 4], strict=False):
            column.metric(card.label, card.value, delta=card.interval, delta_color="off",
                          delta_arrow="off", help=card.help or None, border=True)
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
        from sim.engine.network import overload_warnings

        for w in overload_warnings(results.capacity):
            st.warning(w)
        st.dataframe(answer.capacity_style(answer.capacity_frame(results)), hide_index=True,
                     width="stretch")
        st.caption("Offered work against working hours per queue; overloaded queues in red, "
                   "nearly overloaded in yellow.")
    if tabs[4].open:
        with tabs[4]:
            _downloads(st, entry, key)


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
    folder = _state("folder", _session_folder)
    columns[3].download_button(
        "run folder (.zip)", key="download_zip", on_click="ignore", type="primary",
        file_name=f"{results.scenario.name}-run.zip", mime="application/zip", width="stretch",
        data=lambda: zip_folder(run_folder(entry, folder.sub("runs"), key)))
    st.caption(f"The zip holds the run folder `sosim run` writes, with its manifest: unzip it "
               f"and `sosim rerun {results.scenario.name}/manifest.json` reproduces this run.")


# ------------------------------------------------------------------------ compare view


def compare_view(st: Any, source: Any, original: Any, checked: Any) -> None:
    from sim.app.pairing import align_run_settings, difference_frame, pair_key, run_pair
    from sim.app.runs import ResultCache, run_guard
    from sim.app.sources import file_source, shipped
    from sim.outputs.writing import scenario_hash

    st.title("Compare")
    st.caption("Two variants on common random numbers: A runs with B's period, warm-up and "
               "seed, so the two differ only where their settings differ; differences are "
               "paired replication by replication, as `sosim compare` does.")
    if not checked.ok:
        st.error("The edited scenario has problems: fix them on the Scenario view.")
        return
    others = {label: path for label, path in shipped().items() if label != source.label}
    left, right, reps_col = st.columns([2, 2, 1])
    choice = left.selectbox("A (reference)", [f"{source.label} as loaded", *others],
                            key="compare_a")
    right.text_input("B", value=f"{source.label} with the current edits", disabled=True)
    reps = reps_col.number_input("paired replications", min_value=2, max_value=200, step=1,
                                 value=max(2, checked.scenario.simulation.replications),
                                 key="compare_reps")
    a = original if choice.endswith(" as loaded") else _memo(
        "compare_a", choice, lambda: _validated(file_source(others[choice], choice)))
    b = checked.scenario
    a = align_run_settings(a, b)
    if scenario_hash(a) == scenario_hash(b):
        st.info("A and B are the same scenario: edit something on the Scenario view, or "
                "pick another A.")
        return
    cache = _state("pairs", lambda: ResultCache(4))
    key = pair_key(a, b, int(reps))
    cmp = cache.get(key)
    if cmp is None:
        controls = st.empty()
        with controls.container():
            guard = run_guard(a, 2 * int(reps))
            allowed = not guard or st.checkbox(f"{guard} Run it anyway", key="confirm_compare")
            if not st.button("Compare ▶", type="primary", disabled=not allowed,
                             key="run_compare"):
                return
            _, report = _progress(st)
            folder = _state("folder", _session_folder).sub("compare") / key
            cmp = run_pair(a, b, ("A", "B"), int(reps), folder, report)
        cache.put(key, cmp)
        controls.empty()
    st.subheader("B against A")
    for kpi in ("time_to_opinion_h.mean", "time_to_opinion_h.p90", "within_target.opinion"):
        st.markdown("- " + cmp.sentence(kpi, "B"))
    d = difference_frame(cmp)
    st.dataframe(d.style.apply(lambda r: ["font-weight: bold" if r["significant"] else ""]
                               * len(r), axis=1).format(precision=2),
                 width="stretch", column_config={
                     "significant": st.column_config.CheckboxColumn("interval excludes 0"),
                     "ci_low": "95% CI low", "ci_high": "95% CI high", "what": "KPI"})
    st.caption("A and B: means; B - A with its paired 95% interval; "
               "± unpaired is the Welch half-width the same runs would give without pairing. "
               "pp = percentage points.")


def _validated(source: Any) -> Any:
    from sim.loading import scenario_from_text

    return scenario_from_text(source.text, source.fmt, file=source.file)


# ------------------------------------------------------------------------ market view


def market_view(st: Any) -> None:
    from sim.app import markets
    from sim.app.sources import shipped, upload_source
    from sim.market.load import load_market
    from sim.market.projection import project
    from sim.scenario.errors import ScenarioError

    st.title("Market")
    files = shipped("market")
    left, right = st.columns(2)
    choice = left.selectbox("Market file", [*files, UPLOAD], key="market_choice")
    other_choice = right.selectbox("Compare with", ["none", *(f for f in files if f != choice)],
                                   key="market_other")
    try:
        if choice == UPLOAD:
            up = left.file_uploader("Market file", type=["yaml", "yml", "toml"],
                                    key="market_upload")
            if up is None:
                return
            data = up.getvalue()
            folder = _state("folder", _session_folder)
            path = _memo("market_upload", (up.name, hash(data)),
                         lambda: upload_source(up.name, data, folder).file)
        else:
            path = files[choice]
        p = _memo("market", str(path), lambda: project(load_market(path)))
        other = None if other_choice == "none" else _memo(
            "market_other", other_choice, lambda: project(load_market(files[other_choice])))
    except ScenarioError as err:
        _problems(st, [str(x) for x in err.problems], "This market file cannot be used:")
        return
    st.subheader(p.market.title or p.name)
    for column, (label, value) in zip(st.columns(4), markets.headline(p), strict=True):
        column.metric(label, value, border=True)
    years = list(range(p.market.base_year, p.market.end_year + 1))
    year = st.select_slider("Year of the volumes and regions", years,
                            value=min(p.market.base_year + 1, p.market.end_year),
                            key="market_year")
    tabs = st.tabs(["Projection", "Volumes", "Consistency report", "Growth rates", "Figures"],
                   key="market_tab", on_change="rerun")
    with tabs[0]:
        dims = p.dimensions
        dim = st.selectbox("Dimension", dims, key="market_dimension") if dims else None
        wide = p.wide(dim) if dim else p.wide("total")
        wide.index = wide.index.astype(str)  # years, not thousands
        st.area_chart(wide, y_label=p.unit_label, x_label="year",
                      color=PALETTE[:len(wide.columns)])
        st.dataframe(wide.style.format(precision=2), width="stretch")
    with tabs[1]:
        st.dataframe(markets.volumes_in(p, year), hide_index=True, width="stretch")
        st.caption("Second opinions a year, specialist hours and full-time equivalents.")
    with tabs[2]:
        for f in p.warnings:
            st.warning(str(f))
        st.dataframe(markets.findings_frame(p), hide_index=True, width="stretch")
    with tabs[3]:
        st.dataframe(p.implied_rates, hide_index=True, width="stretch")
    if tabs[4].open:
        figs = _memo("market_figures", (p.name, year, other and other.name),
                     lambda: {k: markets.figure_png(v) for k, v in
                              markets.market_figures(p, year, other).items()})
        for name, png in figs.items():
            tabs[4].image(png, caption=name, width="stretch")


# ------------------------------------------------------------------------ the page


def main() -> None:
    """Lay out the page (Streamlit calls this on every interaction)."""
    import streamlit as st

    from sim.app.form import changed, editable_fields, validate_edits

    st.set_page_config(page_title="sosim", page_icon="🩺", layout="wide")
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
    loaded = _memo("loaded", source, lambda: validate_edits(source.text, source.fmt,
                                                            source.file, {}))
    if not loaded.ok:
        _problems(st, [*loaded.general, *(m for ms in loaded.by_field.values() for m in ms)],
                  "This scenario file is not valid; fix it and upload it again:")
        return
    fields = _memo("fields", source, lambda: editable_fields(loaded.scenario))
    edits = _edits(source)
    diff = changed(fields, edits)
    checked = loaded if not diff else _memo(
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
