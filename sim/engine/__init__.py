"""The simulation engine: a scenario's plan, its demand and random inputs, the specialist
queues and the SimPy case journey that fills columnar records."""
