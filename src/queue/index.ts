/**
 * `nnlab/queue`: jobs on BullMQ workers across machines (coordinator, worker, protocol, Redis URLs). A
 * subpath of its own, so `import 'nnlab'` does not load BullMQ and ioredis.
 */
export { QueueCoordinator, type CoordinatorOptions, type FinishedJob } from './coordinator.js';
export { startQueueWorker, type QueueWorker, type QueueWorkerOptions } from './worker.js';
export {
  QUEUE_NAME,
  bullJobId,
  checkpointHash,
  queueMessage,
  type JobStats,
  type QueueJobData,
  type QueueJobResult,
} from './protocol.js';
export { maskSecret, parseRedisUrl, reconnectDelayMs, redisOptions, type RedisTarget } from './redis-url.js';
