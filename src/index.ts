/** The public API of nnlab. */
export * from './tensor/index.js';
export * from './kernels/index.js';
export * from './nn/index.js';
export * from './optim/index.js';
export * from './train/index.js';
export * from './data/index.js';
export { Rng, type RngState } from './util/rng.js';
export * from './util/stats.js';
export { canonicalJson, decodeJson, encodeJson } from './util/json-codec.js';
export { FileWriteError, writeFileAtomic } from './util/atomic.js';
export { freePort } from './util/free-port.js';
export {
  decodeVerified,
  encodeVerified,
  quarantineFile,
  readVerified,
  VerificationError,
  writeVerified,
  type QuarantineOptions,
} from './util/verified-file.js';
export { NNLAB_VERSION } from './version.js';
export * from './jobs/job.js';
export { WorkerPool, JobError, type PoolOptions } from './jobs/pool.js';
export { FileCheckpointStore, MemoryCheckpointStore } from './jobs/checkpoint.js';
export * from './experiment/index.js';
export type { Study } from './experiment/study.js';
export { RunStore, type StoredResult } from './cli/store.js';
export { countDiverged } from './cli/summary.js';
export { acquireRunLock, LockHeldError, type LockInfo, type RunLock } from './cli/lock.js';
export * from './plot/index.js';
export * from './report/index.js';
export * from './notebook/index.js';
export { runStored, type StoredRunOptions } from './cli/stored-run.js';
