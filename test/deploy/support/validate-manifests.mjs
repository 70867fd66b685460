// Schema check of Kubernetes manifests with kubernetes-models (the OpenAPI schemas of Kubernetes, KEDA and
// the Prometheus Operator as JSON schemas), in its own process because those packages are ES modules only.
// stdin: a JSON array of manifests; stdout: a JSON array of { kind, name, error } (empty: all valid).
const MODULES = {
  v1: (kind) => `kubernetes-models/v1/${kind}`,
  'apps/v1': (kind) => `kubernetes-models/apps/v1/${kind}`,
  'policy/v1': (kind) => `kubernetes-models/policy/v1/${kind}`,
  'keda.sh/v1alpha1': (kind) => `@kubernetes-models/keda/keda.sh/v1alpha1/${kind}`,
  'monitoring.coreos.com/v1': (kind) => `@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/${kind}`,
};

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const manifests = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const problems = [];
for (const manifest of manifests) {
  const where = { kind: manifest.kind, name: manifest.metadata?.name };
  const module = MODULES[manifest.apiVersion];
  if (!module) {
    problems.push({ ...where, error: `no schema for apiVersion ${manifest.apiVersion}` });
    continue;
  }
  try {
    const Model = (await import(module(manifest.kind)))[manifest.kind];
    new Model(manifest).validate();
  } catch (err) {
    problems.push({ ...where, error: String(err?.message ?? err) });
  }
}
process.stdout.write(JSON.stringify(problems));
