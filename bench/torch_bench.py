"""PyTorch side of `npm run bench`: the same GEMMs and LeNet-5 nets as src/bench, timed the same way
(best of several repetitions). Prints one JSON object {row name: value}. Run with OPENBLAS_NUM_THREADS=1;
torch.set_num_threads(1) everywhere except the 2-thread row."""
import json
import sys
import time

import torch
import torch.nn as nn

BATCH = 128


def best_rate(step, warmup, steps, reps, per_step):
    for _ in range(warmup):
        step()
    best = 0.0
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        best = max(best, steps * per_step / (time.perf_counter() - t0))
    return best


def gemm_gflops(n, dtype):
    a = torch.rand(n, n, dtype=dtype)
    b = torch.rand(n, n, dtype=dtype)
    c = torch.empty(n, n, dtype=dtype)
    reps_per = 8 if n <= 256 else 2
    return best_rate(lambda: torch.mm(a, b, out=c), 2, reps_per, 15, 2 * n**3) / 1e9


def lenet(variant):
    """Mirrors src/nn/models/lenet5.ts: BN before the activation (conv/dense without bias), Keras BN
    (eps 1e-3, momentum 0.99 = PyTorch momentum 0.01), dropout after each hidden block."""
    bn = variant != "relu"
    drop = variant == "bn-dropout"
    layers = []
    if drop:
        layers += [nn.BatchNorm2d(1, eps=1e-3, momentum=0.01), nn.Dropout(0.2)]

    def block(linear, norm):
        return [linear, norm, nn.ReLU()] if bn else [linear, nn.ReLU()]

    layers += block(nn.Conv2d(1, 6, 5, padding=2, bias=not bn), nn.BatchNorm2d(6, eps=1e-3, momentum=0.01))
    layers += [nn.MaxPool2d(2)] + ([nn.Dropout(0.5)] if drop else [])
    layers += block(nn.Conv2d(6, 16, 5, bias=not bn), nn.BatchNorm2d(16, eps=1e-3, momentum=0.01))
    layers += [nn.MaxPool2d(2)] + ([nn.Dropout(0.5)] if drop else [])
    layers += [nn.Flatten()]
    layers += block(nn.Linear(400, 120, bias=not bn), nn.BatchNorm1d(120, eps=1e-3, momentum=0.01))
    layers += [nn.Dropout(0.5)] if drop else []
    layers += block(nn.Linear(120, 84, bias=not bn), nn.BatchNorm1d(84, eps=1e-3, momentum=0.01))
    layers += [nn.Dropout(0.5)] if drop else []
    layers += [nn.Linear(84, 10)]
    return nn.Sequential(*layers)


def train_rate(variant, threads=1):
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    model = lenet(variant)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss()
    x = torch.rand(BATCH, 1, 28, 28)
    y = torch.randint(0, 10, (BATCH,))

    def step():
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()

    r = best_rate(step, 5, 20, 5, BATCH)
    torch.set_num_threads(1)
    return r


def infer_rate():
    torch.manual_seed(1)
    model = lenet("relu").eval()
    x = torch.rand(BATCH, 1, 28, 28)

    def step():
        with torch.no_grad():
            model(x)

    return best_rate(step, 5, 40, 5, BATCH)


ROWS = {
    "gemm-f32-256": lambda: gemm_gflops(256, torch.float32),
    "gemm-f32-512": lambda: gemm_gflops(512, torch.float32),
    "gemm-f64-256": lambda: gemm_gflops(256, torch.float64),
    "gemm-f64-512": lambda: gemm_gflops(512, torch.float64),
    "lenet5-train-relu": lambda: train_rate("relu"),
    "lenet5-train-bn": lambda: train_rate("bn"),
    "lenet5-train-bn-dropout": lambda: train_rate("bn-dropout"),
    "lenet5-infer": infer_rate,
    "lenet5-train-2workers": lambda: train_rate("relu", threads=2),
}

if __name__ == "__main__":
    torch.set_num_threads(1)
    names = sys.argv[1:] or list(ROWS)
    # Rows without a PyTorch counterpart (nnlab's own metrics log) are left out; the table shows a dash.
    print(json.dumps({name: ROWS[name]() for name in names if name in ROWS}))
