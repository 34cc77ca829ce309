/**
 * TensorFlow event files, the format `tensorboard --logdir` reads (and W&B's `wandb sync`, Aim's
 * `aim convert tensorboard` import). A file is a sequence of TFRecords,
 *   uint64 length (little-endian) · uint32 masked_crc32c(length bytes) · data · uint32 masked_crc32c(data),
 * each `data` a serialized `Event` (tensorflow/core/util/event.proto):
 *   Event { double wall_time = 1; int64 step = 2; oneof { string file_version = 3; Summary summary = 5; } }
 *   Summary { repeated Value value = 1 }   Value { string tag = 1; float simple_value = 2; SummaryMetadata metadata = 9 }
 *   SummaryMetadata { PluginData plugin_data = 1 }   PluginData { string plugin_name = 1; bytes content = 2 }
 * The first record is `file_version: "brain.Event:2"`. Hyperparameters go through the hparams plugin
 * (tensorboard/plugins/hparams/plugin_data.proto): summaries tagged `_hparams_/session_start_info` and
 * `_hparams_/session_end_info` whose plugin content is an `HParamsPluginData { int32 version = 1;
 * SessionStartInfo session_start_info = 3; SessionEndInfo session_end_info = 4 }`. Without an
 * `_hparams_/experiment` summary TensorBoard builds the experiment from the sessions' hparams and every
 * scalar tag it finds, which is what we want: the jobs of one experiment have different metrics.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { crc32c, maskCrc } from './crc32c.js';
import { ProtoWriter } from './protobuf.js';

/** One TFRecord around `data` (see the file comment). */
export function tfRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + 4 + data.length + 4);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(data.length), true);
  view.setUint32(8, maskCrc(crc32c(out.subarray(0, 8))), true);
  out.set(data, 12);
  view.setUint32(12 + data.length, maskCrc(crc32c(data)), true);
  return out;
}

/** Event { wall_time, step, file_version: "brain.Event:2" }: the first record of every event file. */
export function fileVersionEvent(wallTime: number): Uint8Array {
  return new ProtoWriter().double(1, wallTime).uint(2, 0).string(3, 'brain.Event:2').finish();
}

const utf8 = new TextEncoder();
const tagBytes = new Map<string, Uint8Array>();

/** Bytes of a varint (non-negative safe integer). */
function varintLength(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 0x80);
    n++;
  }
  return n;
}

function putVarint(out: Uint8Array, at: number, v: number): number {
  while (v >= 0x80) {
    out[at++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  out[at++] = v;
  return at;
}

/**
 * Event { wall_time, step, summary { value { tag, simple_value } … } }; values are stored as float32. The hot
 * path of per-batch logging, so encoded straight into one exactly-sized buffer (tags' UTF-8 cached) rather
 * than through ProtoWriter; the result is byte-for-byte what ProtoWriter writes (tested).
 */
export function scalarsEvent(
  wallTime: number,
  step: number,
  scalars: [tag: string, value: number][],
): Uint8Array {
  if (!Number.isSafeInteger(step) || step < 0) {
    throw new Error(`scalarsEvent: step must be a non-negative safe integer, got ${step}`);
  }
  const tags = scalars.map(([tag]) => {
    let b = tagBytes.get(tag);
    if (b === undefined) tagBytes.set(tag, (b = utf8.encode(tag)));
    return b;
  });
  // Value = 0x0a len(tag) tag 0x15 float32; Summary = (0x0a len(Value) Value)*; Event = 0x09 f64 0x10 step 0x2a len(Summary) Summary.
  const valueLengths = tags.map((t) => 1 + varintLength(t.length) + t.length + 5);
  const summaryLength = valueLengths.reduce((s, n) => s + 1 + varintLength(n) + n, 0);
  const total = 9 + 1 + varintLength(step) + 1 + varintLength(summaryLength) + summaryLength;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out[0] = 0x09;
  view.setFloat64(1, wallTime, true);
  out[9] = 0x10;
  let at = putVarint(out, 10, step);
  out[at++] = 0x2a;
  at = putVarint(out, at, summaryLength);
  scalars.forEach(([, value], i) => {
    out[at++] = 0x0a;
    at = putVarint(out, at, valueLengths[i]);
    out[at++] = 0x0a;
    at = putVarint(out, at, tags[i].length);
    out.set(tags[i], at);
    at += tags[i].length;
    out[at++] = 0x15;
    view.setFloat32(at, value, true);
    at += 4;
  });
  return out;
}

/** scalarsEvent through the generic ProtoWriter (the reference the fast path is tested against). */
export function scalarsEventReference(
  wallTime: number,
  step: number,
  scalars: [tag: string, value: number][],
): Uint8Array {
  return new ProtoWriter()
    .double(1, wallTime)
    .uint(2, step)
    .message(5, (s) => {
      for (const [tag, value] of scalars) s.message(1, (v) => v.string(1, tag).float(2, value));
    })
    .finish();
}

/** An hparams value: google.protobuf.Value { double number_value = 2; string string_value = 3; bool bool_value = 4 }. */
export type HParamValue = number | string | boolean;

/** SessionEndInfo.status of plugin_data.proto. */
export const SESSION_STATUS = { unknown: 0, success: 1, failure: 2, running: 3 } as const;

function hparamsEvent(wallTime: number, tag: string, content: Uint8Array): Uint8Array {
  return new ProtoWriter()
    .double(1, wallTime)
    .uint(2, 0)
    .message(5, (s) =>
      s.message(1, (v) =>
        v.string(1, tag).message(9, (m) => m.message(1, (p) => p.string(1, 'hparams').bytes(2, content))),
      ),
    )
    .finish();
}

/**
 * `_hparams_/session_start_info`: HParamsPluginData { version: 0, session_start_info { hparams (map<string,
 * Value>, one entry message { key = 1; value = 2 } each), group_name = 4, start_time_secs = 5 } }.
 */
export function sessionStartEvent(
  wallTime: number,
  hparams: Record<string, HParamValue>,
  groupName: string,
): Uint8Array {
  const content = new ProtoWriter()
    .uint(1, 0)
    .message(3, (info) => {
      for (const [key, value] of Object.entries(hparams)) {
        info.message(1, (entry) =>
          entry.string(1, key).message(2, (v) => {
            if (typeof value === 'number') v.double(2, value);
            else if (typeof value === 'string') v.string(3, value);
            else v.uint(4, value ? 1 : 0);
          }),
        );
      }
      info.string(4, groupName).double(5, wallTime);
    })
    .finish();
  return hparamsEvent(wallTime, '_hparams_/session_start_info', content);
}

/** `_hparams_/session_end_info`: HParamsPluginData { session_end_info { status = 1, end_time_secs = 2 } }. */
export function sessionEndEvent(wallTime: number, status: keyof typeof SESSION_STATUS): Uint8Array {
  const content = new ProtoWriter()
    .uint(1, 0)
    .message(4, (info) => info.uint(1, SESSION_STATUS[status]).double(2, wallTime))
    .finish();
  return hparamsEvent(wallTime, '_hparams_/session_end_info', content);
}

/**
 * Flattens a job's arguments into hparams: nested records become dotted keys ("config.lr"); numbers, strings
 * and booleans are kept; lists and other values become their JSON text, cut to 200 characters (TensorBoard's
 * hparams are scalars only).
 */
export function flattenHParams(
  args: unknown,
  prefix = '',
  out: Record<string, HParamValue> = {},
): Record<string, HParamValue> {
  if (typeof args === 'number' || typeof args === 'string' || typeof args === 'boolean') {
    out[prefix === '' ? 'value' : prefix] = args;
  } else if (args !== null && typeof args === 'object' && !Array.isArray(args) && !ArrayBuffer.isView(args)) {
    for (const [k, v] of Object.entries(args)) flattenHParams(v, prefix === '' ? k : `${prefix}.${k}`, out);
  } else if (args !== undefined) {
    const text = ArrayBuffer.isView(args)
      ? `[${(args as unknown as ArrayLike<number>).length} numbers]`
      : JSON.stringify(args);
    out[prefix === '' ? 'value' : prefix] = (text ?? String(args)).slice(0, 200);
  }
  return out;
}

/**
 * Appends events to one new file `events.out.tfevents.<seconds>.<host>.<pid>.<n>` in `dir` (each writer
 * session gets its own file, as TensorFlow's writers do; TensorBoard reads a directory's files in name order).
 * Records are buffered and written by `flush()` (the caller decides when), so a killed process loses at most
 * the unflushed tail and never leaves a torn record before complete ones.
 */
export class EventFileWriter {
  static counter = 0;
  readonly path: string;
  private readonly fd: number;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;

  constructor(dir: string, wallTime = Date.now() / 1000) {
    const name = `events.out.tfevents.${Math.floor(wallTime)}.${hostname()}.${process.pid}.${threadId}.${EventFileWriter.counter++}`;
    this.path = join(dir, name);
    this.fd = openSync(this.path, 'a');
    this.add(fileVersionEvent(wallTime));
    this.flush();
  }

  /** Queues one serialized Event. */
  add(event: Uint8Array): void {
    const r = tfRecord(event);
    this.pending.push(r);
    this.pendingBytes += r.length;
  }

  get bufferedBytes(): number {
    return this.pendingBytes;
  }

  flush(): void {
    if (this.pending.length === 0) return;
    const all = new Uint8Array(this.pendingBytes);
    let o = 0;
    for (const p of this.pending) {
      all.set(p, o);
      o += p.length;
    }
    this.pending = [];
    this.pendingBytes = 0;
    writeSync(this.fd, all);
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}
