// The event files are checked by a reader nnlab did not write: protoc compiles the transcribed TensorBoard
// protos (fixtures/tb_event.proto), and Debian's python3 with Google's protobuf runtime decodes every record
// after checking both CRCs with its own CRC-32C (fixtures/read_events.py).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  EventFileWriter,
  flattenHParams,
  scalarsEvent,
  scalarsEventReference,
  sessionEndEvent,
  sessionStartEvent,
  tfRecord,
} from './events.js';
import { crc32c, maskCrc } from './crc32c.js';
import { JobLog } from './log.js';

const fixtures = new URL('../../src/metrics/fixtures/', import.meta.url).pathname;
const PYTHON = '/usr/bin/python3';

function missingTools(): string | false {
  if (spawnSync('protoc', ['--version']).status !== 0) return 'protoc is missing (Debian: protobuf-compiler)';
  const py = spawnSync(PYTHON, ['-c', 'import google.protobuf']);
  if (py.status !== 0) return `${PYTHON} with google.protobuf is missing (Debian: python3-protobuf)`;
  return false;
}

interface Decoded {
  path: string;
  records: {
    wall_time: number;
    step: number;
    what: string;
    file_version?: string;
    values?: {
      tag: string;
      simple_value?: number | string;
      plugin?: string;
      hparams?: Record<string, unknown>;
    }[];
  }[];
}

function decode(files: string[]): Decoded[] {
  const gen = mkdtempSync(join(tmpdir(), 'nnlab-proto-'));
  try {
    execFileSync('protoc', [
      `--proto_path=${fixtures}`,
      `--python_out=${gen}`,
      join(fixtures, 'tb_event.proto'),
    ]);
    const out = execFileSync(PYTHON, [join(fixtures, 'read_events.py'), gen, ...files], { encoding: 'utf8' });
    return JSON.parse(out) as Decoded[];
  } finally {
    rmSync(gen, { recursive: true, force: true });
  }
}

test('tfRecord frames data with the length, masked CRC-32C of each, little-endian', () => {
  const data = new TextEncoder().encode('abc');
  const r = tfRecord(data);
  const v = new DataView(r.buffer);
  assert.equal(r.length, 8 + 4 + 3 + 4);
  assert.equal(v.getBigUint64(0, true), 3n);
  assert.equal(v.getUint32(8, true), maskCrc(crc32c(r.subarray(0, 8))));
  assert.deepEqual([...r.subarray(12, 15)], [...data]);
  assert.equal(v.getUint32(15, true), maskCrc(crc32c(data)));
});

test('the fast scalarsEvent encodes byte for byte as the generic ProtoWriter does', () => {
  const long = 'x'.repeat(200); // a tag whose length needs a two-byte varint
  for (const [step, scalars] of [
    [0, [['a', 1]]],
    [
      2 ** 40 + 3,
      [
        ['epoch/loss', 0.25],
        [long, NaN],
        ['batch/lr', -Infinity],
      ],
    ],
    [127, []],
    [128, [['évaluation/coût', 3.5]]],
  ] as [number, [string, number][]][]) {
    assert.deepEqual(
      [...scalarsEvent(1.5e9, step, scalars)],
      [...scalarsEventReference(1.5e9, step, scalars)],
    );
  }
});

test('flattenHParams keeps scalars under dotted keys and writes lists as JSON text', () => {
  assert.deepEqual(flattenHParams({ seed: 1, config: { lr: 0.1, name: 'a', bn: true, sizes: [1, 2] } }), {
    seed: 1,
    'config.lr': 0.1,
    'config.name': 'a',
    'config.bn': true,
    'config.sizes': '[1,2]',
  });
});

test(
  'event files decode with protoc + python3-protobuf: every CRC, scalar, step and hparam',
  { timeout: 30_000 },
  (t) => {
    const missing = missingTools();
    if (missing) {
      t.skip(`skipped: ${missing}`);
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'nnlab-events-'));
    try {
      const w = new EventFileWriter(dir, 1700000000.25);
      w.add(sessionStartEvent(1700000000.5, { lr: 0.01, optimizer: 'sgd', bn: false }, 'p4/train'));
      w.add(
        scalarsEvent(1700000001, 1, [
          ['epoch/loss', 0.5],
          ['epoch/accuracy', 0.875],
        ]),
      );
      w.add(scalarsEvent(1700000002, 2 ** 40, [['epoch/loss', NaN]]));
      w.add(sessionEndEvent(1700000003, 'success'));
      w.close();
      const [file] = decode([w.path]);
      const rs = file.records;
      assert.equal(rs.length, 5);
      assert.deepEqual(rs[0], {
        wall_time: 1700000000.25,
        step: 0,
        what: 'file_version',
        file_version: 'brain.Event:2',
      });
      const start = rs[1].values![0];
      assert.equal(start.tag, '_hparams_/session_start_info');
      assert.equal(start.plugin, 'hparams');
      assert.deepEqual(start.hparams, {
        session_start_info: {
          hparams: { lr: 0.01, optimizer: 'sgd', bn: false },
          group_name: 'p4/train',
          start_time_secs: 1700000000.5,
        },
      });
      assert.deepEqual(rs[2], {
        wall_time: 1700000001,
        step: 1,
        what: 'summary',
        values: [
          { tag: 'epoch/loss', simple_value: 0.5 },
          { tag: 'epoch/accuracy', simple_value: 0.875 },
        ],
      });
      assert.equal(rs[3].step, 2 ** 40);
      assert.equal(rs[3].values![0].simple_value, 'nan');
      assert.deepEqual(rs[4].values![0].hparams, {
        session_end_info: { status: 'STATUS_SUCCESS', end_time_secs: 1700000003 },
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test(
  'a JobLog writes event files that match its metrics.jsonl, per stream, across a resumed session',
  { timeout: 30_000 },
  (t) => {
    const missing = missingTools();
    if (missing) {
      t.skip(`skipped: ${missing}`);
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'nnlab-joblog-'));
    try {
      const info = { job: 'p5/sweep', key: 'lr 0.1', jobId: 'abc', args: { lr: 0.1, seed: 3 } };
      const a = new JobLog(dir, info);
      a.log(1, { loss: 2.5, accuracy: 0.25 });
      for (let i = 1; i <= 3; i++) a.log(i, { loss: 3 - i / 10 }, 'batch');
      a.log(2, { loss: 1.5, accuracy: 0.5 });
      a.flush(); // killed here: no end record
      const b = new JobLog(dir, info);
      b.log(2, { loss: 1.5, accuracy: 0.5 }); // repeated by the resume: dropped
      b.log(3, { loss: 1.25, accuracy: 0.625 });
      b.close('done');
      const mainFiles = readdirSync(dir)
        .filter((f) => f.includes('tfevents'))
        .map((f) => join(dir, f))
        .sort();
      assert.equal(mainFiles.length, 2, 'one event file per session');
      const batchFiles = readdirSync(join(dir, 'batch')).map((f) => join(dir, 'batch', f));
      const decoded = decode([...mainFiles, ...batchFiles]);
      const scalars = (d: Decoded) =>
        d.records.flatMap((r) =>
          (r.values ?? [])
            .filter((v) => v.simple_value !== undefined)
            .map((v) => [r.step, v.tag, v.simple_value]),
        );
      assert.deepEqual(
        [...scalars(decoded[0]), ...scalars(decoded[1])],
        [
          [1, 'epoch/loss', 2.5],
          [1, 'epoch/accuracy', 0.25],
          [2, 'epoch/loss', 1.5],
          [2, 'epoch/accuracy', 0.5],
          [3, 'epoch/loss', 1.25],
          [3, 'epoch/accuracy', 0.625],
        ],
      );
      // float32 storage: 2.9 and 2.8 come back rounded to single precision.
      assert.deepEqual(scalars(decoded[2]), [
        [1, 'batch/loss', Math.fround(2.9)],
        [2, 'batch/loss', Math.fround(2.8)],
        [3, 'batch/loss', Math.fround(2.7)],
      ]);
      const tags = decoded[1].records.flatMap((r) => (r.values ?? []).map((v) => v.tag));
      assert.ok(tags.includes('_hparams_/session_start_info') && tags.includes('_hparams_/session_end_info'));
      assert.ok(existsSync(join(dir, 'metrics.jsonl')));
      assert.equal(
        readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
          .split('\n')
          .filter((l) => l.includes('"t":"m"')).length,
        6,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
