// Shape stage: what CloudFlow's production topology needs beyond being valid Kubernetes (issue 10,
// README "Running as a cluster"): the replica counts of `npm run start:cluster`, a
// PodDisruptionBudget per workload, readiness on /readyz, grace periods that outlast the drains,
// pinned images, and a NATS StatefulSet with per-node JetStream storage, the generated
// authorization and TLS. The schemas cannot know any of this; a manifest edit that breaks it
// fails here with the reason.
import { describe } from './schema-check.mjs';

const REPLICAS = {
  'Deployment/auth': 2,
  'Deployment/admin': 2,
  'Deployment/gateway': 2,
  // One Deployment (one pod) per hub NATS user: each logs in as its own name.
  'Deployment/hub-1': 1,
  'Deployment/hub-2': 1,
  'Deployment/hub-3': 1,
  'StatefulSet/nats': 3,
};
// Seconds kept between the end of a drain and SIGKILL (closing NATS, flushing logs).
const MARGIN_S = 5;
const NATS_IMAGE = /^nats:2\.\d+\.\d+(-alpine|-scratch)?$/;

const podSpec = (obj) => obj?.spec?.template?.spec;
const podLabels = (obj) => obj?.spec?.template?.metadata?.labels ?? {};
const containersOf = (obj) => [...(podSpec(obj)?.initContainers ?? []), ...(podSpec(obj)?.containers ?? [])];
const selects = (selector, labels) =>
  !!selector?.matchLabels &&
  Object.keys(selector.matchLabels).length > 0 &&
  Object.entries(selector.matchLabels).every(([k, v]) => labels[k] === v);

function envSeconds(container, name) {
  const entry = (container.env ?? []).find((e) => e.name === name);
  const ms = Number(entry?.value);
  return entry && Number.isFinite(ms) ? ms / 1000 : null;
}

function preStopSleep(container) {
  const cmd = container.lifecycle?.preStop?.exec?.command ?? [];
  return cmd[0] === 'sleep' && Number.isFinite(Number(cmd[1])) ? Number(cmd[1]) : 0;
}

function durationSeconds(conf, key) {
  const m = new RegExp(`^\\s*${key}\\s*[:=]\\s*"?(\\d+)(s|m)"?`, 'm').exec(conf);
  if (!m) return null;
  return Number(m[1]) * (m[2] === 'm' ? 60 : 1);
}

export function checkShape(objects) {
  const problems = [];
  const byKey = new Map(objects.map((o) => [`${o.kind}/${o.metadata?.name}`, o]));
  const workloads = objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet');
  const pdbs = objects.filter((o) => o.kind === 'PodDisruptionBudget');

  for (const [key, replicas] of Object.entries(REPLICAS)) {
    const obj = byKey.get(key);
    if (!obj) problems.push(`${key}: missing (the cluster shape has ${replicas} replicas of it)`);
    else if (obj.spec?.replicas !== replicas) {
      problems.push(`${describe(obj)}: replicas is ${obj.spec?.replicas}, the cluster shape has ${replicas}`);
    }
  }

  for (const obj of workloads) {
    const name = describe(obj);
    if (!pdbs.some((pdb) => selects(pdb.spec?.selector, podLabels(obj)))) {
      problems.push(`${name}: no PodDisruptionBudget selects its pods`);
    }
    const grace = podSpec(obj)?.terminationGracePeriodSeconds ?? 30;
    for (const c of containersOf(obj)) {
      if (typeof c.image !== 'string' || c.image.trim() === '') {
        problems.push(`${name}: container ${c.name} has no image`);
      } else if (!/@sha256:|:[\w][\w.-]*$/.test(c.image) || /:latest$/.test(c.image)) {
        problems.push(`${name}: container ${c.name} image ${c.image} is not pinned to a tag or digest`);
      }
    }
    const main = podSpec(obj)?.containers?.[0];
    if (!main) continue;

    if (obj.kind === 'Deployment' && main.readinessProbe?.httpGet?.path !== '/readyz') {
      problems.push(`${name}: container ${main.name} needs readinessProbe httpGet /readyz`);
    }
    // The drains the services run on SIGTERM must end before SIGKILL; preStop runs first, inside the grace.
    const drains = { hub: 'DRAIN_TIMEOUT_MS', gateway: 'SHUTDOWN_GRACE_MS' };
    const drainVar = obj.kind === 'Deployment' ? drains[podLabels(obj)['app.kubernetes.io/name']] : undefined;
    if (drainVar) {
      const drain = envSeconds(main, drainVar);
      if (drain === null)
        problems.push(`${name}: set ${drainVar} explicitly (the grace period is sized from it)`);
      else {
        const needed = preStopSleep(main) + drain + MARGIN_S;
        if (grace < needed) {
          problems.push(
            `${name}: terminationGracePeriodSeconds ${grace} < preStop ${preStopSleep(main)} s + ${drainVar} ${drain} s + ${MARGIN_S} s`,
          );
        }
      }
    }
  }

  // Every hub logs in to NATS as its own user, with its own Secret key (a hub may subscribe only
  // to its own connections: libs/platform nats-permissions.ts).
  const hubs = workloads.filter((o) => podLabels(o)['app.kubernetes.io/name'] === 'hub');
  const hubKeys = new Set();
  for (const hub of hubs) {
    const env = podSpec(hub)?.containers?.[0]?.env ?? [];
    const user = env.find((e) => e.name === 'NATS_USER')?.value;
    const key = env.find((e) => e.name === 'NATS_PASSWORD')?.valueFrom?.secretKeyRef?.key;
    if (user !== hub.metadata?.name)
      problems.push(`${describe(hub)}: NATS_USER is ${user}, expected its own name`);
    if (!key || hubKeys.has(key))
      problems.push(`${describe(hub)}: NATS_PASSWORD must come from a Secret key of its own (got ${key})`);
    hubKeys.add(key);
  }

  const nats = byKey.get('StatefulSet/nats');
  if (nats) {
    const name = describe(nats);
    const image = podSpec(nats)?.containers?.[0]?.image ?? '';
    if (!NATS_IMAGE.test(image))
      problems.push(`${name}: image ${image} is not a pinned NATS 2.x release (nats:2.X.Y)`);
    if (!(nats.spec?.volumeClaimTemplates ?? []).length) {
      problems.push(`${name}: no volumeClaimTemplates (JetStream needs storage per node)`);
    }
    const conf = byKey.get('ConfigMap/nats-config')?.data?.['nats.conf'];
    const authz = byKey.get('ConfigMap/nats-authorization')?.data?.['authorization.conf'];
    if (!conf) problems.push('ConfigMap nats-config: missing nats.conf');
    else {
      for (const [re, what] of [
        [/^\s*jetstream\s*\{[^}]*store_dir/m, 'a jetstream block with store_dir'],
        [/^\s*sync_interval\s*:/m, 'sync_interval (deploy/README.md, "JetStream durability")'],
        [/^\s*include\s+\.\/authorization\.conf/m, 'include ./authorization.conf'],
        [/^\s*tls\s*\{/m, 'client TLS'],
        [/^\s*cluster\s*\{[\s\S]*routes[\s\S]*tls\s*\{/m, 'cluster routes with TLS'],
      ]) {
        if (!re.test(conf)) problems.push(`ConfigMap nats-config: nats.conf lacks ${what}`);
      }
      const ldm =
        (durationSeconds(conf, 'lame_duck_duration') ?? 120) +
        (durationSeconds(conf, 'lame_duck_grace_period') ?? 10);
      const grace = podSpec(nats)?.terminationGracePeriodSeconds ?? 30;
      if (grace < ldm + MARGIN_S) {
        problems.push(`${name}: terminationGracePeriodSeconds ${grace} < lame duck ${ldm} s + ${MARGIN_S} s`);
      }
    }
    if (!authz || !/authorization\s*\{/.test(authz)) {
      problems.push('ConfigMap nats-authorization: missing the generated authorization.conf');
    }
  }
  return problems;
}
