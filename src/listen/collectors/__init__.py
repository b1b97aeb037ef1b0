"""Collectors: one small class per platform behind the `Collector` Protocol."""
