"""Tables: derived variables, the engine's stages and the edit checks (pure Polars, no file I/O).

The engine plans a run, aggregates each slice of the data through a backend, merges the partial
sums and finishes every table (margins, zeros, order, labels): see :mod:`censusmig.tables.engine`.
"""
