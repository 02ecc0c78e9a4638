import { execFileSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** PEM files of a throwaway CA and one server certificate for 127.0.0.1 / localhost. */
export interface LocalTls {
  ca: string;
  cert: string;
  key: string;
}

/**
 * Makes a local CA and a server certificate in `dir` with Debian's openssl, as
 * tools/start/tls.mjs does for `npm run start:cluster` (so a harness cluster can speak TLS to
 * its clients like the production shape). Takes well under a second.
 */
export function createLocalTls(dir: string): LocalTls {
  const files = {
    ca: join(dir, 'ca.pem'),
    caKey: join(dir, 'ca-key.pem'),
    cert: join(dir, 'server.pem'),
    key: join(dir, 'server-key.pem'),
    csr: join(dir, 'server.csr'),
    ext: join(dir, 'server.ext'),
  };
  const openssl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-sha256',
    '-days',
    '30',
    '-subj',
    '/CN=CloudFlow test CA',
    '-keyout',
    files.caKey,
    '-out',
    files.ca,
  ]);
  openssl([
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-sha256',
    '-subj',
    '/CN=localhost',
    '-keyout',
    files.key,
    '-out',
    files.csr,
  ]);
  writeFileSync(
    files.ext,
    'basicConstraints=CA:FALSE\nsubjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n',
  );
  openssl([
    'x509',
    '-req',
    '-sha256',
    '-days',
    '30',
    '-in',
    files.csr,
    '-CA',
    files.ca,
    '-CAkey',
    files.caKey,
    '-CAcreateserial',
    '-extfile',
    files.ext,
    '-out',
    files.cert,
  ]);
  for (const f of [files.caKey, files.key]) chmodSync(f, 0o600);
  return { ca: files.ca, cert: files.cert, key: files.key };
}
