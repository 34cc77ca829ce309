/** The version of nnlab in package.json: recorded with every result and part of every job's identity. */
import { readFileSync } from 'node:fs';

export const NNLAB_VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
