"""Records scipy's TNC on small test problems, as the fixture of src/optim/tnc.test.ts.

Run with Debian's python (scipy 1.10), from the repository root:
    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 src/optim/tnc_reference.py > src/optim/tnc.fixture.json

The objectives are written with scalar Python floats in a fixed order of operations (no numpy reductions,
no transcendental functions), so the TypeScript test can evaluate exactly the same numbers; every call of
the objective is logged, so the fixture holds scipy's whole sequence of function values.
"""
import json
import sys
import warnings

import scipy
from scipy.optimize import minimize


def rosen(x):
    n = len(x)
    f = 0.0
    g = [0.0] * n
    for i in range(n - 1):
        t = x[i + 1] - x[i] * x[i]
        u = 1.0 - x[i]
        f += 100.0 * t * t + u * u
        g[i] += -400.0 * x[i] * t - 2.0 * u
        g[i + 1] += 200.0 * t
    return f, g


def powell(x):
    # Powell's singular function: the Hessian is singular at the minimum x* = 0.
    a = x[0] + 10.0 * x[1]
    b = x[2] - x[3]
    c = x[1] - 2.0 * x[2]
    d = x[0] - x[3]
    f = a * a + 5.0 * b * b + c * c * c * c + 10.0 * d * d * d * d
    g = [
        2.0 * a + 40.0 * d * d * d,
        20.0 * a + 4.0 * c * c * c,
        10.0 * b - 8.0 * c * c * c,
        -10.0 * b - 40.0 * d * d * d,
    ]
    return f, g


def beale(x):
    p, q = x[0], x[1]
    t1 = 1.5 - p + p * q
    t2 = 2.25 - p + p * q * q
    t3 = 2.625 - p + p * q * q * q
    f = t1 * t1 + t2 * t2 + t3 * t3
    g = [
        2.0 * t1 * (q - 1.0) + 2.0 * t2 * (q * q - 1.0) + 2.0 * t3 * (q * q * q - 1.0),
        2.0 * t1 * p + 2.0 * t2 * (2.0 * p * q) + 2.0 * t3 * (3.0 * p * q * q),
    ]
    return f, g


FUNCTIONS = {'rosen': rosen, 'powell': powell, 'beale': beale}

# name, function, x0, options, bounds (None = unbounded; JSON null = no bound on that side)
CASES = [
    ('rosen2', 'rosen', [-1.2, 1.0], {}, None),
    ('rosen10', 'rosen', [-1.2, 1.0] * 5, {}, None),
    ('rosen10-maxfun500', 'rosen', [-1.2, 1.0] * 5, {'maxfun': 500}, None),
    ('rosen10-maxfun30', 'rosen', [-1.2, 1.0] * 5, {'maxfun': 30}, None),
    ('rosen2-lowerbound', 'rosen', [-2.0, 1.0], {}, [[None, None], [-1.5, None]]),
    ('rosen4-box', 'rosen', [-1.2, 1.0, -1.2, 1.0], {}, [[-2.0, 0.5]] * 4),
    ('powell4', 'powell', [3.0, -1.0, 0.0, 1.0], {}, None),
    ('beale', 'beale', [1.0, 1.0], {'maxCGit': 2, 'eta': 0.5}, None),
]


def run(name, fname, x0, options, bounds):
    fun = FUNCTIONS[fname]
    evals = []

    def logged(x):
        f, g = fun([float(v) for v in x])
        evals.append(f)
        return f, g

    b = None
    if bounds is not None:
        b = [(lo, hi) for lo, hi in bounds]
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        r = minimize(logged, x0, method='TNC', jac=True, bounds=b, options=options)
    assert r.nfev == len(evals), (name, r.nfev, len(evals))
    return {
        'name': name,
        'function': fname,
        'x0': x0,
        'options': options,
        'bounds': bounds,
        'evals': evals,
        'x': [float(v) for v in r.x],
        'fun': float(r.fun),
        'nfev': int(r.nfev),
        'nit': int(r.nit),
        'status': int(r.status),
        'message': str(r.message),
        'success': bool(r.success),
    }


if __name__ == '__main__':
    out = {'scipy': scipy.__version__, 'cases': [run(*c) for c in CASES]}
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write('\n')
