import { UsageError, type CommandIO } from './command.js';

/**
 * Reads a new password: from stdin with --password-stdin (one line; the trailing newline is dropped),
 * otherwise from a prompt on the terminal without echo, asked twice. Never from an argument, which
 * would end up in shell history and in every process listing.
 */
export async function readNewPassword(io: CommandIO, fromStdin: boolean): Promise<string> {
  let password: string;
  if (fromStdin) {
    password = (await readAll(io.stdin)).replace(/\r?\n$/, '');
  } else {
    if (!io.stdin.isTTY) throw new UsageError('no terminal to prompt on; pipe the password in with --password-stdin');
    password = await prompt(io, 'New password: ');
    const again = await prompt(io, 'Again: ');
    if (again !== password) throw new Error('the two passwords differ; nothing was changed');
  }
  if (password === '') throw new Error('the password is empty; nothing was changed');
  if (password.includes('\0') || /[\r\n]/.test(password)) throw new Error('the password contains a NUL or line break; nothing was changed');
  if (Buffer.byteLength(password) > 72) throw new Error('bcrypt reads only the first 72 bytes of a password; use a shorter one');
  return password;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function prompt(io: CommandIO, question: string): Promise<string> {
  const input = io.stdin as NodeJS.ReadStream;
  io.stderr.write(question);
  return new Promise((resolve, reject) => {
    let answer = '';
    input.setRawMode(true);
    input.resume();
    const onData = (data: Buffer): void => {
      for (const ch of data.toString('utf8')) {
        if (ch === '\r' || ch === '\n') {
          finish();
          io.stderr.write('\n');
          resolve(answer);
          return;
        }
        if (ch === '\u0003') {
          finish();
          reject(new Error('interrupted'));
          return;
        }
        if (ch === '\u007f' || ch === '\b') answer = answer.slice(0, -1);
        else answer += ch;
      }
    };
    const finish = (): void => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
    };
    input.on('data', onData);
  });
}
