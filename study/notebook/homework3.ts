// %% [markdown]
// # Homework 3
//
// Every number, figure and sentence of discussion below is computed by the code cells of this notebook, run
// in the TypeScript kernel (tslab) against the nnlab library. Heavy training runs on nnlab's worker pool and is
// kept in a run directory: the first execution trains, later executions load the stored results in seconds,
// and an interrupted execution resumes from its checkpoints with identical numbers.

// %%
// The library (training engine, run store, display helper) and the homework's experiments and analyses.
import { NNLAB_VERSION, runStored, type StoredRunOptions } from 'nnlab';
import {
  p1,
  p2,
  p3,
  p4,
  p5,
  p1Section,
  p2Section,
  p3Section,
  p4Section,
  p5Section,
  showSection,
} from 'nnlab-homework3';

// %% tags=["parameters"]
// Run parameters. `nnlab run` injects its --out, --quick, --seed, --set and --workers after this cell
// (as Object.assign(params, {...})); change them here when you run the notebook yourself in JupyterLab.
const params: StoredRunOptions = {
  out: '../../runs/latest',
  quick: false,
  seed: 1,
  settings: [],
  workers: 2,
};

// %%
// Every experiment below reads and writes this run directory with these settings.
const run: StoredRunOptions = { ...params };
const scale = [run.quick ? 'quick' : 'full', ...(run.settings ?? [])].join(', ');
console.log(`nnlab ${NNLAB_VERSION} · seed ${run.seed} · scale ${scale} · run directory ${run.out}`);

// %% [markdown]
// ## Problem 1 — Softmax activation function
//
// The derivations and their numerical check: central finite differences in float64 against the analytic
// Jacobian of softmax and the gradient of the cross-entropy, for random and extreme logits.

// %%
// Finite-difference checks of both derivations (nothing to train).
const r1 = await runStored(p1, run);
await showSection(p1Section(r1));

// %% [markdown]
// ## Problem 2 — Neural network training and backpropagation
//
// The ex4 network (400-25-10) against the homework's 400-20-20-10 with the scaled sigmoid
// σ̂(z) = 1/(1+e^(−2z)), both trained with the truncated-Newton optimiser (TNC, 250 evaluations).

// %%
// Both networks over several seeds, TNC on the worker pool.
const r2 = await runStored(p2, run);
await showSection(p2Section(r2));

// %% [markdown]
// ## Problem 3 — Weight initialisation, dead neurons, leaky ReLU

// %%
// Gradients per layer at initialisation for each initialiser, and the dying-ReLU study over many nets.
const r3 = await runStored(p3, run);
await showSection(p3Section(r3));

// %% [markdown]
// ## Problem 4 — Batch normalisation, dropout, MNIST

// %%
// LeNet-5 variants (batch norm, dropout, both) × seeds on MNIST.
const r4 = await runStored(p4, run);
await showSection(p4Section(r4));

// %% [markdown]
// ## Problem 5 — Learning rate, batch size, Fashion-MNIST

// %%
// The learning-rate sweep and range test, the cyclical learning rate, and the batch-size schedule.
const r5 = await runStored(p5, run);
await showSection(p5Section(r5));
