"""The Market view: a market file's projection, volumes, consistency report and figures."""

from __future__ import annotations

from typing import Any

from sim.app.session import PALETTE, UPLOAD, memo, problems, session_folder, state


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
            folder = state("folder", session_folder)
            path = memo("market_upload", (up.name, hash(data)),
                         lambda: upload_source(up.name, data, folder).file)
        else:
            path = files[choice]
        p = memo("market", str(path), lambda: project(load_market(path)))
        other = None if other_choice == "none" else memo(
            "market_other", other_choice, lambda: project(load_market(files[other_choice])))
    except ScenarioError as err:
        problems(st, [str(x) for x in err.problems], "This market file cannot be used:")
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
        st.altair_chart(markets.stacked_chart(wide, p.unit_label, PALETTE), width="stretch")
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
        figs = memo("market_figures", (p.name, year, other and other.name),
                     lambda: {k: markets.figure_png(v) for k, v in
                              markets.market_figures(p, year, other).items()})
        for name, png in figs.items():
            tabs[4].image(png, caption=name, width="stretch")
