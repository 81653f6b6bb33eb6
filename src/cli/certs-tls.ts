import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { isIP } from 'node:net';
import { X509Certificate } from 'node:crypto';
import { generateCa, issueServerCertificate } from '../certs/tls-certificates.js';
import type { KeyAndCertificate } from '../certs/signing-certificate.js';
import { writeFileAtomic, writePrivateKeyAtomic } from '../config/atomic-write.js';
import { integerOption, line, listOption, stringOption, UsageError, type Command } from './command.js';

const HOST = /^(?=.{1,253}$)(\*\.)?([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

export const certsTlsCommand: Command = {
  name: 'certs tls',
  summary: 'make a private CA and a TLS server certificate with every name and IP',
  help: `Usage: purser certs tls --host NAME [--host NAME ...] [--ip ADDR ...] [--dir certs] [--ca-dir certs/ca] [--days N]

Makes a TLS server certificate (DIR/tls.crt, DIR/tls.key) for the registry and/or purser, signed by a
private CA (CA_DIR/ca.crt, CA_DIR/ca.key), which is made on first use and reused after. Every --host
and --ip goes into subjectAltName: clients check those, not the common name, and an address that is
missing there is Go's "doesn't contain any IP SANs". Give at least one --host or --ip.

  --days N   server certificate lifetime (default 397, the most browsers accept)
`,
  options: {
    host: { type: 'string', multiple: true },
    ip: { type: 'string', multiple: true },
    dir: { type: 'string' },
    'ca-dir': { type: 'string' },
    days: { type: 'string' },
  },
  positionals: { min: 0, max: 0 },
  async run(args, io) {
    const hosts = listOption(args, 'host');
    const ips = listOption(args, 'ip');
    if (hosts.length === 0 && ips.length === 0) throw new UsageError('give at least one --host or --ip');
    for (const host of hosts) if (!HOST.test(host) || isIP(host)) throw new UsageError(`${JSON.stringify(host)} is not a host name (use --ip for addresses)`);
    for (const ip of ips) if (!isIP(ip)) throw new UsageError(`${JSON.stringify(ip)} is not an IP address`);
    const days = integerOption(args, 'days', 397, 1, 3650);
    const dir = resolve(io.cwd, stringOption(args, 'dir') ?? 'certs');
    const caDir = resolve(io.cwd, stringOption(args, 'ca-dir') ?? 'certs/ca');
    const caFiles = { cert: resolve(caDir, 'ca.crt'), key: resolve(caDir, 'ca.key') };

    let ca: KeyAndCertificate;
    if (existsSync(caFiles.cert) && existsSync(caFiles.key)) {
      ca = { certPem: await readFile(caFiles.cert, 'utf8'), keyPem: await readFile(caFiles.key, 'utf8') };
      line(io.stdout, `using the CA in ${caFiles.cert}`);
    } else if (existsSync(caFiles.cert) || existsSync(caFiles.key)) {
      line(io.stderr, `purser certs tls: only one of ${caFiles.cert} and ${caFiles.key} exists; restore the other or remove both`);
      return 1;
    } else {
      ca = generateCa();
      await mkdir(caDir, { recursive: true, mode: 0o700 });
      await writePrivateKeyAtomic(caFiles.key, ca.keyPem);
      await writeFileAtomic(caFiles.cert, ca.certPem, 0o644);
      line(io.stdout, `made a new private CA: ${caFiles.cert} (its key ${caFiles.key} never leaves this machine)`);
    }
    const server = issueServerCertificate(ca, { hosts, ips }, days);
    await mkdir(dir, { recursive: true });
    const files = { cert: resolve(dir, 'tls.crt'), key: resolve(dir, 'tls.key') };
    await writePrivateKeyAtomic(files.key, server.keyPem);
    await writeFileAtomic(files.cert, server.certPem, 0o644);
    const cert = new X509Certificate(server.certPem);
    line(io.stdout, `wrote ${files.cert} for ${cert.subjectAltName ?? ''}, valid until ${new Date(cert.validTo).toISOString()}`);
    line(io.stdout, `wrote ${files.key} (mode 0600)`);
    line(io.stdout);
    line(io.stdout, 'Serve it with the registry (http.tls.certificate / http.tls.key) or purser (PURSER_TLS_CERT / PURSER_TLS_KEY).');
    line(io.stdout, `Clients must trust ${caFiles.cert}:`);
    const targets = [...hosts, ...ips.map((ip) => (ip.includes(':') ? `[${ip}]` : ip))];
    for (const target of targets) {
      line(io.stdout, `  docker:         /etc/docker/certs.d/${target}:PORT/ca.crt`);
      line(io.stdout, `  podman, skopeo: /etc/containers/certs.d/${target}:PORT/ca.crt`);
      line(io.stdout, `  containerd (Kubernetes nodes): /etc/containerd/certs.d/${target}:PORT/ca.crt, with config_path = "/etc/containerd/certs.d" in containerd's registry config`);
    }
    line(io.stdout, '  or system-wide on Debian/Ubuntu: cp ca.crt /usr/local/share/ca-certificates/purser-ca.crt && update-ca-certificates');
    return 0;
  },
};
