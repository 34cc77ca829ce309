/**
 * `nnlab worker --redis URL [--concurrency N] [--stall-seconds S]`: processes nnlab jobs from the queue in
 * Redis until stopped (Ctrl-C: finish the running jobs; twice: stop now, they resume elsewhere from their
 * checkpoints). Any machine with the same nnlab version and study can be a worker.
 */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { ConfigError } from '../experiment/index.js';
import { parseRedisUrl } from '../queue/redis-url.js';
import { startQueueWorker } from '../queue/worker.js';
import { studyModule } from '../experiment/study.js';

function positiveNumber(name: string, text: string | undefined, fallback: number, integer: boolean): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new ConfigError(
      `worker: --${name} must be a positive ${integer ? 'integer' : 'number'}, got "${text}"`,
    );
  }
  return n;
}

export async function workerCommand(argv: string[]): Promise<number> {
  let values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        redis: { type: 'string' },
        concurrency: { type: 'string' },
        'stall-seconds': { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new ConfigError(`worker: ${(e as Error).message}`);
  }
  const redis = values.redis as string | undefined;
  if (redis === undefined)
    throw new ConfigError('worker: --redis URL is required, e.g. --redis redis://127.0.0.1:6379');
  try {
    parseRedisUrl(redis);
  } catch (e) {
    throw new ConfigError(`worker: --redis: ${(e as Error).message}`);
  }
  const concurrency = positiveNumber(
    'concurrency',
    values.concurrency as string | undefined,
    availableParallelism(),
    true,
  );
  const stallSeconds = positiveNumber(
    'stall-seconds',
    values['stall-seconds'] as string | undefined,
    15,
    false,
  );
  const log = (line: string): void => {
    process.stdout.write(`${new Date().toISOString()} ${line}\n`);
  };
  const worker = await startQueueWorker({
    redis,
    concurrency,
    stallSeconds,
    studyModule: studyModule(),
    log,
  });
  return await new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) {
        log(`${signal} again: stopping now; running jobs resume on another worker from their checkpoints`);
        process.exit(130);
      }
      stopping = true;
      log(`${signal}: taking no more jobs, finishing the running ones (${signal} again to stop now)`);
      worker.close().then(
        () => resolve(0),
        (e: Error) => {
          log(`worker: close failed: ${e.message}`);
          resolve(1);
        },
      );
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
