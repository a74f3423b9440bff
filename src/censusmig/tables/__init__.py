"""Tables: derived variables and the one-pass aggregation engine (pure Polars, no file I/O)."""
