// tools/validate-k8s.mjs against the committed deploy/k8s and against copies of it with one
// deliberate mistake each: every stage (render, schema, fields, shape) must reject its kind of
// mistake, or the CI step "k8s manifests" would pass broken manifests.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '../..');
const manifests = join(root, 'deploy/k8s');
const tool = join(root, 'tools/validate-k8s.mjs');
const dirs: string[] = [];

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function validate(dir: string): Run {
  const res = spawnSync(process.execPath, [tool, dir], { encoding: 'utf8', timeout: 60_000 });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

/** A copy of deploy/k8s with `from` replaced by `to` in one file (the pattern must be there). */
function broken(file: string, from: string | RegExp, to: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'cf-k8s-'));
  dirs.push(dir);
  cpSync(manifests, dir, { recursive: true });
  const path = join(dir, file);
  const before = readFileSync(path, 'utf8');
  const after = before.replace(from, to);
  if (after === before) throw new Error(`${file}: ${String(from)} not found, the fixture edit did nothing`);
  writeFileSync(path, after);
  return dir;
}

function withExtraObject(file: string, yaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'cf-k8s-'));
  dirs.push(dir);
  cpSync(manifests, dir, { recursive: true });
  appendFileSync(join(dir, file), `---\n${yaml}`);
  return dir;
}

function expectRejected(run: Run, stage: string, line: string | RegExp): void {
  expect(run.status).toBe(1);
  expect(run.stderr).toContain(`${stage} FAILED`);
  if (typeof line === 'string') expect(run.stderr).toContain(line);
  else expect(run.stderr).toMatch(line);
}

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('tools/validate-k8s.mjs', () => {
  jest.setTimeout(90_000);

  it('accepts the committed deploy/k8s, rendered by the real kubectl kustomize', () => {
    const run = validate(manifests);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/rendered by kubectl v1\.\d+\.\d+, kustomize v5\./);
    expect(run.stdout).toMatch(/Namespace, PodDisruptionBudget, Service, StatefulSet/);
    expect(run.stdout).toContain('schema, fields and shape ok');
  });

  it('rejects a kustomization that does not render (a missing resource file)', () => {
    const run = validate(broken('kustomization.yaml', '  - hub.yaml\n', '  - hubs.yaml\n'));
    expectRejected(run, 'render', 'hubs.yaml');
  });

  it('rejects a field of the wrong type: replicas: two', () => {
    const run = validate(broken('gateway.yaml', 'replicas: 2', 'replicas: two'));
    expectRejected(run, 'schema', 'Deployment cloudflow/gateway: /spec/replicas must be integer');
  });

  it('rejects a wrong nested type: a container port given as a name', () => {
    const run = validate(broken('hub-base/deployment.yaml', 'containerPort: 8090', 'containerPort: http'));
    expectRejected(run, 'schema', '/spec/template/spec/containers/0/ports/0/containerPort must be integer');
  });

  it('rejects a kind the Kubernetes API does not have, and an API version it removed', () => {
    const certificate = [
      'apiVersion: cert-manager.io/v1',
      'kind: Certificate',
      'metadata: { name: nats-tls }',
      'spec: { secretName: nats-tls, issuerRef: { name: ca } }',
      '',
    ].join('\n');
    expectRejected(
      validate(withExtraObject('nats.yaml', certificate)),
      'schema',
      'unknown apiVersion/kind cert-manager.io/v1/Certificate',
    );
    const run = validate(
      broken(
        'hub.yaml',
        /apiVersion: policy\/v1\nkind: PodDisruptionBudget/,
        'apiVersion: policy/v1beta1\nkind: PodDisruptionBudget',
      ),
    );
    expectRejected(
      run,
      'schema',
      'PodDisruptionBudget cloudflow/hub: apiVersion policy/v1beta1 is not a GA version',
    );
  });

  it('rejects misspelt fields under spec, naming each one with its path', () => {
    let dir = broken('hub-base/deployment.yaml', 'revisionHistoryLimit: 5', 'revisionHistoryLimt: 5');
    const hub = join(dir, 'hub-base/deployment.yaml');
    writeFileSync(hub, readFileSync(hub, 'utf8').replace('readinessProbe:', 'readynessProbe:'));
    let run = validate(dir);
    expectRejected(
      run,
      'fields',
      `Deployment cloudflow/hub-1: spec.revisionHistoryLimt: Object literal may only specify known properties`,
    );
    expect(run.stderr).toContain(
      `Deployment cloudflow/hub-1: spec.template.spec.containers[0].readynessProbe:`,
    );

    dir = broken('nats.yaml', 'podManagementPolicy: Parallel', 'podManagmentPolicy: Parallel');
    run = validate(dir);
    expectRejected(run, 'fields', `StatefulSet cloudflow/nats: spec.podManagmentPolicy:`);
  });

  it('rejects a container without an image', () => {
    const run = validate(broken('gateway.yaml', /\n\s+image: registry\.example\.com\/cloudflow:0\.1\.0/, ''));
    expectRejected(run, 'shape', 'Deployment cloudflow/gateway: container gateway has no image');
  });

  it('rejects a hub whose grace period ends before its drain, and a workload without a PDB', () => {
    let run = validate(
      broken(
        'hub-base/deployment.yaml',
        'terminationGracePeriodSeconds: 60',
        'terminationGracePeriodSeconds: 30',
      ),
    );
    expectRejected(
      run,
      'shape',
      'Deployment cloudflow/hub-1: terminationGracePeriodSeconds 30 < preStop 10 s + DRAIN_TIMEOUT_MS 30 s + 5 s',
    );

    run = validate(broken('auth.yaml', /---\napiVersion: policy\/v1\nkind: PodDisruptionBudget[\s\S]*$/, ''));
    expectRejected(run, 'shape', 'Deployment cloudflow/auth: no PodDisruptionBudget selects its pods');
  });

  it('rejects hubs sharing one NATS user or password', () => {
    let run = validate(broken('hub-2/kustomization.yaml', 'value: hub-2', 'value: hub-1'));
    expectRejected(run, 'shape', 'Deployment cloudflow/hub-2: NATS_USER is hub-1, expected its own name');
    run = validate(
      broken('hub-3/kustomization.yaml', 'key: NATS_PASSWORD_HUB_3', 'key: NATS_PASSWORD_HUB_1'),
    );
    expectRejected(
      run,
      'shape',
      'Deployment cloudflow/hub-3: NATS_PASSWORD must come from a Secret key of its own',
    );
  });

  it('rejects the wrong replica count and an unpinned NATS image', () => {
    let run = validate(broken('kustomization.yaml', '  - hub-3\n', ''));
    expectRejected(run, 'shape', 'Deployment/hub-3: missing (the cluster shape has 1 replicas of it)');
    run = validate(broken('hub-base/deployment.yaml', 'replicas: 1', 'replicas: 2'));
    expectRejected(run, 'shape', 'Deployment cloudflow/hub-2: replicas is 2, the cluster shape has 1');

    run = validate(broken('nats.yaml', /image: nats:[\w.-]+/, 'image: nats:latest'));
    expectRejected(
      run,
      'shape',
      /StatefulSet cloudflow\/nats: container nats image nats:latest is not pinned/,
    );
  });
});
