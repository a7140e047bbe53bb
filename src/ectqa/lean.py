"""Heavy libraries imported lean: only what ectqa uses, none of their optional machinery."""

from __future__ import annotations

import importlib
import sys
from types import ModuleType


class _OnFirstUse(ModuleType):
    """Stands in for a submodule as a *package attribute*, importing it on first attribute use.

    Not put in sys.modules: `import numpy.f2py` still imports the real module (which then
    replaces this stand-in on the package), so nothing that really uses it sees a difference.
    """

    def __getattr__(self, name: str):
        return getattr(importlib.import_module(self.__name__), name)


def scipy_special() -> ModuleType:
    """`scipy.special`, without loading numpy's Fortran wrapper generator.

    scipy (1.15+) builds its array-API namespace by copying every public attribute of numpy,
    and touching `numpy.f2py` imports it (~0.1 s, mostly compiling crackfortran's regexes):
    a tenth of a cold `ectqa check`. A stand-in that imports on first use keeps the copy cheap.
    """
    module = sys.modules.get("scipy.special")
    if module is not None:
        return module
    import numpy

    if "numpy.f2py" not in sys.modules and "f2py" not in vars(numpy):
        numpy.f2py = _OnFirstUse("numpy.f2py")  # type: ignore[attr-defined]
    from scipy import special

    return special
