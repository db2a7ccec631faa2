"""numba's ``njit``, for every compiled loop of Storyline's, with numba's array maths loaded cheaply.

numba loads its array maths module at a process's first compiled call, and that module asks scipy whether
BLAS is there by importing ``scipy.linalg``: 0.2 s and 14 MB in each process (a dedup run's workers each
pay it before their first record). No compiled function here does linear algebra. Loaded with the probe
answered "no", ``np.dot`` in a compiled function would run as a loop, and ``np.linalg`` would still import
scipy when compiled; a process that has imported scipy's linear algebra already is left as it is.
"""

from __future__ import annotations

import sys

_BLAS_PROBE = "scipy.linalg.cython_blas"


def _load_array_maths_without_blas_probe() -> None:
    if _BLAS_PROBE in sys.modules or "numba.np.arraymath" in sys.modules:
        return
    sys.modules[_BLAS_PROBE] = None  # type: ignore[assignment]  # an import of it fails at once
    try:
        import numba.np.arraymath  # noqa: F401
    finally:
        del sys.modules[_BLAS_PROBE]


_load_array_maths_without_blas_probe()

from numba import njit  # noqa: E402

__all__ = ["njit"]
