"""What every results.json carries besides its numbers: the layout version and the package versions.

A leaf module (nothing heavy imported), so the analyses (critical.py, counting.py) and the
studies share one constant.
"""

from __future__ import annotations

SCHEMA_VERSION = 1
"""The version of the results.json layout; every writer uses this one constant."""


def versions() -> dict:
    """The versions of Python and the packages a result depends on, without importing them.

    A package already imported gives its ``__version__``; another is read from the name of
    its ``{name}-{version}.dist-info`` folder on ``sys.path`` (how installers record it),
    and only when there is none from ``importlib.metadata``, which parses every candidate's
    metadata (~50 ms, a tenth of a small search's whole run).
    """
    import platform
    import sys

    out = {"python": platform.python_version()}
    for name, dist in (("landscape", "landscape-sim"), ("numpy", "numpy"), ("scipy", "scipy"),
                       ("matplotlib", "matplotlib")):
        module = sys.modules.get(name)
        found = getattr(module, "__version__", None) if module is not None and name != "landscape" else None
        out[name] = found or _installed_version(dist)
    return out


def _installed_version(dist: str) -> str | None:
    import os
    import re
    import sys

    want = re.sub(r"[-_.]+", "_", dist).lower()
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for folder in names:
            if folder.endswith(".dist-info"):
                name, _, version = folder[:-len(".dist-info")].partition("-")
                if re.sub(r"[-_.]+", "_", name).lower() == want and version:
                    return version
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return None
