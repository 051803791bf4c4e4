"""The capacity check: can the pools keep up? Answered before any run, beside the simulation.

It reads the plan's data (:mod:`sim.engine.plan`: queues, routes, calendars, policies) and
never runs the simulation, which never imports it (``tests/test_layers.py``):

- :mod:`~sim.capacity.network`: can every case type reach an opinion (a networkx graph),
  and the offered work against the available hours per queue and triage resource;
- :mod:`~sim.capacity.overflow`: under overflow routing, the share a first-choice queue
  sends on (a Markov chain on its length); :mod:`~sim.capacity.spill` by priority class;
- :mod:`~sim.capacity.reach`: the share of cases that get to a specialist queue
  (drop-out before it) and that give up in a saturated one;
- :mod:`~sim.capacity.limits`: class reserves and contracts' weekly caps.
"""
