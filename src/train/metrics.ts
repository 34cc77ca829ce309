/**
 * Number of correct predictions in a batch of `rows` outputs of width `cols` against targets t:
 * cols > 1: argmax(out) = argmax(t) (first maximum on ties, like Keras' categorical accuracy);
 * cols = 1: (out > threshold) = (t > 0.5) (binary accuracy; threshold 0.5 for probabilities, 0 for logits).
 */
export function countCorrect(
  rows: number,
  cols: number,
  out: ArrayLike<number>,
  t: ArrayLike<number>,
  threshold: number,
): number {
  let correct = 0;
  if (cols === 1) {
    for (let r = 0; r < rows; r++) if (out[r] > threshold === t[r] > 0.5) correct++;
    return correct;
  }
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let bo = 0;
    let bt = 0;
    for (let j = 1; j < cols; j++) {
      if (out[o + j] > out[o + bo]) bo = j;
      if (t[o + j] > t[o + bt]) bt = j;
    }
    if (bo === bt) correct++;
  }
  return correct;
}
