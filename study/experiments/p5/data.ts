/**
 * Problem 5's data: Fashion-MNIST with a validation set carved from the training images by a seeded
 * permutation (`trainValidationSplit`); the test set is only ever evaluated, never trained or tuned on.
 */
import {
  headIdx,
  type IdxDataset,
  loadIdxDataset,
  oneHot,
  pixelStats,
  type Tensor,
  toImageTensor,
  trainValidationSplit,
} from 'nnlab';

export interface P5DataArgs {
  validationSize: number;
  trainLimit: number;
  testLimit: number;
  normalize: string;
  /** Seed of the validation split. */
  splitSeed: number;
}

export interface P5Splits {
  train: IdxDataset;
  validation: IdxDataset;
  test: IdxDataset;
  /** Unit-scale pixel mean and std of the training split (used to standardise every split). */
  mean: number;
  std: number;
}

/** The three splits as uint8 images, trimmed to the limits (0 = no limit), with the training split's pixel stats. */
export function p5Splits(a: P5DataArgs): P5Splits {
  const full = loadIdxDataset('fashion-mnist', 'train');
  const { train, validation } = trainValidationSplit(full, a.validationSize, a.splitSeed);
  const trainSet = a.trainLimit > 0 && a.trainLimit < train.count ? headIdx(train, a.trainLimit) : train;
  const testFull = loadIdxDataset('fashion-mnist', 'test');
  const test = a.testLimit > 0 && a.testLimit < testFull.count ? headIdx(testFull, a.testLimit) : testFull;
  const { mean, std } = pixelStats(trainSet.images, trainSet.count, trainSet.rows * trainSet.cols);
  return { train: trainSet, validation, test, mean, std };
}

export interface LabelledTensors {
  x: Tensor;
  y: Tensor;
}

/** N×1×28×28 images scaled as `normalize` says ('standardize' with the training stats, or 'unit') and one-hot N×10 targets. */
export function toTensors(ds: IdxDataset, splits: P5Splits, normalize: string): LabelledTensors {
  const norm = normalize === 'unit' ? 'unit' : 'standardize';
  const x = toImageTensor(ds.images, ds.count, {
    normalize: norm,
    mean: splits.mean,
    std: splits.std,
    rows: ds.rows,
    cols: ds.cols,
  });
  return { x, y: oneHot(ds.labels, 10) };
}
