"""What every results.json carries besides its numbers: the layout version and the package versions.

A leaf module (nothing heavy imported), so the analyses (critical.py, counting.py) and the
studies share one constant.
"""

from __future__ import annotations

SCHEMA_VERSION = 1
"""The version of the results.json layout; every writer uses this one constant."""


def versions() -> dict:
    """The versions of Python and the packages a result depends on (read from metadata,
    so nothing is imported)."""
    import platform
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for name, dist in (("landscape", "landscape-sim"), ("numpy", "numpy"), ("scipy", "scipy"),
                       ("matplotlib", "matplotlib")):
        try:
            out[name] = version(dist)
        except PackageNotFoundError:
            out[name] = None
    return out
