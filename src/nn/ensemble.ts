/**
 * N small fully connected nets trained in lockstep as one batched computation: every parameter array holds
 * all nets ([N, out, in] kernels, [N, out] biases, and the same for gradients and Adam moments), one training
 * step runs the forward/backward pass of every net on its own minibatch and then one Adam pass over the
 * whole arrays. This is what makes the 1000-net dying-ReLU study of Problem 3 cheap: the nets are far too
 * small (width 2) for GEMM kernels, so the work is plain loops over typed arrays laid out so the long
 * dimension (the minibatch) is innermost, and the 2→2 layers are unrolled.
 *
 * Everything is float64: JavaScript computes in doubles anyway, and Float32Array storage measured slower
 * here (1.19 vs 1.09 ms per net and epoch of the width-2 study: every store rounds).
 *
 * Model of every net: h_0 = x, z_l = W_l·h_{l−1} + b_l, h_l = φ(z_l) for hidden layers, linear output,
 * loss = mean squared error over the minibatch and the outputs (Keras' `meanSquaredError`).
 * φ(z) = z > 0 ? z : slope·z (slope 0 is ReLU, with φ'(0) = 0 as in TensorFlow and PyTorch).
 */
import { referenceBackend } from '../kernels/reference.js';
import type { Rng } from '../util/rng.js';
import type { Initializer } from './initializers.js';

export type EnsembleActivation = 'relu' | 'leakyRelu';

export interface EnsembleSpec {
  /** Number of nets N. */
  count: number;
  /** Layer widths from input to output, e.g. [1, 2, 2, …, 2, 1] (10 hidden layers of width 2). */
  sizes: readonly number[];
  /** Hidden activation; the output layer is linear. */
  activation: EnsembleActivation;
  /** Negative slope of leakyRelu (default 0.01); ignored for relu. */
  slope?: number;
  /** Largest minibatch the work arrays are sized for (default 64); larger inputs are processed in chunks. */
  maxBatch?: number;
}

/** Adam as nnlab's optimizer and `Backend.adamStep` apply it: m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g², p ← p − lr·(m/(1−β1^t))/(√(v/(1−β2^t)) + ε). */
export interface AdamSettings {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

export const defaultAdam: AdamSettings = { learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };

/** Everything needed to resume training bit for bit (plain arrays, copies). */
export interface EnsembleState {
  weights: Float64Array[];
  biases: Float64Array[];
  mW: Float64Array[];
  vW: Float64Array[];
  mB: Float64Array[];
  vB: Float64Array[];
  step: number;
}

export class MlpEnsemble {
  readonly count: number;
  readonly sizes: readonly number[];
  readonly activation: EnsembleActivation;
  /** φ(z) = z for z > 0, negativeSlope·z otherwise. */
  readonly negativeSlope: number;
  /** weights[l] is [N, sizes[l+1], sizes[l]] row-major: net n's W_l[o][i] at n·out·in + o·in + i. */
  readonly weights: Float64Array[];
  /** biases[l] is [N, sizes[l+1]]. */
  readonly biases: Float64Array[];
  /** dLoss/dW and dLoss/db of the last computeGradients/trainStep, same layout as the parameters. */
  readonly gradW: Float64Array[];
  readonly gradB: Float64Array[];
  private readonly mW: Float64Array[];
  private readonly vW: Float64Array[];
  private readonly mB: Float64Array[];
  private readonly vB: Float64Array[];
  /** Adam steps taken (shared by all nets: they step in lockstep). */
  step = 0;
  private readonly maxBatch: number;
  /** Work arrays, feature-major ([features, batch]) so the inner loops run over the batch: inputs of each layer, pre-activations, dLoss/dz. */
  private readonly act: Float64Array[];
  private readonly pre: Float64Array[];
  private readonly delta: Float64Array[];
  private readonly rows: Int32Array;

  constructor(spec: EnsembleSpec) {
    const { count, sizes } = spec;
    if (!Number.isInteger(count) || count < 1)
      throw new Error(`MlpEnsemble: count must be a positive integer, got ${count}`);
    if (sizes.length < 2 || sizes.some((s) => !Number.isInteger(s) || s < 1)) {
      throw new Error(`MlpEnsemble: sizes must be ≥ 2 positive integers, got [${sizes.join(', ')}]`);
    }
    this.count = count;
    this.sizes = [...sizes];
    this.activation = spec.activation;
    this.negativeSlope = spec.activation === 'relu' ? 0 : (spec.slope ?? 0.01);
    this.maxBatch = spec.maxBatch ?? 64;
    const make = (n: number): Float64Array => new Float64Array(n);
    const L = sizes.length - 1;
    const perLayer = (f: (l: number) => number): Float64Array[] =>
      Array.from({ length: L }, (_, l) => make(f(l)));
    this.weights = perLayer((l) => count * sizes[l + 1] * sizes[l]);
    this.biases = perLayer((l) => count * sizes[l + 1]);
    this.gradW = perLayer((l) => count * sizes[l + 1] * sizes[l]);
    this.gradB = perLayer((l) => count * sizes[l + 1]);
    this.mW = perLayer((l) => count * sizes[l + 1] * sizes[l]);
    this.vW = perLayer((l) => count * sizes[l + 1] * sizes[l]);
    this.mB = perLayer((l) => count * sizes[l + 1]);
    this.vB = perLayer((l) => count * sizes[l + 1]);
    this.act = sizes.slice(0, -1).map((s) => make(s * this.maxBatch));
    this.pre = perLayer((l) => sizes[l + 1] * this.maxBatch);
    this.delta = perLayer((l) => sizes[l + 1] * this.maxBatch);
    this.rows = new Int32Array(this.maxBatch);
  }

  /** Number of weight layers (hidden layers + output). */
  get layerCount(): number {
    return this.sizes.length - 1;
  }

  /**
   * Initialises net by net from its own generator, as a Dense layer would: for each layer a kernel of shape
   * [in, out] (Keras' layout, fans in/out) is filled by `initializer` from rngs[n], stored transposed as W_l;
   * biases are 0. With 'heNormal' this is He et al.'s N(0, 2/fanIn) (Keras' truncated form), a symmetric law
   * as the born-dead theory of Lu et al. assumes. Resets the optimizer.
   */
  initialize(initializer: Initializer, rngs: readonly Rng[]): void {
    if (rngs.length !== this.count)
      throw new Error(`MlpEnsemble.initialize: need ${this.count} generators, got ${rngs.length}`);
    const { sizes } = this;
    for (let l = 0; l < this.layerCount; l++) {
      const fin = sizes[l];
      const fout = sizes[l + 1];
      const kernel = new Float64Array(fin * fout);
      const W = this.weights[l];
      for (let n = 0; n < this.count; n++) {
        initializer.fill(kernel, { fanIn: fin, fanOut: fout }, rngs[n]);
        for (let o = 0; o < fout; o++)
          for (let i = 0; i < fin; i++) W[n * fout * fin + o * fin + i] = kernel[i * fout + o];
      }
      this.biases[l].fill(0);
    }
    this.resetOptimizer();
  }

  /** Zeroes the Adam moments and step count. */
  resetOptimizer(): void {
    for (const a of [...this.mW, ...this.vW, ...this.mB, ...this.vB]) a.fill(0);
    this.step = 0;
  }

  /**
   * Outputs of every net on the same `points` inputs: grid is [points, sizes[0]] row-major, out is
   * [N, points, sizes[L]] (out[n·points·dOut + p·dOut + k] = f_n(grid_p)_k).
   */
  predictShared(grid: ArrayLike<number>, points: number, out: Float64Array): void {
    const d0 = this.sizes[0];
    const dOut = this.sizes[this.layerCount];
    this.checkLength('predictShared', 'grid', grid.length, points * d0);
    this.checkLength('predictShared', 'out', out.length, this.count * points * dOut);
    for (let n = 0; n < this.count; n++) {
      for (let p0 = 0; p0 < points; p0 += this.maxBatch) {
        const B = Math.min(this.maxBatch, points - p0);
        const a0 = this.act[0];
        for (let b = 0; b < B; b++) for (let i = 0; i < d0; i++) a0[i * B + b] = grid[(p0 + b) * d0 + i];
        const y = this.forward(n, B);
        for (let b = 0; b < B; b++)
          for (let k = 0; k < dOut; k++) out[(n * points + p0 + b) * dOut + k] = y[k * B + b];
      }
    }
  }

  /**
   * Per-net mean squared error over all `points` samples of its own data: x is [N, points, sizes[0]], y is
   * [N, points, sizes[L]]; loss_n = (1/(points·dOut))·Σ (f_n(x) − y)².
   */
  evaluate(x: Float64Array, y: Float64Array, points: number): Float64Array {
    const d0 = this.sizes[0];
    const dOut = this.sizes[this.layerCount];
    this.checkLength('evaluate', 'x', x.length, this.count * points * d0);
    this.checkLength('evaluate', 'y', y.length, this.count * points * dOut);
    const loss = new Float64Array(this.count);
    for (let n = 0; n < this.count; n++) {
      let sum = 0;
      for (let p0 = 0; p0 < points; p0 += this.maxBatch) {
        const B = Math.min(this.maxBatch, points - p0);
        const a0 = this.act[0];
        for (let b = 0; b < B; b++)
          for (let i = 0; i < d0; i++) a0[i * B + b] = x[(n * points + p0 + b) * d0 + i];
        const out = this.forward(n, B);
        for (let b = 0; b < B; b++) {
          for (let k = 0; k < dOut; k++) {
            const e = out[k * B + b] - y[(n * points + p0 + b) * dOut + k];
            sum += e * e;
          }
        }
      }
      loss[n] = sum / (points * dOut);
    }
    return loss;
  }

  /**
   * Loss and gradients of every net on a minibatch of its own data, without an update. x is [N, points, d0],
   * y is [N, points, dOut]; `index` ([N, points], or null for 0..points−1) lists each net's sample order and
   * the batch is entries start … start+batch−1 of it. Gradients land in gradW/gradB; returns loss_n.
   */
  computeGradients(
    x: Float64Array,
    y: Float64Array,
    points: number,
    index: Int32Array | null,
    start: number,
    batch: number,
    lossOut?: Float64Array,
  ): Float64Array {
    const d0 = this.sizes[0];
    const dOut = this.sizes[this.layerCount];
    this.checkLength('computeGradients', 'x', x.length, this.count * points * d0);
    this.checkLength('computeGradients', 'y', y.length, this.count * points * dOut);
    if (index !== null) this.checkLength('computeGradients', 'index', index.length, this.count * points);
    if (!(batch >= 1 && batch <= this.maxBatch && start >= 0 && start + batch <= points)) {
      throw new Error(
        `MlpEnsemble.computeGradients: batch ${start}…${start + batch - 1} must lie in 0…${points - 1} and have 1…${this.maxBatch} samples`,
      );
    }
    const loss = lossOut ?? new Float64Array(this.count);
    const B = batch;
    const a0 = this.act[0];
    const L = this.layerCount;
    const dLast = this.delta[L - 1];
    const scale = 2 / (B * dOut);
    const rows = this.rows;
    for (let n = 0; n < this.count; n++) {
      // Global row of each batch sample in x and y, resolved once for the gather and for the loss.
      for (let b = 0; b < B; b++)
        rows[b] = n * points + (index === null ? start + b : index[n * points + start + b]);
      for (let b = 0; b < B; b++) for (let i = 0; i < d0; i++) a0[i * B + b] = x[rows[b] * d0 + i];
      const out = this.forward(n, B);
      let sum = 0;
      for (let b = 0; b < B; b++) {
        for (let k = 0; k < dOut; k++) {
          const e = out[k * B + b] - y[rows[b] * dOut + k];
          sum += e * e;
          dLast[k * B + b] = scale * e;
        }
      }
      loss[n] = sum / (B * dOut);
      this.backward(n, B);
    }
    return loss;
  }

  /** computeGradients on the minibatch, then one Adam step for all nets; returns loss_n before the step. */
  trainStep(
    x: Float64Array,
    y: Float64Array,
    points: number,
    index: Int32Array | null,
    start: number,
    batch: number,
    adam: AdamSettings,
    lossOut?: Float64Array,
  ): Float64Array {
    const loss = this.computeGradients(x, y, points, index, start, batch, lossOut);
    this.adamStep(adam);
    return loss;
  }

  /**
   * One epoch: each net visits its own data in the order `index` ([N, points]) in minibatches of `batchSize`
   * (the last one smaller when batchSize does not divide points, as Keras does). Returns each net's mean
   * minibatch loss over the epoch.
   */
  trainEpoch(
    x: Float64Array,
    y: Float64Array,
    points: number,
    index: Int32Array,
    batchSize: number,
    adam: AdamSettings,
  ): Float64Array {
    const mean = new Float64Array(this.count);
    const loss = new Float64Array(this.count);
    let batches = 0;
    for (let start = 0; start < points; start += batchSize) {
      this.trainStep(x, y, points, index, start, Math.min(batchSize, points - start), adam, loss);
      for (let n = 0; n < this.count; n++) mean[n] += loss[n];
      batches++;
    }
    for (let n = 0; n < this.count; n++) mean[n] /= batches;
    return mean;
  }

  /** One Adam update of every parameter of every net from gradW/gradB (formula at AdamSettings). */
  adamStep(adam: AdamSettings): void {
    this.step++;
    const { learningRate: lr, beta1, beta2, epsilon } = adam;
    // The reference kernel takes plain typed arrays (the wasm one needs its own memory): one call updates a
    // layer's parameters of all N nets at once.
    for (let l = 0; l < this.layerCount; l++) {
      referenceBackend.adamStep(
        this.weights[l],
        this.gradW[l],
        this.mW[l],
        this.vW[l],
        lr,
        beta1,
        beta2,
        epsilon,
        this.step,
      );
      referenceBackend.adamStep(
        this.biases[l],
        this.gradB[l],
        this.mB[l],
        this.vB[l],
        lr,
        beta1,
        beta2,
        epsilon,
        this.step,
      );
    }
  }

  /** A copy of parameters and optimizer state. */
  getState(): EnsembleState {
    const copy = (arrays: Float64Array[]): Float64Array[] => arrays.map((a) => a.slice());
    return {
      weights: copy(this.weights),
      biases: copy(this.biases),
      mW: copy(this.mW),
      vW: copy(this.vW),
      mB: copy(this.mB),
      vB: copy(this.vB),
      step: this.step,
    };
  }

  /** Restores a state from getState() of an ensemble with the same spec. */
  setState(state: EnsembleState): void {
    const put = (name: string, dst: Float64Array[], src: Float64Array[]): void => {
      if (src.length !== dst.length)
        throw new Error(`MlpEnsemble.setState: ${name} has ${src.length} layers, expected ${dst.length}`);
      dst.forEach((d, l) => {
        if (src[l].length !== d.length) {
          throw new Error(
            `MlpEnsemble.setState: ${name}[${l}] has ${src[l].length} values, expected ${d.length}`,
          );
        }
        d.set(src[l]);
      });
    };
    put('weights', this.weights, state.weights);
    put('biases', this.biases, state.biases);
    put('mW', this.mW, state.mW);
    put('vW', this.vW, state.vW);
    put('mB', this.mB, state.mB);
    put('vB', this.vB, state.vB);
    this.step = state.step;
  }

  /** Forward pass of net n on the B inputs in act[0]; returns the output array ([dOut, B]). */
  private forward(n: number, B: number): Float64Array {
    const { sizes } = this;
    const L = this.layerCount;
    const slope = this.negativeSlope;
    for (let l = 0; l < L; l++) {
      const fin = sizes[l];
      const fout = sizes[l + 1];
      const W = this.weights[l];
      const bias = this.biases[l];
      const wo = n * fout * fin;
      const bo = n * fout;
      const aIn = this.act[l];
      const z = this.pre[l];
      const hidden = l < L - 1;
      if (fin === 2 && fout === 2 && hidden) {
        // The 2→2 layers of the width-2 nets, unrolled: one pass over the batch instead of seven, with the
        // same operations in the same order as the general loops below (so results are identical).
        const w00 = W[wo];
        const w01 = W[wo + 1];
        const w10 = W[wo + 2];
        const w11 = W[wo + 3];
        const b0 = bias[bo];
        const b1 = bias[bo + 1];
        const aOut = this.act[l + 1];
        for (let b = 0; b < B; b++) {
          const x0 = aIn[b];
          const x1 = aIn[B + b];
          const z0 = b0 + w00 * x0 + w01 * x1;
          const z1 = b1 + w10 * x0 + w11 * x1;
          z[b] = z0;
          z[B + b] = z1;
          aOut[b] = z0 > 0 ? z0 : slope * z0;
          aOut[B + b] = z1 > 0 ? z1 : slope * z1;
        }
        continue;
      }
      for (let o = 0; o < fout; o++) {
        const zo = o * B;
        const bv = bias[bo + o];
        for (let b = 0; b < B; b++) z[zo + b] = bv;
        for (let i = 0; i < fin; i++) {
          const w = W[wo + o * fin + i];
          const ai = i * B;
          for (let b = 0; b < B; b++) z[zo + b] += w * aIn[ai + b];
        }
      }
      if (hidden) {
        const aOut = this.act[l + 1];
        const m = fout * B;
        for (let k = 0; k < m; k++) {
          const v = z[k];
          aOut[k] = v > 0 ? v : slope * v;
        }
      }
    }
    return this.pre[L - 1];
  }

  /** Backward pass of net n from delta[L−1] = dLoss/dz_L; writes net n's slices of gradW/gradB. */
  private backward(n: number, B: number): void {
    const { sizes } = this;
    const slope = this.negativeSlope;
    for (let l = this.layerCount - 1; l >= 0; l--) {
      const fin = sizes[l];
      const fout = sizes[l + 1];
      const W = this.weights[l];
      const gW = this.gradW[l];
      const gB = this.gradB[l];
      const wo = n * fout * fin;
      const bo = n * fout;
      const d = this.delta[l];
      const aIn = this.act[l];
      if (fin === 2 && fout === 2 && l > 0) {
        // Unrolled 2→2 layer (see forward): gradients and dLoss/dz of the layer below in one pass.
        const w00 = W[wo];
        const w01 = W[wo + 1];
        const w10 = W[wo + 2];
        const w11 = W[wo + 3];
        const dPrev = this.delta[l - 1];
        const zPrev = this.pre[l - 1];
        let gb0 = 0;
        let gb1 = 0;
        let g00 = 0;
        let g01 = 0;
        let g10 = 0;
        let g11 = 0;
        for (let b = 0; b < B; b++) {
          const d0 = d[b];
          const d1 = d[B + b];
          const x0 = aIn[b];
          const x1 = aIn[B + b];
          gb0 += d0;
          gb1 += d1;
          g00 += d0 * x0;
          g01 += d0 * x1;
          g10 += d1 * x0;
          g11 += d1 * x1;
          const p0 = w00 * d0 + w10 * d1;
          const p1 = w01 * d0 + w11 * d1;
          dPrev[b] = zPrev[b] > 0 ? p0 : slope * p0;
          dPrev[B + b] = zPrev[B + b] > 0 ? p1 : slope * p1;
        }
        gB[bo] = gb0;
        gB[bo + 1] = gb1;
        gW[wo] = g00;
        gW[wo + 1] = g01;
        gW[wo + 2] = g10;
        gW[wo + 3] = g11;
        continue;
      }
      for (let o = 0; o < fout; o++) {
        const dof = o * B;
        let sb = 0;
        for (let b = 0; b < B; b++) sb += d[dof + b];
        gB[bo + o] = sb;
        for (let i = 0; i < fin; i++) {
          const ai = i * B;
          let s = 0;
          for (let b = 0; b < B; b++) s += d[dof + b] * aIn[ai + b];
          gW[wo + o * fin + i] = s;
        }
      }
      if (l > 0) {
        const dPrev = this.delta[l - 1];
        const zPrev = this.pre[l - 1];
        dPrev.fill(0, 0, fin * B);
        for (let o = 0; o < fout; o++) {
          const dof = o * B;
          for (let i = 0; i < fin; i++) {
            const w = W[wo + o * fin + i];
            const ai = i * B;
            for (let b = 0; b < B; b++) dPrev[ai + b] += w * d[dof + b];
          }
        }
        const m = fin * B;
        for (let k = 0; k < m; k++) if (!(zPrev[k] > 0)) dPrev[k] *= slope;
      }
    }
  }

  private checkLength(fn: string, name: string, got: number, want: number): void {
    if (got !== want) {
      throw new Error(
        `MlpEnsemble.${fn}: ${name} has ${got} values, expected ${want} for ${this.count} nets of sizes [${this.sizes.join(', ')}]`,
      );
    }
  }
}
