/**
 * A Jupyter client in Node: starts a kernel from its kernelspec-style command line with a connection file,
 * and speaks the Jupyter messaging protocol to it over ZeroMQ (shell DEALER + iopub SUB, HMAC-SHA256-signed
 * multipart messages, protocol 5.3) — what nbclient does, so the outputs nnlab saves are the kernel's own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Dealer, Subscriber } from 'zeromq';
import { freePort } from '../util/free-port.js';

/** A message's parts as the protocol defines them (header, parent header, metadata, content). */
export interface KernelMessage {
  header: {
    msg_id: string;
    msg_type: string;
    session: string;
    username: string;
    date: string;
    version: string;
  };
  parent_header: { msg_id?: string } & Record<string, unknown>;
  metadata: Record<string, unknown>;
  content: Record<string, unknown>;
}

/** What one execute_request produced: the iopub messages in order and the shell reply's content. */
export interface Execution {
  messages: KernelMessage[];
  reply: Record<string, unknown>;
}

const DELIMITER = '<IDS|MSG>';

export interface KernelOptions {
  /** The kernel's command line; "{connection_file}" is replaced by the connection file's path. */
  argv: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Seconds to wait for the kernel's first kernel_info_reply (default 60). */
  startupSeconds?: number;
}

/** A running kernel and a client connected to it. Always call shutdown(). */
export class KernelClient {
  private readonly shell = new Dealer();
  private readonly iopub = new Subscriber();
  private readonly session = randomUUID();
  private readonly pending = new Map<string, (m: KernelMessage) => void>();
  private readonly iopubHandlers = new Map<string, (m: KernelMessage) => void>();
  private closed = false;
  private stderr = '';
  /** Rejects when the kernel process ends (every execute races it). */
  private readonly died: Promise<never>;

  private constructor(
    private readonly child: ChildProcess,
    private readonly key: Buffer,
    private readonly dir: string,
  ) {
    this.died = new Promise<never>((_, reject) =>
      child.once('exit', (c, s) => reject(new Error(`the kernel died (${s ?? c}):\n${this.stderr.trim()}`))),
    );
    this.died.catch(() => {});
    child.stderr?.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-4000);
    });
  }

  /** Starts the kernel and waits until it answers kernel_info_request (its iopub is then connected too). */
  static async start(opts: KernelOptions): Promise<KernelClient> {
    const dir = mkdtempSync(join(tmpdir(), 'nnlab-kernel-'));
    const key = randomBytes(32).toString('hex');
    const ports = await Promise.all([0, 1, 2, 3, 4].map(() => freePort()));
    const connection = {
      transport: 'tcp',
      ip: '127.0.0.1',
      shell_port: ports[0],
      iopub_port: ports[1],
      stdin_port: ports[2],
      control_port: ports[3],
      hb_port: ports[4],
      key,
      signature_scheme: 'hmac-sha256',
      kernel_name: 'nnlab',
    };
    const file = join(dir, 'kernel.json');
    writeFileSync(file, JSON.stringify(connection), { mode: 0o600 });
    const argv = opts.argv.map((a) => a.replace('{connection_file}', file));
    // Through the guard, which kills the kernel when this process ends in any way (its stdin pipe closes).
    const guard = fileURLToPath(new URL('./kernel-guard.js', import.meta.url));
    const child = spawn(process.execPath, [guard, ...argv], {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    const client = new KernelClient(child, Buffer.from(key, 'utf8'), dir);
    const exited = new Promise<never>((_, reject) => {
      child.once('error', (e) => reject(new Error(`kernel: cannot start ${argv[0]}: ${e.message}`)));
      child.once('exit', (code, signal) =>
        reject(
          new Error(
            `kernel: ${argv.join(' ')} exited (${signal ?? code}) before it answered:\n${client.stderr.trim()}`,
          ),
        ),
      );
    });
    exited.catch(() => {});
    client.shell.connect(`tcp://127.0.0.1:${ports[0]}`);
    client.iopub.connect(`tcp://127.0.0.1:${ports[1]}`);
    client.iopub.subscribe();
    void client.readShell();
    void client.readIopub();
    const deadline = Date.now() + 1000 * (opts.startupSeconds ?? 60);
    try {
      // The first requests may reach the kernel before it binds; ask again until one is answered.
      for (;;) {
        if (Date.now() > deadline)
          throw new Error(`kernel: ${argv.join(' ')} did not answer within ${opts.startupSeconds ?? 60} s`);
        const reply = client.request('kernel_info_request', {});
        const got = await Promise.race([
          reply.then(() => true),
          exited,
          new Promise<false>((r) => setTimeout(() => r(false), 1000)),
        ]);
        if (got) break;
      }
    } catch (e) {
      await client.shutdown();
      throw e;
    }
    return client;
  }

  private sign(parts: string[]): string {
    const h = createHmac('sha256', this.key);
    for (const p of parts) h.update(p);
    return h.digest('hex');
  }

  private decode(frames: Buffer[]): KernelMessage | undefined {
    const i = frames.findIndex((f) => f.toString() === DELIMITER);
    if (i < 0 || frames.length < i + 6) return undefined;
    const [sig, header, parent, metadata, content] = frames
      .slice(i + 1, i + 6)
      .map((f) => f.toString('utf8'));
    // A message whose signature does not match is not from our kernel: drop it.
    if (sig !== this.sign([header, parent, metadata, content])) return undefined;
    return {
      header: JSON.parse(header) as KernelMessage['header'],
      parent_header: JSON.parse(parent) as KernelMessage['parent_header'],
      metadata: JSON.parse(metadata) as Record<string, unknown>,
      content: JSON.parse(content) as Record<string, unknown>,
    };
  }

  private async readShell(): Promise<void> {
    try {
      for await (const frames of this.shell) {
        const m = this.decode(frames);
        const id = m?.parent_header.msg_id;
        if (m !== undefined && id !== undefined) this.pending.get(id)?.(m);
      }
    } catch {
      // The socket closed (shutdown).
    }
  }

  private async readIopub(): Promise<void> {
    try {
      for await (const frames of this.iopub) {
        const m = this.decode(frames);
        const id = m?.parent_header.msg_id;
        if (m !== undefined && id !== undefined) this.iopubHandlers.get(id)?.(m);
      }
    } catch {
      // The socket closed (shutdown).
    }
  }

  /** Sends a shell request; resolves with the reply. */
  private request(type: string, content: Record<string, unknown>, onIopub?: (m: KernelMessage) => void) {
    const header = {
      msg_id: randomUUID(),
      msg_type: type,
      session: this.session,
      username: 'nnlab',
      date: new Date().toISOString(),
      version: '5.3',
    };
    const parts = [JSON.stringify(header), '{}', '{}', JSON.stringify(content)];
    if (onIopub !== undefined) this.iopubHandlers.set(header.msg_id, onIopub);
    const reply = new Promise<KernelMessage>((resolve) => this.pending.set(header.msg_id, resolve));
    void this.shell.send([DELIMITER, this.sign(parts), ...parts]);
    return reply.finally(() => this.pending.delete(header.msg_id));
  }

  /**
   * Executes `code` and resolves once both the execute_reply and the kernel's idle status for this request
   * have arrived, with every iopub message of the request in order.
   */
  async execute(code: string, timeoutSeconds = 3600): Promise<Execution> {
    if (this.closed) throw new Error('KernelClient.execute: the kernel is shut down');
    const messages: KernelMessage[] = [];
    let idle!: () => void;
    const isIdle = new Promise<void>((r) => (idle = r));
    let id = '';
    const reply = this.request(
      'execute_request',
      {
        code,
        silent: false,
        store_history: true,
        user_expressions: {},
        allow_stdin: false,
        stop_on_error: true,
      },
      (m) => {
        id = m.parent_header.msg_id ?? id;
        if (m.header.msg_type === 'status') {
          if (m.content.execution_state === 'idle') idle();
        } else messages.push(m);
      },
    );
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`KernelClient.execute: no answer within ${timeoutSeconds} s`)),
        timeoutSeconds * 1000,
      );
    });
    try {
      const [r] = await Promise.race([Promise.all([reply, isIdle]), timeout, this.died]);
      return { messages, reply: r.content };
    } finally {
      clearTimeout(timer);
      if (id !== '') this.iopubHandlers.delete(id);
    }
  }

  /** Asks the kernel to stop, waits a moment, then kills it; closes the sockets and removes the files. */
  async shutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const gone = new Promise<void>((r) => this.child.once('exit', () => r()));
      void this.request('shutdown_request', { restart: false }).catch(() => {});
      // Past the grace period the guard kills the kernel (the end of its stdin), then itself if need be.
      const t = setTimeout(() => this.child.stdin?.end(), 3000);
      const last = setTimeout(() => this.child.kill('SIGKILL'), 6000);
      await gone;
      clearTimeout(t);
      clearTimeout(last);
    }
    this.shell.close();
    this.iopub.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
