"""The Compare view: the edit against the file as loaded (or a shipped file), paired."""

from __future__ import annotations

from typing import Any

from sim.app.session import memo, progress, session_folder, state


def compare_view(st: Any, source: Any, original: Any, checked: Any) -> None:
    from sim.app.pairing import difference_frame, pair_key, run_pair
    from sim.app.runs import ResultCache, run_guard
    from sim.app.sources import file_source, shipped
    from sim.experiment.compare import align_run_settings
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
    a = original if choice.endswith(" as loaded") else memo(
        "compare_a", choice, lambda: _validated(file_source(others[choice], choice)))
    b = checked.scenario
    a = align_run_settings(a, b)
    if scenario_hash(a) == scenario_hash(b):
        st.info("A and B are the same scenario: edit something on the Scenario view, or "
                "pick another A.")
        return
    cache = state("pairs", lambda: ResultCache(4))
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
            _, report = progress(st)
            folder = state("folder", session_folder).sub("compare") / key
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
