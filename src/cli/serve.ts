import { serve } from '../main.js';
import type { Command } from './command.js';
import { KEEP_RUNNING } from './run-cli.js';

export const serveCommand: Command = {
  name: 'serve',
  summary: 'start the token server (what npm start runs)',
  help: `Usage: purser serve

Starts the token server. Settings come from PURSER_* environment variables (README.md, "Settings").
SIGTERM or SIGINT stop it after the requests in flight; SIGHUP reloads acl.yml, users.htpasswd and the keys.
`,
  options: {},
  positionals: { min: 0, max: 0 },
  async run(_args, io) {
    await serve(io.env, io.cwd);
    return KEEP_RUNNING;
  },
};
