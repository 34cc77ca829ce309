import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maskSecret, parseRedisUrl, reconnectDelayMs, redisOptions } from './redis-url.js';

test('parseRedisUrl: host, port, db, password and TLS; the display form masks the password', () => {
  const plain = parseRedisUrl('redis://10.0.0.5:6380/2');
  assert.deepEqual(
    { host: plain.host, port: plain.port, db: plain.db, tls: plain.tls, password: plain.password },
    { host: '10.0.0.5', port: 6380, db: 2, tls: false, password: undefined },
  );
  assert.equal(plain.display, 'redis://10.0.0.5:6380/2');
  const secret = parseRedisUrl('rediss://:s3cr%40t@cache.example:7000');
  assert.equal(secret.password, 's3cr@t');
  assert.equal(secret.tls, true);
  assert.equal(secret.port, 7000);
  assert.equal(secret.db, 0);
  assert.equal(secret.display, 'rediss://:***@cache.example:7000/0');
  assert.ok(!secret.display.includes('s3cr'));
  const user = parseRedisUrl('redis://alice:pw@h');
  assert.equal(user.username, 'alice');
  assert.equal(user.port, 6379);
  assert.equal(user.display, 'redis://alice:***@h:6379/0');
  assert.deepEqual(redisOptions(secret).tls, { servername: 'cache.example' });
  assert.deepEqual(
    redisOptions(parseRedisUrl('rediss://127.0.0.1:7000')).tls,
    {},
    'no server name for an IP',
  );
  assert.equal(redisOptions(plain).tls, undefined);
  assert.equal(redisOptions(plain).maxRetriesPerRequest, null);
});

test('parseRedisUrl: bad addresses are refused without repeating them (they may hold a password)', () => {
  for (const [text, message] of [
    ['http://:hunter2@h:1', /scheme "http:" is not redis: or rediss:/],
    ['redis://:hunter2@h:1/x', /database "x" must be a number/],
    ['hunter2', /not a URL/],
  ] as const) {
    assert.throws(
      () => parseRedisUrl(text),
      (e: Error) => message.test(e.message) && !e.message.includes('hunter2'),
      text,
    );
  }
});

test('maskSecret hides the password in any text, raw or URL-encoded', () => {
  const t = parseRedisUrl('redis://:p%2Fw@h:1');
  assert.equal(maskSecret('auth p/w failed; url redis://:p%2Fw@h', t), 'auth *** failed; url redis://:***@h');
  assert.equal(maskSecret('no secret', parseRedisUrl('redis://h')), 'no secret');
});

test('reconnectDelayMs doubles from 250 ms and stays at 10 s', () => {
  assert.deepEqual([1, 2, 3, 4].map(reconnectDelayMs), [250, 500, 1000, 2000]);
  assert.equal(reconnectDelayMs(7), 10_000);
  assert.equal(reconnectDelayMs(100), 10_000);
  let heard = 0;
  const retry = redisOptions(
    parseRedisUrl('redis://h'),
    (times, delay) => (heard = times * 1e6 + delay),
  ).retryStrategy;
  assert.equal(retry(3), 1000);
  assert.equal(heard, 3e6 + 1000);
});
