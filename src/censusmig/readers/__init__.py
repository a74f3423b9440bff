"""Microdata in: opening data files of every supported format, their metadata, conversion."""
