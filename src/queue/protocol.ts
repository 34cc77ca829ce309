/**
 * What crosses Redis between a coordinator (`nnlab run --redis`) and workers (`nnlab worker`): a queue
 * message names a registered job and its arguments, never code; its BullMQ id is the job's identity, so
 * adding the same job twice (a restarted coordinator, two at once) is a no-op and a finished result is found
 * again instead of being trained again.
 */
import { jobId } from '../jobs/job.js';
import { NNLAB_VERSION } from '../version.js';
import { encodeJson } from '../util/json-codec.js';

/** The BullMQ queue every nnlab coordinator and worker uses. */
export const QUEUE_NAME = 'nnlab-jobs';

/** A queue message: everything a worker needs, and nothing it could execute. */
export interface QueueJobData {
  /** The registered job name (looked up in the worker's own registry). */
  job: string;
  /** The job's args, encoded with encodeJson (typed arrays and non-finite numbers survive). */
  args: string;
  /** The key within its experiment run, e.g. "bn-input/seed1" (for progress and messages). */
  key: string;
  /** jobId(job, args) as the coordinator computed it; the worker recomputes and compares. */
  jobId: string;
  /** The coordinator's nnlab version: workers of another version refuse the job. */
  nnlab: string;
  /** The experiment that runs the job (namespaces the BullMQ id and the checkpoints). */
  expId: string;
}

/** What a worker returns for a finished job (encoded with encodeJson as the BullMQ return value). */
export interface QueueJobResult {
  /** The job's result, itself encodeJson text. */
  result: string;
  worker: string;
  stats: JobStats;
}

/** Measurements of one job run on a worker. */
export interface JobStats {
  /** Wall time of the job in the sandbox thread (ms), from the message to the result. */
  runMs: number;
  /** Checkpoints saved during this run, and the largest one (bytes of encoded JSON). */
  checkpointSaves: number;
  checkpointMaxBytes: number;
  /** Checkpoint keys found in Redis when the job started (non-empty: it resumed). */
  resumedFrom: string[];
}

/** The message of one job of experiment `expId`. */
export function queueMessage(expId: string, job: string, key: string, args: unknown): QueueJobData {
  return { job, args: encodeJson(args), key, jobId: jobId(job, args), nnlab: NNLAB_VERSION, expId };
}

/** The BullMQ job id: experiment id and nnlab jobId (no ":" — BullMQ reserves it). */
export function bullJobId(expId: string, id: string): string {
  return `${expId}.${id}`;
}

/** The Redis hash holding one job's checkpoints (field = checkpoint key, value = encodeJson text). */
export function checkpointHash(expId: string, id: string): string {
  return `nnlab:ckpt:${expId}:${id}`;
}
