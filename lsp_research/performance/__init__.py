"""Layered performance management: indicator registry -> assessment -> the management group's filter ->
the Board's red flags.
"""

from .registry import Indicator, Registry, Settings, load_registry, parse_registry

__all__ = ["Indicator", "Registry", "Settings", "load_registry", "parse_registry"]
