/**
 * Stored files that are verified on every read. Each file is one JSON object, an envelope around its body:
 *
 *   {"nnlab":"verified/1","kind":"<kind>","sha256":"<64 hex>","body":<body JSON>}
 *
 * where sha256 = SHA-256 of the exact bytes of <body JSON> (the codec's text, so typed arrays and non-finite
 * numbers are covered too). A reader recomputes the digest over those bytes, decodes the body and runs the
 * caller's structural check; a file that fails any step (truncated, emptied, not JSON, a changed number, a
 * wrong structure, another kind) is moved aside into a quarantine folder with a warning naming it, and the
 * read answers "absent", so the caller redoes the work instead of being blocked by it or resuming it blindly.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { basename, join } from 'node:path';
import { writeFileAtomic } from './atomic.js';
import { decodeJson, encodeJson } from './json-codec.js';

const FORMAT = 'verified/1';

/** Why a stored file was refused (the message says what is wrong with it). */
export class VerificationError extends Error {
  override readonly name = 'VerificationError';
}

/** Where refused files go and who hears of them. */
export interface QuarantineOptions {
  /** Folder that receives refused files (created on first use). */
  dir: string;
  /** Told once per refused file; default: a line on stderr. */
  warn?: (message: string) => void;
}

/** The text of a verified file of `kind` holding `body` (see the module comment for the layout). */
export function encodeVerified(kind: string, body: unknown): string {
  const text = encodeJson(body);
  const sha = createHash('sha256').update(text, 'utf8').digest('hex');
  return `{"nnlab":"${FORMAT}","kind":${JSON.stringify(kind)},"sha256":"${sha}","body":${text}}\n`;
}

/**
 * The body of a verified file's text, after checking the envelope, the kind, the digest and then
 * `check(body)` (which throws a message for a wrong structure). Throws a VerificationError naming `where`.
 */
export function decodeVerified<T>(
  text: string,
  kind: string,
  where: string,
  check?: (body: unknown) => void,
): T {
  const bad = (why: string): VerificationError => new VerificationError(`${where}: ${why}`);
  if (text.trim() === '') throw bad('the file is empty');
  const head = /^\{"nnlab":"([^"]*)","kind":("(?:[^"\\]|\\.)*"),"sha256":"([0-9a-f]{64})","body":/.exec(text);
  if (head === null)
    throw bad('not an nnlab verified file (no envelope: truncated, replaced or from an older nnlab)');
  const [, format, kindJson, sha] = head;
  if (format !== FORMAT) throw bad(`envelope format "${format}", expected "${FORMAT}"`);
  const fileKind = JSON.parse(kindJson) as string;
  if (fileKind !== kind) throw bad(`holds a "${fileKind}", expected a "${kind}"`);
  const tail = text.trimEnd();
  if (!tail.endsWith('}')) throw bad('truncated (the envelope is not closed)');
  const bodyText = tail.slice(head[0].length, -1);
  const actual = createHash('sha256').update(bodyText, 'utf8').digest('hex');
  if (actual !== sha)
    throw bad(
      `checksum mismatch (stored ${sha.slice(0, 12)}…, content ${actual.slice(0, 12)}…): truncated or changed`,
    );
  let body: unknown;
  try {
    body = decodeJson<unknown>(bodyText);
  } catch (e) {
    throw bad(`the body is not valid JSON: ${(e as Error).message}`);
  }
  if (check !== undefined) {
    try {
      check(body);
    } catch (e) {
      throw bad(`wrong structure: ${(e as Error).message}`);
    }
  }
  return body as T;
}

/** Writes `body` as a verified file of `kind`, atomically (temp file, fsync, rename). */
export function writeVerified(path: string, kind: string, body: unknown): void {
  writeFileAtomic(path, encodeVerified(kind, body));
}

/**
 * Moves `path` into `q.dir` (as <time>-<name>, never overwriting) and warns with both paths and `why`.
 * Returns the new path.
 */
export function quarantineFile(path: string, why: string, q: QuarantineOptions): string {
  mkdirSync(q.dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  let target = join(q.dir, `${stamp}-${basename(path)}`);
  for (let i = 1; existsSync(target); i++) target = join(q.dir, `${stamp}-${i}-${basename(path)}`);
  renameSync(path, target);
  const warn = q.warn ?? ((m: string) => process.stderr.write(`nnlab: warning: ${m}\n`));
  warn(`${why}; moved it to ${target}; its work will be redone`);
  return target;
}

/**
 * Reads a verified file: its body, or undefined when there is none, or when it fails verification (then it
 * is quarantined, with a warning, so the caller redoes its work). Never throws for a bad file.
 */
export function readVerified<T>(
  path: string,
  kind: string,
  q: QuarantineOptions,
  check?: (body: unknown) => void,
): T | undefined {
  if (!existsSync(path)) return undefined;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    quarantineFile(path, `${path} cannot be read (${(e as Error).message})`, q);
    return undefined;
  }
  try {
    return decodeVerified<T>(text, kind, path, check);
  } catch (e) {
    if (!(e instanceof VerificationError)) throw e;
    quarantineFile(path, `${e.message}`, q);
    return undefined;
  }
}
