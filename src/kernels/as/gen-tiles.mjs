// Generates src/kernels/as/tiles.ts: the unrolled GEMM register tiles. AssemblyScript has no arrays of v128
// locals, so each tile size is written out; this script is the source of truth (scripts/build.mjs runs it
// before asc). Do not edit tiles.ts by hand.
import { readFileSync, writeFileSync } from 'node:fs';
import { format } from 'prettier';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const out = [];
const emit = (s) => out.push(s);
/** `base + i * ld`, the multiplication left out for i = 0 and 1: row i of a block whose rows are ld apart. */
const at = (base, i, ld) => `${base}${i ? ` + ${i === 1 ? ld : `${i} * ${ld}`}` : ''}`;

/**
 * NN tile: C[mr × nv·lanes] (+)= alpha · A[mr × k] · B[k × nv·lanes] (C is overwritten unless acc); A rows are lda bytes apart, B rows ldb
 * bytes apart (B read in place, one row segment per k), C rows ldc bytes apart. A values are broadcast.
 */
function nnTile(t, mr, nv) {
  const T = t === 'f32' ? 'f32' : 'f64';
  const V = t === 'f32' ? 'f32x4' : 'f64x2';
  const es = t === 'f32' ? 4 : 8;
  const name = `nn_${t}_${mr}x${nv}`;
  emit(
    `export function ${name}(pa: usize, lda: usize, pb: usize, ldb: usize, pc: usize, ldc: usize, k: i32, alpha: ${T}, acc: bool): void {`,
  );
  for (let r = 0; r < mr; r++) for (let v = 0; v < nv; v++) emit(`  let c${r}_${v} = ${V}.splat(0);`);
  emit(`  for (let p = 0; p < k; p++) {`);
  for (let v = 0; v < nv; v++) emit(`    const b${v} = v128.load(pb, ${16 * v});`);
  for (let r = 0; r < mr; r++) {
    emit(`    const a${r} = ${V}.splat(load<${T}>(${at('pa', r, 'lda')}));`);
    for (let v = 0; v < nv; v++)
      emit(`    c${r}_${v} = ${t === 'f32' ? 'madd4' : 'madd2'}(a${r}, b${v}, c${r}_${v});`);
  }
  emit(`    pa += ${es};`);
  emit(`    pb += ldb;`);
  emit(`  }`);
  emit(`  const va = ${V}.splat(alpha);`);
  for (let r = 0; r < mr; r++) {
    const row = at('pc', r, 'ldc');
    emit(`  {`);
    emit(`    const q = ${row};`);
    for (let v = 0; v < nv; v++) {
      emit(
        `    v128.store(q, acc ? ${V}.add(v128.load(q, ${16 * v}), ${V}.mul(va, c${r}_${v})) : ${V}.mul(va, c${r}_${v}), ${16 * v});`,
      );
    }
    emit(`  }`);
  }
  emit(`}`);
  emit('');
}

/**
 * NT (dot-product) tile for f32: C[i, j] (+)= alpha · Σ_p A[i, p]·B[j, p] (overwritten unless acc) for mr rows of A and nr rows of B,
 * both read along their contiguous p; the k % 4 tail is scalar.
 */
function ntTile(mr, nr) {
  const name = `nt_f32_${mr}x${nr}`;
  emit(
    `export function ${name}(pa: usize, lda: usize, pb: usize, ldb: usize, pc: usize, ldc: usize, k: i32, alpha: f32, acc: bool): void {`,
  );
  for (let r = 0; r < mr; r++) for (let s = 0; s < nr; s++) emit(`  let c${r}_${s} = f32x4.splat(0);`);
  emit(`  const k4 = k & ~3;`);
  emit(`  let p = 0;`);
  emit(`  let qa = pa;`);
  emit(`  let qb = pb;`);
  emit(`  for (; p < k4; p += 4) {`);
  for (let r = 0; r < mr; r++) emit(`    const a${r} = v128.load(${at('qa', r, 'lda')});`);
  for (let s = 0; s < nr; s++) {
    emit(`    const b${s} = v128.load(${at('qb', s, 'ldb')});`);
    for (let r = 0; r < mr; r++) emit(`    c${r}_${s} = madd4(a${r}, b${s}, c${r}_${s});`);
  }
  emit(`    qa += 16;`);
  emit(`    qb += 16;`);
  emit(`  }`);
  for (let r = 0; r < mr; r++) {
    for (let s = 0; s < nr; s++) {
      emit(
        `  let s${r}_${s}: f32 = f32x4.extract_lane(c${r}_${s}, 0) + f32x4.extract_lane(c${r}_${s}, 1) + f32x4.extract_lane(c${r}_${s}, 2) + f32x4.extract_lane(c${r}_${s}, 3);`,
      );
    }
  }
  emit(`  for (; p < k; p++) {`);
  for (let r = 0; r < mr; r++) emit(`    const a${r} = load<f32>(${at('qa', r, 'lda')});`);
  for (let s = 0; s < nr; s++) {
    emit(`    const b${s} = load<f32>(${at('qb', s, 'ldb')});`);
    for (let r = 0; r < mr; r++) emit(`    s${r}_${s} += a${r} * b${s};`);
  }
  emit(`    qa += 4;`);
  emit(`    qb += 4;`);
  emit(`  }`);
  for (let r = 0; r < mr; r++) {
    for (let s = 0; s < nr; s++) {
      const q = `${at('pc', r, 'ldc')} + ${4 * s}`;
      emit(`  store<f32>(${q}, acc ? load<f32>(${q}) + alpha * s${r}_${s} : alpha * s${r}_${s});`);
    }
  }
  emit(`}`);
  emit('');
}

/**
 * Direct-convolution tile (stride 1, "wide" rows): out[r][0..16) = Σ_{ci,i,j} w[r][ci,i,j]·x[ci·plane + i·row + j + 0..16)
 * for mr output channels (weight rows ldw bytes apart) over 16 consecutive pixels of a padded input whose
 * rows are `row` bytes apart; the result overwrites out (rows ldo bytes apart).
 */
function convTile(mr) {
  const nv = 4;
  emit(
    `export function dconv_f32_${mr}x${nv}(pw: usize, ldw: usize, px: usize, po: usize, ldo: usize, cin: i32, kh: i32, kw: i32, plane: usize, row: usize): void {`,
  );
  for (let r = 0; r < mr; r++) for (let v = 0; v < nv; v++) emit(`  let c${r}_${v} = f32x4.splat(0);`);
  emit(`  let wp = pw;`);
  emit(`  for (let ci = 0; ci < cin; ci++) {`);
  emit(`    let xr = px + <usize>ci * plane;`);
  emit(`    for (let i = 0; i < kh; i++) {`);
  emit(`      let xj = xr;`);
  emit(`      for (let j = 0; j < kw; j++) {`);
  for (let v = 0; v < nv; v++) emit(`        const b${v} = v128.load(xj, ${16 * v});`);
  for (let r = 0; r < mr; r++) {
    emit(`        const a${r} = f32x4.splat(load<f32>(${at('wp', r, 'ldw')}));`);
    for (let v = 0; v < nv; v++) emit(`        c${r}_${v} = madd4(a${r}, b${v}, c${r}_${v});`);
  }
  emit(`        wp += 4;`);
  emit(`        xj += 4;`);
  emit(`      }`);
  emit(`      xr += row;`);
  emit(`    }`);
  emit(`  }`);
  for (let r = 0; r < mr; r++) {
    for (let v = 0; v < nv; v++) emit(`  v128.store(${at('po', r, 'ldo')}, c${r}_${v}, ${16 * v});`);
  }
  emit(`}`);
  emit('');
}

/**
 * Channel-vector conv tile (stride 1): for `px` consecutive output pixels and 4·cv output channels,
 * y[co, p] = Σ_{ci,i,j} wt[(ci,i,j), co]·x[ci·plane + i·row + j + p]; the weights are transposed to
 * [tap, cOut] (ldq bytes per tap) so that one tap loads cv vectors of channels, and the input values are
 * broadcast. Nothing is computed for padding columns; y rows (channels) are ldy bytes apart.
 */
function cvConvTile(cv, px) {
  emit(
    `export function cvconv_f32_${cv}x${px}(pwt: usize, ldq: usize, px0: usize, py: usize, ldy: usize, cin: i32, kh: i32, kw: i32, plane: usize, row: usize): void {`,
  );
  for (let p = 0; p < px; p++) for (let v = 0; v < cv; v++) emit(`  let c${p}_${v} = f32x4.splat(0);`);
  emit(`  let wp = pwt;`);
  emit(`  for (let ci = 0; ci < cin; ci++) {`);
  emit(`    let xr = px0 + <usize>ci * plane;`);
  emit(`    for (let i = 0; i < kh; i++) {`);
  emit(`      let xj = xr;`);
  emit(`      for (let j = 0; j < kw; j++) {`);
  for (let v = 0; v < cv; v++) emit(`        const w${v} = v128.load(wp, ${16 * v});`);
  for (let p = 0; p < px; p++) {
    emit(`        const a${p} = f32x4.splat(load<f32>(xj, ${4 * p}));`);
    for (let v = 0; v < cv; v++) emit(`        c${p}_${v} = madd4(a${p}, w${v}, c${p}_${v});`);
  }
  emit(`        wp += ldq;`);
  emit(`        xj += 4;`);
  emit(`      }`);
  emit(`      xr += row;`);
  emit(`    }`);
  emit(`  }`);
  for (let v = 0; v < cv; v++) {
    for (let lane = 0; lane < 4; lane++) {
      const ch = 4 * v + lane;
      emit(`  {`);
      emit(`    const q = py${ch ? ` + ${ch} * ldy` : ''};`);
      for (let p = 0; p < px; p++)
        emit(`    store<f32>(q, f32x4.extract_lane(c${p}_${v}, ${lane}), ${4 * p});`);
      emit(`  }`);
    }
  }
  emit(`}`);
  emit('');
}

/**
 * Channel-vector filter-gradient tile: for qr taps (input pointers x0, x1, … already offset by the tap) and
 * 4·cv channels, out_t[co] += Σ_{r,c} x_t[r·row + c]·dyT[(r,c), co], with dy transposed to [pixel, cOut]
 * (ldd bytes per pixel).
 */
function cvGradTile(qr, cv) {
  const xs = Array.from({ length: qr }, (_, t) => `x${t}: usize`).join(', ');
  const outs = Array.from({ length: qr }, (_, t) => `o${t}: usize`).join(', ');
  emit(
    `export function cvgrad_f32_${qr}x${cv}(${xs}, pdy: usize, ldd: usize, ${outs}, oh: i32, ow: i32, row: usize): void {`,
  );
  for (let t = 0; t < qr; t++) for (let v = 0; v < cv; v++) emit(`  let c${t}_${v} = f32x4.splat(0);`);
  emit(`  let d = pdy;`);
  emit(`  for (let r = 0; r < oh; r++) {`);
  for (let t = 0; t < qr; t++) emit(`    let xa${t} = x${t} + <usize>r * row;`);
  emit(`    for (let c = 0; c < ow; c++) {`);
  for (let v = 0; v < cv; v++) emit(`      const g${v} = v128.load(d, ${16 * v});`);
  for (let t = 0; t < qr; t++) {
    emit(`      const a${t} = f32x4.splat(load<f32>(xa${t}));`);
    for (let v = 0; v < cv; v++) emit(`      c${t}_${v} = madd4(a${t}, g${v}, c${t}_${v});`);
    emit(`      xa${t} += 4;`);
  }
  emit(`      d += ldd;`);
  emit(`    }`);
  emit(`  }`);
  for (let t = 0; t < qr; t++) {
    for (let v = 0; v < cv; v++)
      emit(`  v128.store(o${t}, f32x4.add(v128.load(o${t}, ${16 * v}), c${t}_${v}), ${16 * v});`);
  }
  emit(`}`);
  emit('');
}

/**
 * Emits the loops that cover v ∈ [0, n) with blocks of `sizes` (largest first), `call(size)` emitting the work
 * of the block at v. A size that fits at most once in what the previous one leaves is an `if`.
 */
function blocks(v, n, sizes, call) {
  emit(`let ${v} = 0;`);
  sizes.forEach((size, i) => {
    const cond = size === 1 ? `${v} < ${n}` : `${v} + ${size} <= ${n}`;
    const step = size === 1 ? `${v}++` : `${v} += ${size}`;
    if (i > 0 && sizes[i - 1] <= 2 * size) {
      emit(`if (${cond}) {`);
      call(size);
      if (i < sizes.length - 1) emit(`${step};`);
    } else {
      emit(`for (; ${cond}; ${step}) {`);
      call(size);
    }
    emit(`}`);
  });
}

/** Wide direct convolution: every output channel (pairs, then one) over the padded width in 16-pixel blocks. */
function dconvDispatch(rows) {
  emit('/**');
  emit(
    ' * Wide direct convolution over all cout output channels (weight rows ldw bytes apart, output rows ldo',
  );
  emit(' * bytes apart), each over `width` padded columns in blocks of 16 pixels.');
  emit(' */');
  emit(
    `export function dconv_f32_rows(pw: usize, ldw: usize, px: usize, po: usize, ldo: usize, cout: i32, width: i32, cin: i32, kh: i32, kw: i32, plane: usize, row: usize): void {`,
  );
  blocks('co', 'cout', rows, (mr) => {
    emit(`  for (let t = 0; t < width; t += 16) {`);
    emit(
      `    dconv_f32_${mr}x4(pw + <usize>co * ldw, ldw, px + ((<usize>t) << 2), po + <usize>co * ldo + ((<usize>t) << 2), ldo, cin, kh, kw, plane, row);`,
    );
    emit(`  }`);
  });
  emit(`}`);
  emit('');
}

/** Broadcast (NN) tiles of nv vectors: all m rows of A against one strip of B, in the given row blocks. */
function nnDispatch(nv, rows) {
  emit(
    `/** C[0..m, strip] (+)= alpha · A[0..m, 0..k) · B[0..k, strip] for a strip of ${nv} vector(s) (see the nn tiles). */`,
  );
  emit(
    `export function nn_rows_x${nv}<T>(pa: usize, lda: usize, pb: usize, ldb: usize, pc: usize, ldc: usize, m: i32, k: i32, alpha: T, acc: bool): void {`,
  );
  blocks('i', 'm', rows, (mr) =>
    emit(`  nn_${mr}x${nv}<T>(pa + <usize>i * lda, lda, pb, ldb, pc + <usize>i * ldc, ldc, k, alpha, acc);`),
  );
  emit(`}`);
  emit('');
}

/** Dot-product (NT) tiles against nr rows of B: all m rows of A, in the given row blocks. */
function ntDispatch(nr, rows) {
  emit(
    `/** C[i, 0..${nr}) (+)= alpha · Σ_p A[i, p]·B[0..${nr}, p] for all m rows of A (see the nt tiles). */`,
  );
  emit(
    `export function nt_f32_rows_x${nr}(pa: usize, lda: usize, pb: usize, ldb: usize, pc: usize, ldc: usize, m: i32, k: i32, alpha: f32, acc: bool): void {`,
  );
  blocks('i', 'm', rows, (mr) =>
    emit(`  nt_f32_${mr}x${nr}(pa + <usize>i * lda, lda, pb, ldb, pc + <usize>i * ldc, ldc, k, alpha, acc);`),
  );
  emit(`}`);
  emit('');
}

/** Channel-vector convolution of one output row: the tile family of cb = 4·cv channels, widest first. */
function cvConvDispatch(groups) {
  emit('/**');
  emit(
    ' * One output row of the channel-vector convolution: `ow` pixels × cb channels (16, 8 or 4) from the',
  );
  emit(
    ' * transposed weights pw (ldq bytes per tap) and the padded input row xr; output channels ldy bytes apart.',
  );
  emit(' */');
  emit(
    `export function cvconv_f32_row(cb: i32, pw: usize, ldq: usize, xr: usize, yr: usize, ldy: usize, ow: i32, cin: i32, kh: i32, kw: i32, plane: usize, row: usize): void {`,
  );
  groups.forEach(({ cv, pixels }, g) => {
    emit(
      g === 0
        ? `if (cb == ${4 * cv}) {`
        : g < groups.length - 1
          ? `} else if (cb == ${4 * cv}) {`
          : `} else {`,
    );
    blocks('c', 'ow', pixels, (px) =>
      emit(
        `  cvconv_f32_${cv}x${px}(pw, ldq, xr + ((<usize>c) << 2), yr + ((<usize>c) << 2), ldy, cin, kh, kw, plane, row);`,
      ),
    );
  });
  emit(`}`);
  emit(`}`);
  emit('');
}

/** Channel-vector filter gradient: all q taps (pairs, then one), each with the tile family of cb channels. */
function cvGradDispatch(taps, cvs) {
  emit(
    '/** Byte offset of tap t = (ci, i, j) in padded planes (`plane` bytes each, rows `row` bytes apart). */',
  );
  emit(`function tapOffset(t: i32, kh: i32, kw: i32, plane: usize, row: usize): usize {`);
  emit(`  const kk = kh * kw;`);
  emit(`  const ci = t / kk;`);
  emit(`  const ij = t - ci * kk;`);
  emit(`  const i = ij / kw;`);
  emit(`  return <usize>ci * plane + <usize>i * row + ((<usize>(ij - i * kw)) << 2);`);
  emit(`}`);
  emit('');
  emit('/**');
  emit(
    ' * Channel-vector filter gradient for cb channels (16, 8 or 4): out_t[co] += Σ x_t·dyT[·, co] for every',
  );
  emit(' * tap t < q of the padded input xpad; dyT (pd) and out are [·, cOut] with ldd bytes per row.');
  emit(' */');
  emit(
    `export function cvgrad_f32_taps(cb: i32, xpad: usize, pd: usize, ldd: usize, out: usize, q: i32, kh: i32, kw: i32, plane: usize, row: usize, oh: i32, ow: i32): void {`,
  );
  blocks('t', 'q', taps, (qr) => {
    for (let u = 0; u < qr; u++)
      emit(`  const x${u} = xpad + tapOffset(t${u ? ` + ${u}` : ''}, kh, kw, plane, row);`);
    emit(`  const o0 = out + <usize>t * ldd;`);
    for (let u = 1; u < qr; u++) emit(`  const o${u} = ${at('o0', u, 'ldd')};`);
    const xs = Array.from({ length: qr }, (_, u) => `x${u}`).join(', ');
    const os = Array.from({ length: qr }, (_, u) => `o${u}`).join(', ');
    cvs.forEach((cv, g) => {
      const call = `cvgrad_f32_${qr}x${cv}(${xs}, pd, ldd, ${os}, oh, ow, row);`;
      emit(
        g === 0
          ? `if (cb == ${4 * cv}) ${call}`
          : g < cvs.length - 1
            ? `else if (cb == ${4 * cv}) ${call}`
            : `else ${call}`,
      );
    });
  });
  emit(`}`);
  emit('');
}

emit('// GENERATED by src/kernels/as/gen-tiles.mjs (run by scripts/build.mjs). Do not edit.');
emit('');
emit("import { madd2, madd4 } from './simd';");
emit('');
const NN_SHAPES = [
  [2, 4],
  [1, 4],
  [4, 2],
  [2, 2],
  [1, 2],
  [4, 1],
  [2, 1],
  [1, 1],
];
for (const t of ['f32', 'f64']) for (const [mr, nv] of NN_SHAPES) nnTile(t, mr, nv);
// One generic entry per NN tile shape, so the GEMM driver is written once for f32 and f64: the branch on
// sizeof<T>() is resolved at compile time.
for (const [mr, nv] of NN_SHAPES) {
  emit(
    `export function nn_${mr}x${nv}<T>(pa: usize, lda: usize, pb: usize, ldb: usize, pc: usize, ldc: usize, k: i32, alpha: T, acc: bool): void {`,
  );
  emit(`  if (sizeof<T>() == 4) nn_f32_${mr}x${nv}(pa, lda, pb, ldb, pc, ldc, k, <f32>alpha, acc);`);
  emit(`  else nn_f64_${mr}x${nv}(pa, lda, pb, ldb, pc, ldc, k, <f64>alpha, acc);`);
  emit(`}`);
  emit('');
}
// The GEMM drivers cover all rows of A with nn_rows_x* and nt_f32_rows_x*, made from the tile shapes.
// Row blocks of the dot-product and wide-direct tiles, channel-vector groups (vectors of 4 channels, pixel
// blocks) and tap blocks of the gradient tiles: the tiles and the conv dispatch loops are made from these.
const ROWS = [2, 1];
const CV_CONV = [
  { cv: 4, pixels: [2, 1] },
  { cv: 2, pixels: [4, 1] },
  { cv: 1, pixels: [8, 1] },
];
const CV_GRAD = [4, 2, 1];
const NT_COLS = [5, 4, 1];
for (const mr of ROWS) for (const nr of NT_COLS) ntTile(mr, nr);
for (const mr of ROWS) convTile(mr);
for (const { cv, pixels } of CV_CONV) for (const px of pixels) cvConvTile(cv, px);
for (const cv of CV_GRAD) for (const qr of ROWS) cvGradTile(qr, cv);
dconvDispatch(ROWS);
for (const nv of new Set(NN_SHAPES.map(([, nv]) => nv)))
  nnDispatch(
    nv,
    NN_SHAPES.filter((shape) => shape[1] === nv).map(([mr]) => mr),
  );
for (const nr of NT_COLS) ntDispatch(nr, ROWS);
cvConvDispatch(CV_CONV);
cvGradDispatch(ROWS, CV_GRAD);

// Formatted with the repository's prettier settings, so that the generated file passes `npm run lint`.
const here = dirname(fileURLToPath(import.meta.url));
const options = JSON.parse(readFileSync(join(here, '..', '..', '..', '.prettierrc.json'), 'utf8'));
writeFileSync(join(here, 'tiles.ts'), await format(out.join('\n'), { ...options, parser: 'typescript' }));
