"""Profiles: how a data file's columns and codes map onto censusmig's concepts.

``model`` reads and validates a profile; ``inspect`` describes a data file; ``draft`` writes a
first profile from what ``inspect`` found. None of them reads a file format: that is ``readers``.
"""
