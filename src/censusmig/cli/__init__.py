"""Command line: parses options, calls :mod:`censusmig.api`, maps errors to exit codes."""
