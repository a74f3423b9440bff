"""Classifications: category sets, SDMX special codes and country codes (pure, no I/O on data)."""
