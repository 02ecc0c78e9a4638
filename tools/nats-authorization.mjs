// Renders deploy/k8s/nats-authorization.yaml from the permission table
// (libs/platform/src/nats/nats-permissions.ts) after a build: `node tools/build.mjs &&
// node tools/nats-authorization.mjs`. The passwords stay in the Secret: the config names the
// environment variables (NATS_PASSWORD_<SERVICE>) nats-server reads them from. A platform spec
// fails when the committed file and the table disagree.
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { renderK8sNatsAuthorization } = require(
  join(root, 'dist/libs/platform/src/nats/nats-server-config.js'),
);
writeFileSync(join(root, 'deploy/k8s/nats-authorization.yaml'), renderK8sNatsAuthorization());
console.log('wrote deploy/k8s/nats-authorization.yaml');
