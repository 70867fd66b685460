/**
 * deploy/kubernetes, checked without a cluster: every manifest parses, `kubectl kustomize` renders the base
 * (where kubectl is installed), and the manifests agree with the application and with each other: probe paths
 * and ports are the application's real defaults, the grace period outlasts the drain deadline, selectors select
 * the pods, the config and tenants files in the ConfigMap pass the application's own validation, and every
 * `${VAR}` the tenants file needs is a key of the Secret the pods read.
 */
import { readdirSync } from 'node:fs';
import { loadAll } from 'js-yaml';
import { loadConfig } from '../../src/config/load-config';
import { CONFIG_SCHEMA } from '../../src/config/schema';
import { parseConnectionString } from '../../src/tenants/connection-string';
import { loadTenants } from '../../src/tenants/load-tenants';
import { readRepoFile, readYaml, readYamlAll, repoFileExists, repoPath, writeTemp } from './support/repo';
import { kubectl, runTool } from './support/tools';

const DIR = 'deploy/kubernetes';

// Just the fields the checks read; the manifests are plain YAML data.
interface Metadata {
  name: string;
  labels?: Record<string, string>;
}
interface Probe {
  httpGet?: { path: string; port: string | number };
}
interface Container {
  name: string;
  image: string;
  args?: string[];
  ports?: Array<{ name?: string; containerPort: number }>;
  env?: Array<{ name: string; value?: string }>;
  envFrom?: Array<{ secretRef?: { name: string; optional?: boolean } }>;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: {
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    runAsNonRoot?: boolean;
    capabilities?: { drop?: string[] };
  };
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
}
interface Deployment {
  kind: 'Deployment';
  metadata: Metadata;
  spec: {
    replicas: number;
    selector: { matchLabels: Record<string, string> };
    template: {
      metadata: { labels: Record<string, string> };
      spec: {
        terminationGracePeriodSeconds?: number;
        securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
        containers: Container[];
        volumes?: Array<{ name: string; configMap?: { name: string }; emptyDir?: Record<string, unknown> }>;
      };
    };
  };
}
interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: Metadata;
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

const kustomization = readYaml<{ resources: string[]; images?: Array<{ name: string; newTag?: string }> }>(`${DIR}/kustomization.yaml`);
const manifests: Manifest[] = kustomization.resources.flatMap((file) => readYamlAll(`${DIR}/${file}`) as unknown as Manifest[]);
const byKind = (kind: string): Manifest[] => manifests.filter((m) => m.kind === kind);
const one = <T = Manifest>(kind: string): T => {
  const found = byKind(kind);
  if (found.length !== 1) throw new Error(`expected one ${kind} in ${DIR}, found ${found.length}`);
  return found[0] as unknown as T;
};
const deployment = one<Deployment>('Deployment');
const pod = deployment.spec.template;
const worker = pod.spec.containers[0]!;
const secretExample = readYamlAll(`${DIR}/secret.example.yaml`)[0] as unknown as Manifest;
const configMap = one('ConfigMap');

/** A probe's port, named or numbered, as the container port number it resolves to. */
function resolvePort(port: string | number | undefined): number | undefined {
  if (typeof port === 'number') return port;
  return worker.ports?.find((p) => p.name === port)?.containerPort;
}
function selects(selector: Record<string, string> | undefined): boolean {
  return (
    selector !== undefined && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => pod.metadata.labels[k] === v)
  );
}

describe('deploy/kubernetes', () => {
  test('every YAML file parses, and every resource listed in kustomization.yaml exists', () => {
    const files = readdirSync(repoPath(DIR)).filter((f) => /\.ya?ml$/.test(f));
    for (const file of files) expect(() => loadAll(readRepoFile(`${DIR}/${file}`))).not.toThrow();
    expect(kustomization.resources.filter((r) => !repoFileExists(`${DIR}/${r}`))).toEqual([]);
    expect(manifests.map((m) => m.kind).sort()).toEqual(['ConfigMap', 'Deployment', 'PodDisruptionBudget', 'PodMonitor', 'Service']);
  });

  test('secret.example.yaml exists but is not a kustomize resource (real passwords stay out of git)', () => {
    expect(secretExample.kind).toBe('Secret');
    expect(kustomization.resources).not.toContain('secret.example.yaml');
    expect(readRepoFile(`${DIR}/README.md`)).toMatch(/secret\.example\.yaml.*not in `resources`/);
  });

  const kustomize = kubectl
    ? '`kubectl kustomize` renders the base with the image tag applied'
    : '`kubectl kustomize` renders the base (skipped: kubectl is not installed)';
  (kubectl ? test : test.skip)(kustomize, () => {
    const result = runTool(kubectl!, ['kustomize', DIR]);
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    const rendered = loadAll(result.stdout) as Manifest[];
    expect(rendered.map((m) => m.kind).sort()).toEqual(['ConfigMap', 'Deployment', 'PodDisruptionBudget', 'PodMonitor', 'Service']);
    const renderedDeployment = rendered.find((m) => m.kind === 'Deployment') as unknown as Deployment;
    const image = kustomization.images?.find((i) => i.name === worker.image);
    expect(image?.newTag).toBeDefined();
    expect(renderedDeployment.spec.template.spec.containers[0]!.image).toBe(`${worker.image}:${image!.newTag}`);
  });

  test('two replicas, and the PodDisruptionBudget keeps one of them', () => {
    expect(deployment.spec.replicas).toBe(2);
    const pdb = one<{ apiVersion: string; spec: { minAvailable: number; selector: { matchLabels: Record<string, string> } } }>(
      'PodDisruptionBudget',
    );
    expect(pdb.apiVersion).toBe('policy/v1');
    expect(pdb.spec.minAvailable).toBe(1);
    expect(pdb.spec.minAvailable).toBeLessThan(deployment.spec.replicas);
    expect(selects(pdb.spec.selector.matchLabels)).toBe(true);
  });

  test(`probes: liveness GET /livez, readiness GET /readyz, on the port named metrics = http.port default (${CONFIG_SCHEMA.http.port.default})`, () => {
    const port = CONFIG_SCHEMA.http.port.default;
    expect(worker.ports).toEqual([expect.objectContaining({ name: 'metrics', containerPort: port })]);
    expect(worker.livenessProbe?.httpGet?.path).toBe('/livez');
    expect(worker.readinessProbe?.httpGet?.path).toBe('/readyz');
    expect(resolvePort(worker.livenessProbe?.httpGet?.port)).toBe(port);
    expect(resolvePort(worker.readinessProbe?.httpGet?.port)).toBe(port);
  });

  test('terminationGracePeriodSeconds outlasts the drain deadline (worker.shutdownTimeoutMs), with the default and with the ConfigMap', () => {
    const graceMs = (pod.spec.terminationGracePeriodSeconds ?? 30) * 1000;
    expect(graceMs).toBeGreaterThan(CONFIG_SCHEMA.worker.shutdownTimeoutMs.default);
    const config = loadConfig({ configFile: writeTemp('config.json', configMap.data!['config.json']!), env: {} });
    expect(graceMs).toBeGreaterThan(config.worker.shutdownTimeoutMs);
    // ...and not by so much that a stuck pod lingers: at most 15 s of slack after the drain.
    expect(graceMs - config.worker.shutdownTimeoutMs).toBeLessThanOrEqual(15_000);
  });

  test('runs as non-root uid 1000 with a read-only root filesystem, no privilege escalation, no capabilities', () => {
    expect(pod.spec.securityContext).toEqual(expect.objectContaining({ runAsNonRoot: true, runAsUser: 1000 }));
    expect(worker.securityContext).toEqual(
      expect.objectContaining({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } }),
    );
    const tmp = worker.volumeMounts?.find((m) => m.mountPath === '/tmp');
    expect(pod.spec.volumes?.find((v) => v.name === tmp?.name)?.emptyDir).toBeDefined();
  });

  test('requests and limits CPU and memory', () => {
    expect(Object.keys(worker.resources?.requests ?? {}).sort()).toEqual(['cpu', 'memory']);
    expect(Object.keys(worker.resources?.limits ?? {}).sort()).toEqual(['cpu', 'memory']);
  });

  test('config and tenants come from the ConfigMap mounted at /etc/tqw, where the image reads them', () => {
    const mount = worker.volumeMounts?.find((m) => m.mountPath === '/etc/tqw');
    expect(mount?.readOnly).toBe(true);
    expect(pod.spec.volumes?.find((v) => v.name === mount?.name)?.configMap?.name).toBe(configMap.metadata.name);
    expect(Object.keys(configMap.data ?? {}).sort()).toEqual(['config.json', 'tenants.json']);
    const configEnv = worker.env?.find((e) => e.name === 'TQW_CONFIG')?.value ?? '/etc/tqw/config.json';
    expect(configEnv).toBe('/etc/tqw/config.json');
  });

  test("the ConfigMap's config.json passes the application's strict validation and points at the mounted tenants file and port", () => {
    const config = loadConfig({ configFile: writeTemp('config.json', configMap.data!['config.json']!), env: {} });
    expect(config.tenants.file).toBe('/etc/tqw/tenants.json');
    expect(config.http.port).toBe(worker.ports![0]!.containerPort);
  });

  test("the ConfigMap's tenants.json passes the application's validation with exactly the Secret's keys as environment", () => {
    const secretRef = worker.envFrom?.find((e) => e.secretRef)?.secretRef;
    expect(secretRef).toEqual({ name: secretExample.metadata.name });
    const env = { ...secretExample.stringData };
    const tenants = loadTenants(writeTemp('tenants.json', configMap.data!['tenants.json']!), env);
    expect(tenants.length).toBeGreaterThan(0);
    // Each Secret key is used by the tenants file (no stale keys), and none is missing (loadTenants above).
    const referenced = new Set([...configMap.data!['tenants.json']!.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1]));
    expect(Object.keys(env).sort()).toEqual([...referenced].sort());
    // No password is written into the ConfigMap itself: each one is a ${VAR} reference.
    const raw = JSON.parse(configMap.data!['tenants.json']!) as Array<{ id: string; connectionString: string }>;
    for (const entry of raw) {
      expect({ id: entry.id, password: parseConnectionString(entry.connectionString).password }).toEqual({
        id: entry.id,
        password: expect.stringMatching(/^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/),
      });
    }
  });

  test('the Service and the PodMonitor select the pods and use the named container port', () => {
    const svc = one<{
      spec: { selector: Record<string, string>; ports: Array<{ name: string; port: number; targetPort: string | number }> };
    }>('Service');
    expect(selects(svc.spec.selector)).toBe(true);
    for (const port of svc.spec.ports) expect(resolvePort(port.targetPort)).toBe(CONFIG_SCHEMA.http.port.default);

    const podMonitor = one<{
      apiVersion: string;
      spec: { selector: { matchLabels: Record<string, string> }; podMetricsEndpoints: Array<{ port: string; path?: string }> };
    }>('PodMonitor');
    expect(podMonitor.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(selects(podMonitor.spec.selector.matchLabels)).toBe(true);
    for (const endpoint of podMonitor.spec.podMetricsEndpoints) {
      expect(worker.ports?.map((p) => p.name)).toContain(endpoint.port);
      expect(endpoint.path ?? '/metrics').toBe('/metrics');
    }
  });

  test("the Deployment's selector matches its pod template, and the container runs `tqw run` from the image kustomize sets", () => {
    expect(selects(deployment.spec.selector.matchLabels)).toBe(true);
    expect(worker.args ?? ['run']).toEqual(['run']);
    expect(kustomization.images?.map((i) => i.name)).toContain(worker.image);
  });
});
