/**
 * `node kernel-guard.js COMMAND ARGS…`: starts the kernel COMMAND and kills it when the process that started
 * the guard goes away. A Jupyter kernel outlives its client when the client is killed (SIGKILL, or a
 * process.exit that skips the client's shutdown): it would go on executing the current cell, computing and
 * writing into a run directory whose lock died with the client. The guard's stdin is a pipe from the client,
 * which the operating system closes however the client ends; at its end the guard kills the kernel and exits.
 */
import { spawn } from 'node:child_process';

const [command, ...args] = process.argv.slice(2);
if (command === undefined) {
  process.stderr.write('kernel-guard: usage: node kernel-guard.js COMMAND [ARGS…]\n');
  process.exit(2);
}
const kernel = spawn(command, args, { stdio: ['ignore', 'ignore', 'inherit'] });
const stop = (): void => {
  kernel.kill('SIGKILL');
  process.exit(1);
};
kernel.once('error', (e) => {
  process.stderr.write(`kernel-guard: cannot start ${command}: ${e.message}\n`);
  process.exit(127);
});
kernel.once('exit', (code, signal) => process.exit(code ?? (signal === null ? 1 : 128)));
process.stdin.once('end', stop);
process.stdin.once('error', stop);
process.stdin.resume();
process.once('SIGTERM', stop);
process.once('SIGHUP', stop);
// Ctrl-C reaches the whole process group: the client decides what happens (and its exit ends the pipe).
process.on('SIGINT', () => {});
