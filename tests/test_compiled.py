import subprocess
import sys

_CHECK = """
import sys
import numpy as np
from clustering.compiled import njit
from clustering.reuse.minhash import tokenize

tokenize("a compiled call loads numba's array maths")
print("scipy.linalg" in sys.modules)

@njit
def dot(a, b):
    return np.dot(a, b)

print(dot(np.arange(3.0), np.arange(3.0)))
"""


def test_compiled_code_runs_without_importing_scipy_linear_algebra_and_dot_still_works():
    # A fresh process: this one has imported scipy's linear algebra through other tests.
    out = subprocess.run([sys.executable, "-c", _CHECK], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "5.0"]
