/**
 * `nnlab dashboard [--out DIR] [--port N] [--host H] [--token T]`: serves the dashboard of the run directories
 * under DIR (default runs/, or runs/latest's folder) until Ctrl-C. See dashboard/server.ts.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startDashboard } from '../dashboard/server.js';
import { DashboardInputError } from '../dashboard/data.js';

export const DASHBOARD_USAGE = `Usage: nnlab dashboard [--out DIR] [--port N] [--host H] [--token T]
  --out DIR    a run directory, or a folder of run directories (default: runs)
  --port N     port (default 6006; 0: any free port)
  --host H     address to listen on (default 127.0.0.1); any other address requires a token
  --token T    the token for a non-loopback host (default: a random one, printed)
`;

/** Runs the command; resolves with the exit status once the server stops (SIGINT/SIGTERM), or 2 on bad input. */
export async function dashboardCommand(argv: string[]): Promise<number> {
  let values: { out?: string; port?: string; host?: string; token?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        out: { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        token: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (e) {
    process.stderr.write(`nnlab dashboard: ${(e as Error).message}\n${DASHBOARD_USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(DASHBOARD_USAGE);
    return 0;
  }
  const port = values.port === undefined ? 6006 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`nnlab dashboard: --port must be an integer 0–65535, got "${values.port}"\n`);
    return 2;
  }
  const root = values.out ?? (existsSync('runs') ? 'runs' : '.');
  try {
    const d = await startDashboard({ root, port, host: values.host, token: values.token });
    process.stdout.write(
      `nnlab dashboard: serving ${root} (read-only) at\n  ${d.url}\n` +
        (d.token !== null
          ? `The token is required on ${values.host}: open the URL above, which carries it.\n`
          : '') +
        'Stop with Ctrl-C.\n',
    );
    return await new Promise<number>((done) => {
      const stop = () => void d.close().then(() => done(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
  } catch (e) {
    if (e instanceof DashboardInputError) {
      process.stderr.write(`nnlab ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
