// The dashboard page: lists runs, experiments and jobs (state, progress), draws the chosen jobs' curves,
// their last/min/max table and a sweep's setting-against-outcome view, all as Vega-Lite specs the server
// builds; redraws when the server's Server-Sent Events say a log changed. Plain browser JavaScript, no build.
'use strict';

const state = {
  runs: [],
  selected: new Set(), // "run/exp/dir"
  series: new Set(), // "stream/metric"
  auto: true, // nothing chosen by hand yet: follow the first running job
  open: new Set(), // <details> keys kept open across redraws
  views: new Map(),
  sweep: { exp: '', x: '', y: '', agg: 'last' },
};

const $ = (id) => document.getElementById(id);

async function getJson(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: ${r.status} ${await r.text()}`);
  return r.json();
}

function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'dataset') Object.assign(e.dataset, v);
    else if (k in e) e[k] = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c);
  return e;
}

function allJobs() {
  const out = [];
  for (const run of state.runs)
    for (const exp of run.experiments)
      for (const job of exp.jobs) out.push({ ref: `${run.name}/${exp.id}/${job.dir}`, run, exp, job });
  return out;
}

function query(extra = {}) {
  const p = new URLSearchParams();
  for (const j of state.selected) p.append('job', j);
  for (const s of state.series) p.append('series', s);
  for (const [k, v] of Object.entries(extra)) p.set(k, v);
  return p.toString();
}

async function draw(container, spec) {
  const old = state.views.get(container.id);
  if (old) old.finalize();
  container.textContent = '';
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), {
    renderer: 'svg',
    container,
    hover: true,
  });
  state.views.set(container.id, view);
  await view.runAsync();
}

function renderTree() {
  const aside = $('runs');
  aside.textContent = '';
  if (state.runs.length === 0)
    aside.append(el('p', { className: 'empty', textContent: 'No run directories yet.' }));
  for (const run of state.runs) {
    const runBox = el(
      'details',
      { open: !state.open.has(`closed:${run.name}`) },
      el('summary', { textContent: run.name }),
    );
    runBox.addEventListener('toggle', () => toggleOpen(`closed:${run.name}`, !runBox.open));
    for (const exp of run.experiments) {
      const counts = {};
      for (const j of exp.jobs) counts[j.status] = (counts[j.status] ?? 0) + 1;
      const text =
        `${exp.id} — ${exp.jobs.length} jobs` +
        Object.entries(counts)
          .map(([k, n]) => `, ${n} ${k}`)
          .join('');
      const key = `open:${run.name}/${exp.id}`;
      const anySelected = exp.jobs.some((j) => state.selected.has(`${run.name}/${exp.id}/${j.dir}`));
      const box = el(
        'details',
        { className: 'exp', open: state.open.has(key) || anySelected },
        el('summary', { textContent: text }),
      );
      box.addEventListener('toggle', () => toggleOpen(key, box.open));
      for (const p of exp.problems) box.append(el('div', { className: 'empty', textContent: p }));
      for (const job of exp.jobs) {
        const ref = `${run.name}/${exp.id}/${job.dir}`;
        const id = `job-${btoa(unescape(encodeURIComponent(ref))).replace(/[^A-Za-z0-9]/g, '')}`;
        const box2 = el('input', {
          type: 'checkbox',
          id,
          checked: state.selected.has(ref),
          dataset: { job: ref },
        });
        box2.addEventListener('change', () => {
          state.auto = false;
          if (box2.checked) state.selected.add(ref);
          else state.selected.delete(ref);
          update();
        });
        const p = job.progress;
        const bar = el('progress', {
          max: p ? p.total : 1,
          value: p ? p.done : job.status === 'done' ? 1 : 0,
        });
        bar.title = p ? `${p.done}/${p.total} ${p.unit}${p.info ? ' — ' + p.info : ''}` : job.status;
        const label = el('label', {
          htmlFor: id,
          textContent: job.key,
          title: `${job.job} ${job.jobId}${job.error ? '\n' + job.error : ''}`,
        });
        box.append(
          el(
            'div',
            { className: 'job', dataset: { job: ref, status: job.status } },
            box2,
            label,
            el('span', { className: `state ${job.status}`, textContent: job.status }),
            bar,
          ),
        );
      }
      runBox.append(box);
    }
    aside.append(runBox);
  }
}

function toggleOpen(key, on) {
  if (on) state.open.add(key);
  else state.open.delete(key);
}

function availableSeries() {
  const keys = new Set();
  for (const j of allJobs()) if (state.selected.has(j.ref)) for (const s of j.job.series) keys.add(s.key);
  return [...keys].sort();
}

function chooseDefaults() {
  const jobs = allJobs();
  for (const ref of [...state.selected]) if (!jobs.some((j) => j.ref === ref)) state.selected.delete(ref);
  if (state.auto) {
    const pick =
      jobs.find((j) => j.job.status === 'running' && j.job.series.length > 0) ??
      jobs.find((j) => j.job.series.length > 0);
    state.selected = new Set(pick ? [pick.ref] : []);
  }
  const avail = availableSeries();
  for (const s of [...state.series]) if (!avail.includes(s)) state.series.delete(s);
  if (state.series.size === 0) {
    const pref =
      ['epoch/loss', 'epoch/testLoss', 'epoch/medianLoss'].find((k) => avail.includes(k)) ??
      avail.find((k) => k.startsWith('epoch/')) ??
      avail[0];
    if (pref) state.series.add(pref);
  }
}

function renderSeries() {
  const box = $('series');
  box.textContent = '';
  for (const key of availableSeries()) {
    const id = `series-${key.replace(/[^A-Za-z0-9]/g, '_')}`;
    const input = el('input', {
      type: 'checkbox',
      id,
      checked: state.series.has(key),
      dataset: { series: key },
    });
    input.addEventListener('change', () => {
      if (input.checked) state.series.add(key);
      else state.series.delete(key);
      drawCurves();
      drawTable();
    });
    box.append(el('label', { htmlFor: id }, input, ` ${key}`));
  }
}

async function drawCurves() {
  const chart = $('chart');
  const note = $('curves-note');
  for (const f of ['csv', 'json']) $(`curves-${f}`).href = `/api/curves?${query({ format: f })}`;
  if (state.selected.size === 0 || state.series.size === 0) {
    chart.textContent = 'Choose jobs on the left and a metric above.';
    chart.dataset.points = '0';
    chart.dataset.curves = '0';
    return;
  }
  const r = await getJson(`/api/curves?${query({ x: $('x').value, log: $('logy').checked ? '1' : '0' })}`);
  await draw(chart, r.spec);
  chart.dataset.points = String(r.points);
  chart.dataset.curves = String(new Set(r.spec.data.values.map((p) => `${p.job} ${p.series}`)).size);
  chart.dataset.drawn = String(performance.now());
  note.textContent = r.downsampled
    ? `${r.points} of ${r.total} points shown (min and max of each of ≤${Math.floor(1000 / 2)} step buckets per curve); exports are complete`
    : `${r.points} points`;
}

function fmt(v) {
  if (v === null || v === undefined) return '—';
  if (typeof v !== 'number') return String(v);
  return Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0)
    ? v.toExponential(3)
    : String(Number(v.toPrecision(5)));
}

async function drawTable() {
  for (const f of ['csv', 'json']) $(`table-${f}`).href = `/api/table?${query({ format: f })}`;
  const head = $('table').tHead;
  const body = $('table').tBodies[0];
  head.textContent = '';
  body.textContent = '';
  if (state.selected.size === 0) return;
  const { rows } = await getJson(`/api/table?${query()}`);
  const cols = ['job', 'series', 'points', 'last', 'min', 'max'];
  head.append(el('tr', {}, ...cols.map((c) => el('th', { textContent: c }))));
  for (const r of rows) {
    if (state.series.size > 0 && !state.series.has(r.series)) continue;
    body.append(el('tr', {}, ...cols.map((c) => el('td', { textContent: fmt(r[c]) }))));
  }
}

function varyingHParams(exp) {
  const values = new Map();
  for (const j of exp.jobs)
    for (const [k, v] of Object.entries(j.hparams))
      (values.get(k) ?? values.set(k, new Set()).get(k)).add(String(v));
  return [...values]
    .filter(([, s]) => s.size > 1)
    .map(([k]) => k)
    .sort();
}

function fillSelect(select, options, current) {
  select.textContent = '';
  for (const o of options) select.append(el('option', { value: o, textContent: o }));
  if (options.includes(current)) select.value = current;
  return select.value;
}

async function drawSweep() {
  const exps = [];
  for (const run of state.runs)
    for (const exp of run.experiments)
      if (varyingHParams(exp).length > 0) exps.push({ ref: `${run.name}/${exp.id}`, run, exp });
  const sweepBox = $('sweep');
  const s = state.sweep;
  s.exp = fillSelect(
    $('sweep-exp'),
    exps.map((e) => e.ref),
    s.exp || (exps.find((e) => e.exp.id === 'p5') ?? exps[0])?.ref,
  );
  const chosen = exps.find((e) => e.ref === s.exp);
  if (!chosen) {
    sweepBox.textContent = 'No experiment with jobs of different settings yet.';
    return;
  }
  const xs = varyingHParams(chosen.exp);
  s.x = fillSelect($('sweep-x'), xs, s.x || (xs.includes('lr') ? 'lr' : xs[0]));
  const ys = [...new Set(chosen.exp.jobs.flatMap((j) => j.series.map((x) => x.key)))].sort();
  s.y = fillSelect($('sweep-y'), ys, s.y || (ys.includes('epoch/loss') ? 'epoch/loss' : ys[0]));
  s.agg = $('sweep-agg').value;
  // Only jobs of one kind (P5's sweep jobs, not its batch-size job that also has an lr): the commonest job
  // name among those with this setting.
  const names = new Map();
  for (const j of chosen.exp.jobs) if (s.x in j.hparams) names.set(j.job, (names.get(j.job) ?? 0) + 1);
  const name = [...names].sort((a, b) => b[1] - a[1])[0]?.[0] ?? '';
  const p = new URLSearchParams({
    name,
    run: chosen.run.name,
    exp: chosen.exp.id,
    x: s.x ?? '',
    y: s.y ?? '',
    agg: s.agg,
    logx: $('sweep-logx').checked ? '1' : '0',
  });
  for (const f of ['csv', 'json']) $(`sweep-${f}`).href = `/api/sweep?${p}&format=${f}`;
  if (!s.x || !s.y) return;
  const r = await getJson(`/api/sweep?${p}`);
  sweepBox.dataset.points = String(r.rows.length);
  await draw(sweepBox, r.spec);
}

function showProblems(list) {
  const box = $('problems');
  box.hidden = list.length === 0;
  box.textContent = list.join('\n');
}

let running = null;
let again = false;
async function update() {
  if (running) {
    again = true;
    return running;
  }
  running = (async () => {
    try {
      const data = await getJson('/api/runs');
      state.runs = data.runs;
      $('root').textContent = data.root;
      const problems = [...data.problems];
      for (const run of data.runs) {
        problems.push(...run.problems.map((p) => `${run.name}: ${p}`));
        for (const exp of run.experiments)
          for (const j of exp.jobs)
            for (const p of j.problems) problems.push(`${run.name}/${exp.id}/${j.key}: ${p}`);
      }
      showProblems(problems);
      chooseDefaults();
      renderTree();
      renderSeries();
      await Promise.all([drawCurves(), drawTable(), drawSweep()]);
      document.body.dataset.updated = String(Date.now());
    } catch (e) {
      showProblems([String(e.message ?? e)]);
    }
  })();
  await running;
  running = null;
  if (again) {
    again = false;
    await update();
  }
}

function connect() {
  const live = $('live');
  const source = new EventSource('/api/events');
  source.onopen = () => {
    live.textContent = '● live';
    live.className = 'on';
  };
  source.onerror = () => {
    live.textContent = '○ reconnecting';
    live.className = '';
  };
  let timer = null;
  source.addEventListener('change', () => {
    clearTimeout(timer);
    timer = setTimeout(update, 150);
  });
}

for (const id of ['x', 'logy']) $(id).addEventListener('change', drawCurves);
for (const id of ['sweep-exp', 'sweep-x', 'sweep-y', 'sweep-agg', 'sweep-logx'])
  $(id).addEventListener('change', () => {
    state.sweep = {
      exp: $('sweep-exp').value,
      x: id === 'sweep-exp' ? '' : $('sweep-x').value,
      y: id === 'sweep-exp' ? '' : $('sweep-y').value,
      agg: $('sweep-agg').value,
    };
    drawSweep();
  });
update().then(connect);
