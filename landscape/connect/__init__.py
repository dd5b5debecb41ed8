"""How the critical points connect: saddles as passes, the landscape graph, minimum-energy paths.

``connect(landscape, critical)`` runs it all (``connection``); the parts are
``flow`` (the steepest-descent integrator), ``descent`` (paths from saddles),
``graph`` (minima joined by index-1 saddles, minimax paths, the
disconnectivity tree's merges), ``tree`` (its layout) and ``neb`` (the
climbing-image nudged elastic band).
"""

from .connection import Connection, connect

__all__ = ["Connection", "connect"]
