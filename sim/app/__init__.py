"""``sosim app``: a local web page over the same API as the CLI and the notebooks.

Only :mod:`sim.app.page` touches Streamlit (an optional dependency: ``sosim[app]``); the
other modules compute what it shows and are tested without a browser:
:mod:`sim.app.form` (the editable form, built from the schema, and its validation),
:mod:`sim.app.yaml_edit` (the edited file, comments kept), :mod:`sim.app.runs` (size
guard, progress, cache, downloads), :mod:`sim.app.answer`, :mod:`sim.app.pairing`
(common-random-number comparisons), :mod:`sim.app.markets` and :mod:`sim.app.sources`
(shipped files, uploads through the safe loader, the per-session temporary folder).
:mod:`sim.app.cli` adds the ``sosim app`` command and stays light for ``sosim --help``.
"""
