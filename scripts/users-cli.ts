/**
 * npm run users -- add <username> --role <role> --org <code> [--password-stdin] [--name "Name"]
 *                | token <username> [--label L] | list | disable <username> | enable <username>
 *                | reset <username> [--password-stdin]
 * Manages the users of the store named by PORTAL_DB (default data/portal.duckdb). The server
 * holds the store while it runs, so stop it first (the Admin page does the same in the browser).
 * Exit codes: 0 done, 1 refused (unknown organisation or user, weak password…), 2 bad usage.
 */
import { openStore } from '../server/store/store.js';
import { parseCommand, runCommand, RefusedError, UsageError, type CommandIO } from './users/commands.js';

/**
 * One line of standard input. From a terminal it is read with echo off (nothing of the password
 * is shown); from a pipe, the first line is taken.
 */
function readSecretLine(): Promise<string> {
  const stdin = process.stdin;
  if (stdin.isTTY) {
    return new Promise((resolve, reject) => {
      process.stderr.write('Password (not shown): ');
      let typed = '';
      stdin.setRawMode(true);
      stdin.setEncoding('utf8');
      const done = (err: Error | null) => {
        stdin.setRawMode(false);
        stdin.off('data', onData);
        stdin.pause();
        process.stderr.write('\n');
        if (err) reject(err);
        else resolve(typed);
      };
      const onData = (chunk: string) => {
        for (const ch of chunk) {
          if (ch === '\r' || ch === '\n' || ch === '\u0004') return done(null);
          if (ch === '\u0003') return done(new RefusedError('Cancelled.'));
          if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
          else typed += ch;
        }
      };
      stdin.on('data', onData);
      stdin.resume();
    });
  }
  return new Promise((resolve, reject) => {
    let buffered = '';
    stdin.setEncoding('utf8');
    const finish = () => {
      stdin.off('data', onData);
      stdin.off('end', finish);
      stdin.off('error', onError);
      stdin.pause();
      resolve((buffered.split('\n')[0] ?? '').replace(/\r$/, ''));
    };
    const onData = (chunk: string) => {
      buffered += chunk;
      if (buffered.includes('\n')) finish();
    };
    const onError = (err: Error) => reject(err);
    stdin.on('data', onData);
    stdin.once('end', finish);
    stdin.once('error', onError);
    stdin.resume();
  });
}

const io: CommandIO = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  readPassword: readSecretLine,
};

async function main(): Promise<number> {
  const command = parseCommand(process.argv.slice(2));
  if (command.command === 'help') {
    await runCommand(null as never, command, io);
    return 0;
  }
  const store = await openStore();
  try {
    await runCommand(store, command, io);
  } finally {
    await store.close();
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    // One line a person can act on, never a stack trace.
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`${message.split('\n')[0]}\n`);
    process.exit(err instanceof UsageError ? err.exitCode : 1);
  },
);
