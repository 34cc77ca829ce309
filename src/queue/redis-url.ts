/**
 * Redis addresses as the user writes them (`redis://[[user]:password@]host[:port][/db]`, `rediss://…` for
 * TLS) turned into connection options, and the same address with its password masked: the only form of an
 * address that nnlab ever prints, logs or stores, so a password given on a command line never leaks into
 * logs, results or reports.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { rootCertificates } from 'node:tls';

/** Where a queue's Redis lives: connection options plus the masked address for messages. */
export interface RedisTarget {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  tls: boolean;
  /** The address with any password replaced by "***": safe to print. */
  display: string;
}

/** Parses a redis:// or rediss:// URL; throws naming the bad part and the expected form. */
export function parseRedisUrl(text: string): RedisTarget {
  const form = 'expected redis://[:PASSWORD@]HOST[:PORT][/DB] or rediss://… (TLS)';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // Never echo the text: it may hold a password.
    throw new Error(`parseRedisUrl: not a URL (${form})`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new Error(`parseRedisUrl: scheme "${url.protocol}" is not redis: or rediss: (${form})`);
  }
  if (url.hostname === '') throw new Error(`parseRedisUrl: no host (${form})`);
  const port = url.port === '' ? 6379 : Number(url.port);
  const path = url.pathname.replace(/^\//, '');
  if (path !== '' && !/^\d+$/.test(path)) {
    throw new Error(`parseRedisUrl: database "${path}" must be a number 0–15 (${form})`);
  }
  const db = path === '' ? 0 : Number(path);
  const username = url.username === '' ? undefined : decodeURIComponent(url.username);
  const password = url.password === '' ? undefined : decodeURIComponent(url.password);
  const hostPart =
    url.hostname.includes(':') && !url.hostname.startsWith('[') ? `[${url.hostname}]` : url.hostname;
  const auth =
    password !== undefined ? `${username ?? ''}:***@` : username !== undefined ? `${username}@` : '';
  return {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port,
    db,
    username,
    password,
    tls: url.protocol === 'rediss:',
    display: `${url.protocol}//${auth}${hostPart}:${port}/${db}`,
  };
}

/**
 * How long to wait before reconnection attempt `times` (1, 2, …): doubling from 0.25 s up to 10 s, so a
 * restarted Redis is found again within seconds and an absent one is not hammered.
 */
export function reconnectDelayMs(times: number): number {
  return Math.min(10_000, 250 * 2 ** Math.max(0, times - 1));
}

/** Connection settings accepted both by ioredis and by BullMQ's `connection`. */
export interface RedisSettings {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  tls?: { servername?: string; ca?: string };
  maxRetriesPerRequest: null;
  enableReadyCheck: boolean;
  retryStrategy: (times: number) => number;
}

/**
 * ioredis options for `t`: commands wait while Redis is away (maxRetriesPerRequest null, as BullMQ requires)
 * and reconnection backs off; `onRetry` hears every scheduled attempt (for a clear message).
 */
export function redisOptions(
  t: RedisTarget,
  onRetry?: (times: number, delayMs: number) => void,
): RedisSettings {
  return {
    host: t.host,
    port: t.port,
    db: t.db,
    username: t.username,
    password: t.password,
    tls: t.tls ? tlsOptions(t.host) : undefined,
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    retryStrategy: (times: number) => {
      const delay = reconnectDelayMs(times);
      onRetry?.(times, delay);
      return delay;
    },
  };
}

/**
 * TLS options of a rediss:// connection: the system's CAs plus, when NNLAB_REDIS_CA names a PEM file, that
 * one (a private CA); the server name is sent for host names (RFC 6066 forbids it for IP addresses).
 */
function tlsOptions(host: string): { servername?: string; ca?: string } {
  const out: { servername?: string; ca?: string } = isIP(host) === 0 ? { servername: host } : {};
  const caFile = process.env.NNLAB_REDIS_CA;
  if (caFile !== undefined && caFile !== '') {
    try {
      out.ca = [...rootCertificates, readFileSync(caFile, 'utf8')].join('\n');
    } catch (e) {
      throw new Error(`redisOptions: cannot read NNLAB_REDIS_CA=${caFile}: ${(e as Error).message}`);
    }
  }
  return out;
}

/** `text` with every occurrence of the target's password masked (a last guard on anything printed). */
export function maskSecret(text: string, t: RedisTarget): string {
  const pw = t.password;
  if (pw === undefined || pw === '') return text;
  return text.split(pw).join('***').split(encodeURIComponent(pw)).join('***');
}
