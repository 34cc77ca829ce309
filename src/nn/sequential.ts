/**
 * Sequential: a stack of layers trained as one model, Keras-shaped (compile / fit / evaluate / predict /
 * trainOnBatch / computeGradients / getState / setState). All random draws come from the model's seed:
 * initialisation (one derived stream per layer), dropout masks and shuffling (own streams, part of the state).
 */
import type { Backend, DType, FloatArray } from '../kernels/backend.js';
import { Optimizer } from '../optim/optimizer.js';
import { Tensor, defaultBackend, shapeSize } from '../tensor/tensor.js';
import type { History } from '../train/callbacks.js';
import { DivergenceError } from '../train/errors.js';
import { fitModel, gatherRows, type FitOptions } from '../train/fit.js';
import { countCorrect } from '../train/metrics.js';
import type { TrainableModel } from '../train/model.js';
import type { ModelState } from '../train/state.js';
import { Rng } from '../util/rng.js';
import { BatchBuffer } from './buffers.js';
import type { Layer, Param, RandomSource } from './layer.js';
import { Loss, parseLoss, softmaxRows, type LossSpec } from './losses.js';

export interface SequentialOptions {
  /** Shape of one example without the batch dimension, e.g. [1, 28, 28] or [10]. */
  inputShape: readonly number[];
  /** Default 'float32'. */
  dtype?: DType;
  /** Default: getBackend() for float32, the reference backend for float64. */
  backend?: Backend;
  seed: number;
}

export interface CompileOptions {
  optimizer: Optimizer;
  loss: LossSpec;
  metrics?: 'accuracy'[];
}

interface Compiled {
  optimizer: Optimizer;
  loss: Loss;
  accuracy: boolean;
  /** Accuracy threshold for one output: 0 on logits, 0.5 on probabilities. */
  threshold: number;
}

/** A Keras-shaped stack of layers; fit and fitResumable train it through the TrainableModel interface. */
export class Sequential implements TrainableModel {
  readonly layers: readonly Layer[];
  readonly backend: Backend;
  readonly dtype: DType;
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  readonly seed: number;
  /** Epochs completed by fit; the initialEpoch to resume with. */
  epoch = 0;
  /** Batches trained so far (fit and trainOnBatch). */
  iteration = 0;
  /** The stream fit shuffles with (replaced by setState). */
  shuffleRng: Rng;
  private readonly noise: RandomSource;
  private readonly params: Param[];
  private readonly needInputGrad: boolean[];
  private readonly inWidth: number;
  private readonly outWidth: number;
  private readonly xBuf: BatchBuffer;
  private readonly yBuf: BatchBuffer;
  private readonly dOut: BatchBuffer;
  /** The output activation the model applies itself (fused into the loss in training), if any. */
  private fused: 'softmax' | 'sigmoid' | null = null;
  private compiled: Compiled | null = null;

  constructor(layers: Layer[], o: SequentialOptions) {
    if (!Array.isArray(layers) || layers.length === 0)
      throw new Error('Sequential: needs at least one layer');
    if (!Number.isFinite(o.seed)) throw new Error(`Sequential: seed must be a finite number, got ${o.seed}`);
    this.dtype = o.dtype ?? 'float32';
    if (this.dtype !== 'float32' && this.dtype !== 'float64') {
      throw new Error(`Sequential: dtype must be 'float32' or 'float64', got ${String(this.dtype)}`);
    }
    this.backend = o.backend ?? defaultBackend(this.dtype);
    this.inputShape = Object.freeze([...o.inputShape]);
    this.inWidth = shapeSize(this.inputShape, 'Sequential inputShape');
    this.seed = o.seed;
    this.layers = Object.freeze([...layers]);
    nameLayers(this.layers);

    const root = new Rng(o.seed);
    const initRng = root.derive(0);
    this.noise = { rng: root.derive(1) };
    this.shuffleRng = root.derive(2);
    let shape: readonly number[] = this.inputShape;
    this.layers.forEach((layer, i) => {
      shape = layer.build(shape, {
        backend: this.backend,
        dtype: this.dtype,
        initRng: initRng.derive(i),
        noise: this.noise,
      });
    });
    this.outputShape = shape;
    this.outWidth = shapeSize(shape);
    this.params = this.layers.flatMap((l) => l.params);
    // The first layers (up to and including the first with weights) need no ∂L/∂x: nothing upstream learns.
    let seenParams = false;
    this.needInputGrad = this.layers.map((l) => {
      const need = seenParams;
      if (l.params.length > 0) seenParams = true;
      return need;
    });
    this.layers.forEach((l, i) => {
      if (i < this.layers.length - 1 && l.outputActivation?.spec.kind === 'softmax') {
        throw new Error(
          `Sequential: softmax is only supported on the last layer, found on "${l.name}" (layer ${i})`,
        );
      }
    });
    const last = this.layers[this.layers.length - 1].outputActivation;
    if (last?.spec.kind === 'softmax') {
      last.skipped = true;
      this.fused = 'softmax';
    }
    this.xBuf = new BatchBuffer(this.backend, this.dtype, this.inWidth);
    this.yBuf = new BatchBuffer(this.backend, this.dtype, this.outWidth);
    this.dOut = new BatchBuffer(this.backend, this.dtype, this.outWidth);
  }

  /**
   * Sets optimiser, loss and metrics. Output handling: a softmax output is fused with categoricalCrossentropy
   * (the loss works on the logits, ∂L/∂z = (p − t)/n); a sigmoid output with binaryCrossentropy likewise (the
   * stable logit form, the same gradient as the chain rule without clipping); for a linear output
   * `fromLogits` defaults to true; other outputs are taken as probabilities.
   */
  compile(o: CompileOptions): void {
    const fn = 'Sequential.compile';
    if (!(o.optimizer instanceof Optimizer)) {
      throw new Error(
        `${fn}: optimizer must be an Optimizer (new SGD(...) or new Adam(...)), got ${String(o.optimizer)}`,
      );
    }
    const { name, fromLogits } = parseLoss(o.loss, fn);
    for (const m of o.metrics ?? []) {
      if (m !== 'accuracy') throw new Error(`${fn}: unknown metric ${JSON.stringify(m)} (only 'accuracy')`);
    }
    const lastStage = this.layers[this.layers.length - 1].outputActivation;
    const lastKind = lastStage?.spec.kind ?? 'linear';
    let logits: boolean;
    if (this.fused === 'sigmoid' && lastStage !== null) {
      lastStage.skipped = false;
      this.fused = null;
    }
    if (lastKind === 'softmax') {
      if (name !== 'categoricalCrossentropy' || fromLogits === true) {
        throw new Error(
          `${fn}: a softmax output needs loss categoricalCrossentropy (without fromLogits: true), got ${JSON.stringify(o.loss)}`,
        );
      }
      logits = true;
    } else if (lastKind === 'sigmoid' && name === 'binaryCrossentropy') {
      if (fromLogits === true)
        throw new Error(`${fn}: fromLogits: true contradicts the sigmoid output layer`);
      (lastStage as NonNullable<typeof lastStage>).skipped = true;
      this.fused = 'sigmoid';
      logits = true;
    } else if (name === 'meanSquaredError') {
      logits = false;
    } else {
      logits = fromLogits ?? lastKind === 'linear';
    }
    this.compiled?.loss.dispose();
    this.compiled = {
      optimizer: o.optimizer,
      loss: new Loss(name, logits, this.backend, this.dtype, this.outWidth),
      accuracy: (o.metrics ?? []).includes('accuracy'),
      threshold: logits ? 0 : 0.5,
    };
  }

  /** The compiled settings; throws naming `fn` before compile(). */
  requireCompiled(fn: string): Compiled {
    if (this.compiled === null) throw new Error(`${fn}: call compile() first`);
    return this.compiled;
  }

  get optimizer(): Optimizer | null {
    return this.compiled?.optimizer ?? null;
  }

  /** Total number of weights (trainable and BN moving statistics). */
  countParams(): number {
    return this.layers.reduce((s, l) => s + l.countParams, 0);
  }

  /** A Keras-like table: one row per layer with its name, kind, output shape and number of weights. */
  summary(): string {
    const rows = this.layers.map((l) => [
      l.name,
      l.kind,
      `[${l.outputShape.join(', ')}]`,
      String(l.countParams),
    ]);
    const head = ['layer', 'kind', 'output shape', 'params'];
    const widths = head.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
    const line = (r: string[]): string =>
      r.map((c, j) => (j === 3 ? c.padStart(widths[j]) : c.padEnd(widths[j]))).join('  ');
    return [line(head), ...rows.map(line), `total params: ${this.countParams()}`].join('\n');
  }

  /**
   * Checks x [N, ...inputShape] and y [N, ...outputShape] (y may be null), all values finite; returns N.
   */
  checkData(fn: string, x: Tensor, y: Tensor | null): number {
    if (!(x instanceof Tensor)) throw new Error(`${fn}: x must be a Tensor`);
    const count = x.shape[0];
    if (x.shape.length !== this.inputShape.length + 1 || x.size !== count * this.inWidth) {
      throw new Error(
        `${fn}: x has shape [${x.shape.join(', ')}], the model expects [N, ${this.inputShape.join(', ')}]`,
      );
    }
    if (!x.backend.allFinite(x.data)) throw new Error(`${fn}: x contains NaN or infinite values`);
    if (y !== null) {
      if (!(y instanceof Tensor)) throw new Error(`${fn}: y must be a Tensor`);
      if (y.shape[0] !== count || y.size !== count * this.outWidth) {
        throw new Error(
          `${fn}: y has shape [${y.shape.join(', ')}], expected [${count}, ${this.outputShape.join(', ')}] for x [${x.shape.join(', ')}]`,
        );
      }
      if (!y.backend.allFinite(y.data)) throw new Error(`${fn}: y contains NaN or infinite values`);
    }
    return count;
  }

  /** The batch input buffer for n examples (the fit loop gathers into it). */
  batchInput(n: number): FloatArray {
    return this.xBuf.get(n);
  }

  /** The batch target buffer for n examples. */
  batchTarget(n: number): FloatArray {
    return this.yBuf.get(n);
  }

  /** Forward through all layers on the batch input buffer; returns the output (logits when fused). */
  private forward(n: number, training: boolean): FloatArray {
    let a = this.xBuf.get(n);
    for (const layer of this.layers) a = layer.forward(a, n, training);
    return a;
  }

  /** Forward (training mode) + loss + backward on the batch buffers; gradients are left in the layers. */
  private forwardBackward(n: number): { loss: number; correct: number } {
    const c = this.requireCompiled('Sequential');
    const out = this.forward(n, true);
    const t = this.yBuf.get(n);
    let g: FloatArray | null = this.dOut.get(n);
    const loss = c.loss.compute(n, this.outWidth, out, t, g);
    const correct = c.accuracy ? countCorrect(n, this.outWidth, out, t, c.threshold) : 0;
    if (!Number.isFinite(loss)) return { loss, correct };
    for (let i = this.layers.length - 1; i >= 0 && g !== null; i--) {
      g = this.layers[i].backward(g, n, this.needInputGrad[i]);
    }
    return { loss, correct };
  }

  /**
   * One training step on the n examples in the batch buffers: forward, loss, backward, optimiser update,
   * iteration + 1. A non-finite loss skips backward and update (the caller decides about divergence).
   */
  trainStep(n: number): { loss: number; correct: number } {
    const c = this.requireCompiled('Sequential.trainStep');
    const r = this.forwardBackward(n);
    if (!Number.isFinite(r.loss)) return r;
    c.optimizer.step(this.params);
    this.iteration++;
    return r;
  }

  /** Keras' fit: see FitOptions. Throws DivergenceError when a batch loss is NaN/∞ (unless a callback stops). */
  fit(x: Tensor, y: Tensor, o: FitOptions): Promise<History> {
    return fitModel(this, x, y, o);
  }

  private loadBatch(fn: string, x: Tensor, y: Tensor): number {
    const n = this.checkData(fn, x, y);
    if (n === 0) throw new Error(`${fn}: empty batch`);
    gatherRows(x.data, this.inWidth, null, 0, n, this.xBuf.get(n));
    gatherRows(y.data, this.outWidth, null, 0, n, this.yBuf.get(n));
    return n;
  }

  /** One optimiser step on the batch (x, y); leaves the gradients readable. Throws DivergenceError on NaN/∞. */
  trainOnBatch(x: Tensor, y: Tensor): { loss: number; accuracy?: number } {
    const c = this.requireCompiled('Sequential.trainOnBatch');
    const n = this.loadBatch('Sequential.trainOnBatch', x, y);
    const r = this.trainStep(n);
    if (!Number.isFinite(r.loss)) throw new DivergenceError(this.epoch, this.iteration, r.loss);
    return c.accuracy ? { loss: r.loss, accuracy: r.correct / n } : { loss: r.loss };
  }

  /**
   * Forward (training mode: batch statistics, dropout, and BN moving averages update as in Keras) and backward
   * on (x, y) as one batch, without an update; returns the mean loss, the gradients stay in layer.gradients.
   */
  computeGradients(x: Tensor, y: Tensor): number {
    this.requireCompiled('Sequential.computeGradients');
    const n = this.loadBatch('Sequential.computeGradients', x, y);
    return this.forwardBackward(n).loss;
  }

  /** Runs inference over checked data in batches, calling `each` with every batch's output. */
  private batches(
    fn: string,
    count: number,
    x: Tensor,
    y: Tensor | null,
    batchSize: number,
    each: (start: number, n: number, out: FloatArray) => void,
  ): void {
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new Error(`${fn}: batchSize must be a positive integer, got ${batchSize}`);
    }
    for (let start = 0; start < count; start += batchSize) {
      const n = Math.min(batchSize, count - start);
      gatherRows(x.data, this.inWidth, null, start, n, this.xBuf.get(n));
      if (y !== null) gatherRows(y.data, this.outWidth, null, start, n, this.yBuf.get(n));
      each(start, n, this.forward(n, false));
    }
  }

  /** Mean loss (and accuracy) over (x, y) in inference mode (BN moving statistics, no dropout). */
  evaluate(x: Tensor, y: Tensor, o: { batchSize?: number } = {}): { loss: number; accuracy?: number } {
    const fn = 'Sequential.evaluate';
    const c = this.requireCompiled(fn);
    let lossSum = 0;
    let correct = 0;
    let count = 0;
    this.batches(fn, this.checkData(fn, x, y), x, y, o.batchSize ?? 256, (_start, n, out) => {
      const t = this.yBuf.get(n);
      lossSum += c.loss.compute(n, this.outWidth, out, t, this.dOut.get(n)) * n;
      if (c.accuracy) correct += countCorrect(n, this.outWidth, out, t, c.threshold);
      count += n;
    });
    if (count === 0) throw new Error(`${fn}: no examples`);
    return c.accuracy ? { loss: lossSum / count, accuracy: correct / count } : { loss: lossSum / count };
  }

  /** Outputs [N, ...outputShape] in inference mode; a fused softmax/sigmoid output is applied here. */
  predict(x: Tensor, o: { batchSize?: number } = {}): Tensor {
    const fn = 'Sequential.predict';
    const count = this.checkData(fn, x, null);
    const result = Tensor.zeros([count, ...this.outputShape], { dtype: this.dtype, backend: this.backend });
    try {
      this.batches(fn, count, x, null, o.batchSize ?? 256, (start, n, out) => {
        const dst = result.data.subarray(start * this.outWidth, (start + n) * this.outWidth);
        if (this.fused === 'sigmoid') {
          this.backend.activation('sigmoid', 0, out, dst);
        } else {
          dst.set(out);
          if (this.fused === 'softmax') softmaxRows(n, this.outWidth, dst);
        }
      });
    } catch (e) {
      result.dispose();
      throw e;
    }
    return result;
  }

  /** Copies of every layer's weights, in layer order (Keras' get_weights, BN moving statistics included). */
  getWeights(): (Float32Array | Float64Array)[] {
    return this.layers.flatMap((l) => l.weights.map((w) => w.value.data.slice()));
  }

  /** Sets every weight from arrays in getWeights() order; lengths must match exactly. */
  setWeights(arrays: ArrayLike<number>[]): void {
    const targets = this.layers.flatMap((l) => l.weights);
    if (arrays.length !== targets.length) {
      throw new Error(
        `Sequential.setWeights: got ${arrays.length} arrays, the model has ${targets.length} weights`,
      );
    }
    targets.forEach((w, i) => {
      if (arrays[i].length !== w.value.size) {
        throw new Error(
          `Sequential.setWeights: ${w.name} has ${w.value.size} elements, array ${i} has ${arrays[i].length}`,
        );
      }
    });
    targets.forEach((w, i) => w.value.data.set(arrays[i]));
  }

  /** Everything needed to continue training bit-identically (see ModelState). */
  getState(): ModelState {
    return {
      weights: this.getWeights(),
      optimizer: this.compiled?.optimizer.getState() ?? null,
      noiseRng: this.noise.rng.state(),
      shuffleRng: this.shuffleRng.state(),
      epoch: this.epoch,
      iteration: this.iteration,
    };
  }

  /** Restores getState()'s snapshot (the model must be compiled with a like optimiser if it holds one). */
  setState(s: ModelState): void {
    if (s.optimizer !== null) this.requireCompiled('Sequential.setState').optimizer.setState(s.optimizer);
    this.setWeights(s.weights);
    this.noise.rng = Rng.fromState(s.noiseRng);
    this.shuffleRng = Rng.fromState(s.shuffleRng);
    this.epoch = s.epoch;
    this.iteration = s.iteration;
  }

  /** Returns all memory (weights, buffers, optimiser slots) to the backend; the model is unusable after. */
  dispose(): void {
    for (const l of this.layers) l.dispose();
    this.xBuf.dispose();
    this.yBuf.dispose();
    this.dOut.dispose();
    this.compiled?.loss.dispose();
    this.compiled?.optimizer.dispose();
    this.compiled = null;
  }
}

/** Keras-style default names, counted per model: dense, dense_1, …; explicit names must be unique. */
function nameLayers(layers: readonly Layer[]): void {
  const counts = new Map<string, number>();
  const used = new Set<string>();
  for (const l of layers) {
    if (l.name === '') {
      const k = counts.get(l.kind) ?? 0;
      counts.set(l.kind, k + 1);
      l.name = k === 0 ? l.kind : `${l.kind}_${k}`;
    }
    if (used.has(l.name)) throw new Error(`Sequential: two layers are named "${l.name}"`);
    used.add(l.name);
  }
}
