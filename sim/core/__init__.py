"""The bottom layer: the clock, business calendars, random streams, distributions and
the queueing formulas the engine is validated against. Nothing here knows about cases."""
