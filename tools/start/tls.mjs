// A local CA and one server certificate (localhost, 127.0.0.1) for the NATS nodes of
// `npm run start:cluster`, made with Debian's openssl once and reused on later starts.
// Production gets its certificates from the deployment's Secret instead (deploy/README.md).
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StartError } from './deps.mjs';

function openssl(args, cwd) {
  const res = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (res.error)
    throw new StartError(`openssl is missing (${res.error.message}): apt-get install -y openssl`);
  if (res.status !== 0) throw new StartError(`openssl ${args[0]} failed: ${res.stderr.trim()}`);
}

/** `{ ca, cert, key }` PEM paths under `dir`, created when missing. */
export function ensureLocalTls(dir) {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const files = {
    ca: join(dir, 'ca.pem'),
    caKey: join(dir, 'ca-key.pem'),
    cert: join(dir, 'server.pem'),
    key: join(dir, 'server-key.pem'),
  };
  if (Object.values(files).every((f) => existsSync(f))) return files;
  console.log('Creating a local CA and the NATS server certificate (openssl)...');
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-sha256',
      '-days',
      '3650',
      '-subj',
      '/CN=CloudFlow local CA',
      '-keyout',
      files.caKey,
      '-out',
      files.ca,
    ],
    dir,
  );
  const csr = join(dir, 'server.csr');
  openssl(
    [
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
      csr,
    ],
    dir,
  );
  const ext = join(dir, 'server.ext');
  // clientAuth too: the same certificate may serve routes with TLS (deploy/k8s does).
  writeFileSync(
    ext,
    'basicConstraints=CA:FALSE\nsubjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n',
  );
  openssl(
    [
      'x509',
      '-req',
      '-sha256',
      '-days',
      '825',
      '-in',
      csr,
      '-CA',
      files.ca,
      '-CAkey',
      files.caKey,
      '-CAcreateserial',
      '-extfile',
      ext,
      '-out',
      files.cert,
    ],
    dir,
  );
  for (const f of [files.caKey, files.key]) chmodSync(f, 0o600);
  return files;
}
