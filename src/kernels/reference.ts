/**
 * The reference backend: plain TypeScript loops that follow the formulas in backend.ts literally, for
 * Float32Array and Float64Array alike (sums are accumulated in JS doubles). It is the ground truth the wasm
 * kernels are tested against, and the float64 fallback of the wasm backend.
 */
import type { Backend } from './backend.js';
import { bnSizes, convSizes, needLength, poolSizes, sameLength } from './check.js';

const alloc: Backend['alloc'] = (dtype, length) => {
  if (!(Number.isInteger(length) && length >= 0)) {
    throw new Error(`reference.alloc: length must be a non-negative integer, got ${length}`);
  }
  if (dtype === 'float32') return new Float32Array(length);
  if (dtype === 'float64') return new Float64Array(length);
  throw new Error(`reference.alloc: unknown dtype ${String(dtype)}`);
};

/** C = alpha·op(A)·op(B) + beta·C; beta = 0 overwrites C without reading it (BLAS convention, NaN-safe). */
const gemm: Backend['gemm'] = (transA, transB, m, n, k, alpha, a, b, beta, c) => {
  needLength('gemm', 'A', a, m * k);
  needLength('gemm', 'B', b, k * n);
  needLength('gemm', 'C', c, m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) {
        const av = transA ? a[p * m + i] : a[i * k + p];
        const bv = transB ? b[j * k + p] : b[p * n + j];
        s += av * bv;
      }
      c[i * n + j] = beta === 0 ? alpha * s : alpha * s + beta * c[i * n + j];
    }
  }
};

const conv2dForward: Backend['conv2dForward'] = (g, x, w, b, y) => {
  convSizes('conv2dForward', g, x, w, y);
  if (b) needLength('conv2dForward', 'b', b, g.cOut);
  const { n, cIn, h, w: W, cOut, kh, kw, strideH, strideW, padTop, padLeft, outH, outW } = g;
  for (let s = 0; s < n; s++) {
    for (let co = 0; co < cOut; co++) {
      for (let oh = 0; oh < outH; oh++) {
        for (let ow = 0; ow < outW; ow++) {
          let acc = b ? b[co] : 0;
          for (let ci = 0; ci < cIn; ci++) {
            for (let i = 0; i < kh; i++) {
              const ih = oh * strideH + i - padTop;
              if (ih < 0 || ih >= h) continue;
              for (let j = 0; j < kw; j++) {
                const iw = ow * strideW + j - padLeft;
                if (iw < 0 || iw >= W) continue;
                acc += w[((co * cIn + ci) * kh + i) * kw + j] * x[((s * cIn + ci) * h + ih) * W + iw];
              }
            }
          }
          y[((s * cOut + co) * outH + oh) * outW + ow] = acc;
        }
      }
    }
  }
};

const conv2dBackwardInput: Backend['conv2dBackwardInput'] = (g, dy, w, dx) => {
  convSizes('conv2dBackwardInput', g, dx, w, dy);
  const { n, cIn, h, w: W, cOut, kh, kw, strideH, strideW, padTop, padLeft, outH, outW } = g;
  dx.fill(0, 0, n * cIn * h * W);
  for (let s = 0; s < n; s++) {
    for (let co = 0; co < cOut; co++) {
      for (let oh = 0; oh < outH; oh++) {
        for (let ow = 0; ow < outW; ow++) {
          const d = dy[((s * cOut + co) * outH + oh) * outW + ow];
          for (let ci = 0; ci < cIn; ci++) {
            for (let i = 0; i < kh; i++) {
              const ih = oh * strideH + i - padTop;
              if (ih < 0 || ih >= h) continue;
              for (let j = 0; j < kw; j++) {
                const iw = ow * strideW + j - padLeft;
                if (iw < 0 || iw >= W) continue;
                dx[((s * cIn + ci) * h + ih) * W + iw] += w[((co * cIn + ci) * kh + i) * kw + j] * d;
              }
            }
          }
        }
      }
    }
  }
};

const conv2dBackwardFilter: Backend['conv2dBackwardFilter'] = (g, x, dy, dw, db) => {
  convSizes('conv2dBackwardFilter', g, x, dw, dy);
  if (db) needLength('conv2dBackwardFilter', 'db', db, g.cOut);
  const { n, cIn, h, w: W, cOut, kh, kw, strideH, strideW, padTop, padLeft, outH, outW } = g;
  for (let co = 0; co < cOut; co++) {
    if (db) {
      let sb = 0;
      for (let s = 0; s < n; s++) {
        for (let o = 0; o < outH * outW; o++) sb += dy[(s * cOut + co) * outH * outW + o];
      }
      db[co] = sb;
    }
    for (let ci = 0; ci < cIn; ci++) {
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          let acc = 0;
          for (let s = 0; s < n; s++) {
            for (let oh = 0; oh < outH; oh++) {
              const ih = oh * strideH + i - padTop;
              if (ih < 0 || ih >= h) continue;
              for (let ow = 0; ow < outW; ow++) {
                const iw = ow * strideW + j - padLeft;
                if (iw < 0 || iw >= W) continue;
                acc += dy[((s * cOut + co) * outH + oh) * outW + ow] * x[((s * cIn + ci) * h + ih) * W + iw];
              }
            }
          }
          dw[((co * cIn + ci) * kh + i) * kw + j] = acc;
        }
      }
    }
  }
};

const maxPool2dForward: Backend['maxPool2dForward'] = (g, x, y, argmax) => {
  poolSizes('maxPool2dForward', g, x, y);
  needLength('maxPool2dForward', 'argmax', argmax, g.n * g.c * g.outH * g.outW);
  const { n, c, h, w, kh, kw, strideH, strideW, outH, outW } = g;
  for (let p = 0; p < n * c; p++) {
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++) {
        let best = -Infinity;
        let bestIdx = (p * h + oh * strideH) * w + ow * strideW;
        for (let i = 0; i < kh; i++) {
          for (let j = 0; j < kw; j++) {
            const idx = (p * h + oh * strideH + i) * w + ow * strideW + j;
            if (x[idx] > best) {
              best = x[idx];
              bestIdx = idx;
            }
          }
        }
        const o = (p * outH + oh) * outW + ow;
        y[o] = x[bestIdx];
        argmax[o] = bestIdx;
      }
    }
  }
};

const maxPool2dBackward: Backend['maxPool2dBackward'] = (g, dy, argmax, dx) => {
  poolSizes('maxPool2dBackward', g, dx, dy);
  const total = g.n * g.c * g.outH * g.outW;
  needLength('maxPool2dBackward', 'argmax', argmax, total);
  dx.fill(0, 0, g.n * g.c * g.h * g.w);
  for (let o = 0; o < total; o++) dx[argmax[o]] += dy[o];
};

const avgPool2dForward: Backend['avgPool2dForward'] = (g, x, y) => {
  poolSizes('avgPool2dForward', g, x, y);
  const { n, c, h, w, kh, kw, strideH, strideW, outH, outW } = g;
  for (let p = 0; p < n * c; p++) {
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++) {
        let s = 0;
        for (let i = 0; i < kh; i++) {
          for (let j = 0; j < kw; j++) s += x[(p * h + oh * strideH + i) * w + ow * strideW + j];
        }
        y[(p * outH + oh) * outW + ow] = s / (kh * kw);
      }
    }
  }
};

const avgPool2dBackward: Backend['avgPool2dBackward'] = (g, dy, dx) => {
  poolSizes('avgPool2dBackward', g, dx, dy);
  const { n, c, h, w, kh, kw, strideH, strideW, outH, outW } = g;
  dx.fill(0, 0, n * c * h * w);
  for (let p = 0; p < n * c; p++) {
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++) {
        const d = dy[(p * outH + oh) * outW + ow] / (kh * kw);
        for (let i = 0; i < kh; i++) {
          for (let j = 0; j < kw; j++) dx[(p * h + oh * strideH + i) * w + ow * strideW + j] += d;
        }
      }
    }
  }
};

const activation: Backend['activation'] = (kind, slope, x, y) => {
  sameLength('activation', x, y, 'x and y');
  const n = x.length;
  switch (kind) {
    case 'linear':
      for (let i = 0; i < n; i++) y[i] = x[i];
      return;
    case 'sigmoid':
      for (let i = 0; i < n; i++) y[i] = 1 / (1 + Math.exp(-x[i]));
      return;
    case 'scaledSigmoid':
      for (let i = 0; i < n; i++) y[i] = 1 / (1 + Math.exp(-2 * x[i]));
      return;
    case 'tanh':
      for (let i = 0; i < n; i++) y[i] = Math.tanh(x[i]);
      return;
    case 'relu':
      for (let i = 0; i < n; i++) y[i] = x[i] > 0 ? x[i] : 0;
      return;
    case 'leakyRelu':
      for (let i = 0; i < n; i++) y[i] = x[i] > 0 ? x[i] : slope * x[i];
      return;
    default:
      throw new Error(`activation: unknown kind ${String(kind)}`);
  }
};

const activationGrad: Backend['activationGrad'] = (kind, slope, x, y, dy, dx) => {
  sameLength('activationGrad', x, dy, 'x and dy');
  sameLength('activationGrad', y, dy, 'y and dy');
  sameLength('activationGrad', dx, dy, 'dx and dy');
  const n = dy.length;
  switch (kind) {
    case 'linear':
      for (let i = 0; i < n; i++) dx[i] = dy[i];
      return;
    case 'sigmoid':
      for (let i = 0; i < n; i++) dx[i] = dy[i] * y[i] * (1 - y[i]);
      return;
    case 'scaledSigmoid':
      for (let i = 0; i < n; i++) dx[i] = dy[i] * 2 * y[i] * (1 - y[i]);
      return;
    case 'tanh':
      for (let i = 0; i < n; i++) dx[i] = dy[i] * (1 - y[i] * y[i]);
      return;
    case 'relu':
      for (let i = 0; i < n; i++) dx[i] = x[i] > 0 ? dy[i] : 0;
      return;
    case 'leakyRelu':
      for (let i = 0; i < n; i++) dx[i] = x[i] > 0 ? dy[i] : slope * dy[i];
      return;
    default:
      throw new Error(`activationGrad: unknown kind ${String(kind)}`);
  }
};

const softmaxCrossEntropy: Backend['softmaxCrossEntropy'] = (rows, cols, z, t, p, dz) => {
  const fn = 'softmaxCrossEntropy';
  for (const [name, arr] of [
    ['z', z],
    ['t', t],
    ['p', p],
    ['dz', dz],
  ] as const)
    needLength(fn, name, arr, rows * cols);
  let loss = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let max = -Infinity;
    for (let j = 0; j < cols; j++) if (z[o + j] > max) max = z[o + j];
    let s = 0;
    for (let j = 0; j < cols; j++) s += Math.exp(z[o + j] - max);
    const logS = Math.log(s);
    for (let j = 0; j < cols; j++) {
      const logp = z[o + j] - max - logS;
      // Zero targets are skipped so that a −∞ log-probability with target 0 contributes 0, not NaN.
      if (t[o + j] !== 0) loss -= t[o + j] * logp;
      p[o + j] = Math.exp(logp);
      dz[o + j] = p[o + j] - t[o + j];
    }
  }
  return loss;
};

/** Moving variance uses σ²·m/(m−1); with m = 1 the batch variance (0) is used as is. */
const batchNormTrainForward: Backend['batchNormTrainForward'] = (
  g,
  x,
  gamma,
  beta,
  movingMean,
  movingVar,
  momentum,
  eps,
  y,
  saveMean,
  saveInvStd,
) => {
  bnSizes('batchNormTrainForward', g, x, y, [gamma, beta, movingMean, movingVar, saveMean, saveInvStd]);
  const { n, c, s } = g;
  const m = n * s;
  for (let ch = 0; ch < c; ch++) {
    let sum = 0;
    for (let i = 0; i < n; i++) for (let k = 0; k < s; k++) sum += x[(i * c + ch) * s + k];
    const mean = sum / m;
    let sq = 0;
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < s; k++) {
        const d = x[(i * c + ch) * s + k] - mean;
        sq += d * d;
      }
    }
    const variance = sq / m;
    const invStd = 1 / Math.sqrt(variance + eps);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < s; k++) {
        const idx = (i * c + ch) * s + k;
        y[idx] = gamma[ch] * (x[idx] - mean) * invStd + beta[ch];
      }
    }
    saveMean[ch] = mean;
    saveInvStd[ch] = invStd;
    movingMean[ch] = momentum * movingMean[ch] + (1 - momentum) * mean;
    movingVar[ch] = momentum * movingVar[ch] + (1 - momentum) * (m > 1 ? (variance * m) / (m - 1) : variance);
  }
};

const batchNormInferForward: Backend['batchNormInferForward'] = (
  g,
  x,
  gamma,
  beta,
  movingMean,
  movingVar,
  eps,
  y,
) => {
  bnSizes('batchNormInferForward', g, x, y, [gamma, beta, movingMean, movingVar]);
  const { n, c, s } = g;
  for (let i = 0; i < n; i++) {
    for (let ch = 0; ch < c; ch++) {
      const invStd = 1 / Math.sqrt(movingVar[ch] + eps);
      for (let k = 0; k < s; k++) {
        const idx = (i * c + ch) * s + k;
        y[idx] = gamma[ch] * (x[idx] - movingMean[ch]) * invStd + beta[ch];
      }
    }
  }
};

const batchNormBackward: Backend['batchNormBackward'] = (
  g,
  x,
  gamma,
  saveMean,
  saveInvStd,
  dy,
  dx,
  dgamma,
  dbeta,
) => {
  bnSizes('batchNormBackward', g, x, dx, [gamma, saveMean, saveInvStd, dgamma, dbeta]);
  needLength('batchNormBackward', 'dy', dy, g.n * g.c * g.s);
  const { n, c, s } = g;
  const m = n * s;
  for (let ch = 0; ch < c; ch++) {
    const mean = saveMean[ch];
    const invStd = saveInvStd[ch];
    let db = 0;
    let dg = 0;
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < s; k++) {
        const idx = (i * c + ch) * s + k;
        db += dy[idx];
        dg += dy[idx] * (x[idx] - mean) * invStd;
      }
    }
    const scale = (gamma[ch] * invStd) / m;
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < s; k++) {
        const idx = (i * c + ch) * s + k;
        const xhat = (x[idx] - mean) * invStd;
        dx[idx] = scale * (m * dy[idx] - db - xhat * dg);
      }
    }
    dbeta[ch] = db;
    dgamma[ch] = dg;
  }
};

const addRowVector: Backend['addRowVector'] = (rows, cols, x, bias) => {
  needLength('addRowVector', 'x', x, rows * cols);
  needLength('addRowVector', 'bias', bias, cols);
  for (let r = 0; r < rows; r++) for (let j = 0; j < cols; j++) x[r * cols + j] += bias[j];
};

const sumRows: Backend['sumRows'] = (rows, cols, x, out) => {
  needLength('sumRows', 'x', x, rows * cols);
  needLength('sumRows', 'out', out, cols);
  for (let j = 0; j < cols; j++) {
    let s = 0;
    for (let r = 0; r < rows; r++) s += x[r * cols + j];
    out[j] = s;
  }
};

const mul: Backend['mul'] = (a, b, out) => {
  sameLength('mul', a, b, 'a and b');
  sameLength('mul', a, out, 'a and out');
  for (let i = 0; i < a.length; i++) out[i] = a[i] * b[i];
};

const axpy: Backend['axpy'] = (alpha, x, y) => {
  sameLength('axpy', x, y, 'x and y');
  for (let i = 0; i < x.length; i++) y[i] += alpha * x[i];
};

const sum: Backend['sum'] = (x) => {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  return s;
};

const sumSquares: Backend['sumSquares'] = (x) => {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return s;
};

const allFinite: Backend['allFinite'] = (x) => {
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) return false;
  return true;
};

const sgdStep: Backend['sgdStep'] = (w, g, v, lr, momentum, nesterov, weightDecay) => {
  sameLength('sgdStep', w, g, 'w and g');
  if (momentum !== 0) sameLength('sgdStep', w, v, 'w and v');
  for (let i = 0; i < w.length; i++) {
    const gi = g[i] + weightDecay * w[i];
    if (momentum === 0) {
      w[i] -= lr * gi;
    } else {
      v[i] = momentum * v[i] - lr * gi;
      w[i] += nesterov ? momentum * v[i] - lr * gi : v[i];
    }
  }
};

const adamStep: Backend['adamStep'] = (w, g, m, v, lr, beta1, beta2, eps, t) => {
  sameLength('adamStep', w, g, 'w and g');
  sameLength('adamStep', w, m, 'w and m');
  sameLength('adamStep', w, v, 'w and v');
  if (!(Number.isInteger(t) && t >= 1)) throw new Error(`adamStep: step t must be an integer ≥ 1, got ${t}`);
  const c1 = 1 - Math.pow(beta1, t);
  const c2 = 1 - Math.pow(beta2, t);
  for (let i = 0; i < w.length; i++) {
    m[i] = beta1 * m[i] + (1 - beta1) * g[i];
    v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
    w[i] -= (lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + eps);
  }
};

/** The plain-TypeScript backend (any float dtype; arrays are ordinary typed arrays). */
export const referenceBackend: Backend = {
  name: 'reference',
  alloc,
  free: () => {},
  gemm,
  conv2dForward,
  conv2dBackwardInput,
  conv2dBackwardFilter,
  maxPool2dForward,
  maxPool2dBackward,
  avgPool2dForward,
  avgPool2dBackward,
  activation,
  activationGrad,
  softmaxCrossEntropy,
  batchNormTrainForward,
  batchNormInferForward,
  batchNormBackward,
  addRowVector,
  sumRows,
  mul,
  axpy,
  sum,
  sumSquares,
  allFinite,
  sgdStep,
  adamStep,
};
