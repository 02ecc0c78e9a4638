// Schema stage: every rendered object against the Kubernetes OpenAPI schema of its kind, with the
// validators kubernetes-models generates from that schema (ajv, compiled ahead: nothing is
// downloaded). An apiVersion/kind the package does not know is an error, never a pass: a typo in
// `kind`, a removed API version (policy/v1beta1) or a CRD nobody installs all fail here.
const API_VERSION = /^(?:[a-z0-9.-]+\/)?v[0-9]+(?:(?:alpha|beta)[0-9]+)?$/;
const KIND = /^[A-Z][A-Za-z0-9]*$/;
// kubernetes-models also carries the beta versions of older releases, most of them removed from
// Kubernetes since (policy/v1beta1 and extensions/v1beta1 in 1.25, autoscaling/v2beta2 in 1.26, …),
// which a current cluster refuses: only GA versions are accepted.
const GA_VERSION = /(?:^|\/)v[0-9]+$/;

export function describe(obj) {
  const ns = obj?.metadata?.namespace ? `${obj.metadata.namespace}/` : '';
  return `${obj?.kind ?? '(no kind)'} ${ns}${obj?.metadata?.name ?? '(no name)'}`;
}

/** The kubernetes-models module path of a kind (`apps/v1/Deployment`), or null when it cannot be one. */
export function modelPath(obj) {
  const { apiVersion, kind } = obj ?? {};
  if (typeof apiVersion !== 'string' || !API_VERSION.test(apiVersion)) return null;
  if (typeof kind !== 'string' || !KIND.test(kind)) return null;
  return `${apiVersion}/${kind}`;
}

async function loadModel(obj) {
  const path = modelPath(obj);
  if (!path) return null;
  try {
    const mod = await import(`kubernetes-models/${path}`);
    return typeof mod[obj.kind] === 'function' ? mod[obj.kind] : null;
  } catch (err) {
    if (err?.code === 'ERR_PACKAGE_PATH_NOT_EXPORTED' || err?.code === 'ERR_MODULE_NOT_FOUND') return null;
    throw err;
  }
}

/** Problems as strings ("Deployment cloudflow/hub: /spec/replicas must be integer"); [] when all are valid. */
export async function checkSchemas(objects) {
  const problems = [];
  for (const obj of objects) {
    const Model = await loadModel(obj);
    if (Model && !GA_VERSION.test(obj.apiVersion)) {
      problems.push(
        `${describe(obj)}: apiVersion ${obj.apiVersion} is not a GA version (use the vN one of ${obj.kind})`,
      );
      continue;
    }
    if (!Model) {
      problems.push(
        `${describe(obj)}: unknown apiVersion/kind ${obj?.apiVersion}/${obj?.kind} (not in the Kubernetes API schemas)`,
      );
      continue;
    }
    if (typeof obj.metadata?.name !== 'string' || obj.metadata.name === '') {
      problems.push(`${describe(obj)}: metadata.name is required`);
    }
    try {
      new Model(obj).validate();
    } catch (err) {
      const errors = Array.isArray(err?.errors) ? err.errors : null;
      if (!errors) throw err;
      for (const e of errors) {
        const extra = e.params?.allowedValues ? ` (${e.params.allowedValues.join(', ')})` : '';
        problems.push(`${describe(obj)}: ${e.instancePath || '/'} ${e.message}${extra}`);
      }
    }
  }
  return problems;
}
