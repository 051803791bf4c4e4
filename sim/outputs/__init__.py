"""What a run produces: the results tables, KPIs, economics, reports, figures and the
atomic writing of output folders."""
