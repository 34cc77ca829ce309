// Max and average pooling over planes of f32 (NCHW planes flattened: n·c of them); 2×2 stride 2 is vectorised.

/**
 * The common 2×2 stride-2 max pool, four outputs at a time: even/odd columns of two input rows are split by
 * shuffles and compared in window order (top-left, top-right, bottom-left, bottom-right), so the first
 * maximum wins ties as in the reference.
 */
function maxpool2x2_f32(planes: i32, h: i32, w: i32, oh: i32, ow: i32, x: usize, y: usize, am: usize): void {
  const step = i32x4(0, 2, 4, 6);
  const one = i32x4.splat(1);
  const down = i32x4.splat(w);
  let py = y;
  let pa = am;
  for (let pl = 0; pl < planes; pl++) {
    for (let r = 0; r < oh; r++) {
      const top = pl * h * w + 2 * r * w;
      const rowA = x + ((<usize>top) << 2);
      const rowB = rowA + ((<usize>w) << 2);
      let c = 0;
      for (; c + 4 <= ow; c += 4) {
        const o = (<usize>c) << 3;
        const a0 = v128.load(rowA + o);
        const a1 = v128.load(rowA + o, 16);
        const b0 = v128.load(rowB + o);
        const b1 = v128.load(rowB + o, 16);
        const tl = v128.shuffle<f32>(a0, a1, 0, 2, 4, 6);
        const tr = v128.shuffle<f32>(a0, a1, 1, 3, 5, 7);
        const bl = v128.shuffle<f32>(b0, b1, 0, 2, 4, 6);
        const br = v128.shuffle<f32>(b0, b1, 1, 3, 5, 7);
        const i0 = i32x4.add(i32x4.splat(top + 2 * c), step);
        let m = tl;
        let id = i0;
        let k = f32x4.gt(tr, m);
        m = v128.bitselect(tr, m, k);
        id = v128.bitselect(i32x4.add(i0, one), id, k);
        const i2 = i32x4.add(i0, down);
        k = f32x4.gt(bl, m);
        m = v128.bitselect(bl, m, k);
        id = v128.bitselect(i2, id, k);
        k = f32x4.gt(br, m);
        m = v128.bitselect(br, m, k);
        id = v128.bitselect(i32x4.add(i2, one), id, k);
        v128.store(py, m);
        v128.store(pa, id);
        py += 16;
        pa += 16;
      }
      for (; c < ow; c++) {
        let bestIdx = top + 2 * c;
        let best = load<f32>(x + ((<usize>bestIdx) << 2));
        for (let q = 1; q < 4; q++) {
          const idx = top + 2 * c + (q & 1) + (q >> 1) * w;
          const v = load<f32>(x + ((<usize>idx) << 2));
          if (v > best) {
            best = v;
            bestIdx = idx;
          }
        }
        store<f32>(py, best);
        store<i32>(pa, bestIdx);
        py += 4;
        pa += 4;
      }
    }
  }
}

/** The 2×2 stride-2 average pool, four outputs at a time. */
function avgpool2x2_f32(planes: i32, h: i32, w: i32, oh: i32, ow: i32, x: usize, y: usize): void {
  const quarter = f32x4.splat(0.25);
  let py = y;
  for (let pl = 0; pl < planes; pl++) {
    for (let r = 0; r < oh; r++) {
      const rowA = x + ((<usize>(pl * h * w + 2 * r * w)) << 2);
      const rowB = rowA + ((<usize>w) << 2);
      let c = 0;
      for (; c + 4 <= ow; c += 4) {
        const o = (<usize>c) << 3;
        const s0 = f32x4.add(v128.load(rowA + o), v128.load(rowB + o));
        const s1 = f32x4.add(v128.load(rowA + o, 16), v128.load(rowB + o, 16));
        const sum = f32x4.add(v128.shuffle<f32>(s0, s1, 0, 2, 4, 6), v128.shuffle<f32>(s0, s1, 1, 3, 5, 7));
        v128.store(py, f32x4.mul(sum, quarter));
        py += 16;
      }
      for (; c < ow; c++) {
        const o = (<usize>c) << 3;
        const sum =
          load<f32>(rowA + o) + load<f32>(rowA + o, 4) + load<f32>(rowB + o) + load<f32>(rowB + o, 4);
        store<f32>(py, sum * 0.25);
        py += 4;
      }
    }
  }
}

/** y = window max, argmax = flat index into x of the first maximum (f32). */
export function maxpool_fwd_f32(
  planes: i32,
  h: i32,
  w: i32,
  kh: i32,
  kw: i32,
  sh: i32,
  sw: i32,
  oh: i32,
  ow: i32,
  x: usize,
  y: usize,
  am: usize,
): void {
  if (kh == 2 && kw == 2 && sh == 2 && sw == 2) {
    maxpool2x2_f32(planes, h, w, oh, ow, x, y, am);
    return;
  }
  let o: usize = 0;
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * h * w;
    for (let r = 0; r < oh; r++) {
      for (let c = 0; c < ow; c++) {
        const start = base + r * sh * w + c * sw;
        let best = load<f32>(x + ((<usize>start) << 2));
        let bestIdx = start;
        for (let i = 0; i < kh; i++) {
          const rowStart = start + i * w;
          for (let j = 0; j < kw; j++) {
            const v = load<f32>(x + ((<usize>(rowStart + j)) << 2));
            if (v > best) {
              best = v;
              bestIdx = rowStart + j;
            }
          }
        }
        store<f32>(y + (o << 2), best);
        store<i32>(am + (o << 2), bestIdx);
        o++;
      }
    }
  }
}

/** dx = 0, then dx[argmax[o]] += dy[o] (f32). */
export function maxpool_bwd_f32(total: i32, xLen: i32, dy: usize, am: usize, dx: usize): void {
  memory.fill(dx, 0, (<usize>xLen) << 2);
  for (let o = 0; o < total; o++) {
    const q = dx + ((<usize>load<i32>(am + ((<usize>o) << 2))) << 2);
    store<f32>(q, load<f32>(q) + load<f32>(dy + ((<usize>o) << 2)));
  }
}

/** y = window mean (f32). */
export function avgpool_fwd_f32(
  planes: i32,
  h: i32,
  w: i32,
  kh: i32,
  kw: i32,
  sh: i32,
  sw: i32,
  oh: i32,
  ow: i32,
  x: usize,
  y: usize,
): void {
  if (kh == 2 && kw == 2 && sh == 2 && sw == 2) {
    avgpool2x2_f32(planes, h, w, oh, ow, x, y);
    return;
  }
  const inv: f32 = 1 / <f32>(kh * kw);
  let o: usize = 0;
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * h * w;
    for (let r = 0; r < oh; r++) {
      for (let c = 0; c < ow; c++) {
        const start = base + r * sh * w + c * sw;
        let s: f32 = 0;
        for (let i = 0; i < kh; i++) {
          const p = x + ((<usize>(start + i * w)) << 2);
          for (let j = 0; j < kw; j++) s += load<f32>(p + ((<usize>j) << 2));
        }
        store<f32>(y + (o << 2), s * inv);
        o++;
      }
    }
  }
}

/** dx[i] = Σ over windows containing i of dy/(kh·kw) (f32). */
export function avgpool_bwd_f32(
  planes: i32,
  h: i32,
  w: i32,
  kh: i32,
  kw: i32,
  sh: i32,
  sw: i32,
  oh: i32,
  ow: i32,
  dy: usize,
  dx: usize,
): void {
  memory.fill(dx, 0, <usize>planes * h * w * 4);
  const inv: f32 = 1 / <f32>(kh * kw);
  let o: usize = 0;
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * h * w;
    for (let r = 0; r < oh; r++) {
      for (let c = 0; c < ow; c++) {
        const d = load<f32>(dy + (o << 2)) * inv;
        const start = base + r * sh * w + c * sw;
        for (let i = 0; i < kh; i++) {
          const p = dx + ((<usize>(start + i * w)) << 2);
          for (let j = 0; j < kw; j++) {
            const q = p + ((<usize>j) << 2);
            store<f32>(q, load<f32>(q) + d);
          }
        }
        o++;
      }
    }
  }
}
