"""Policies as objects: one class per rule, one small registry per kind.

A scenario names its rules (``routing.policy: overflow``, ``triage.policy: hybrid``,
``when_full: queue``); the plan (:func:`sim.engine.plan.build_plan`) looks each name up in
its kind's registry and keeps the compiled object. The simulation and the capacity check
then ask the object, never the name:

- :mod:`~sim.engine.policies.routing`: which pool kind a case tries first, and whether it
  may spill to the other kind past the wait threshold (``routing.policy``);
- :mod:`~sim.engine.policies.triage`: who triages a case and what that costs
  (``triage.policy``);
- :mod:`~sim.engine.policies.priority`: the priority classes, their reserves (trunk
  reservation) and service levels (``priorities``);
- :mod:`~sim.engine.policies.when_full`: what a contract's full week does to routing
  (``pools.<p>.contract.when_full``).

Adding a policy is one class in its kind's module, registered there, plus its schema entry
(``sim.scenario``), docs and tests (``docs/architecture.md`` has a worked example).
"""
