/**
 * deploy/kubernetes/keda, the optional autoscaling (a kustomize Component that an overlay adds to the base),
 * checked without a cluster: the ScaledObject
 * scales the base's Deployment on tqw_queue_depth through KEDA's Prometheus scaler with a query over
 * series tqw really exports (parsed by promtool where installed), never below what the PodDisruptionBudget
 * needs, and the overlay's shutdown settings let a scale-down drain (grace period > preStop + the drain
 * deadline of the ConfigMap). Every manifest of the base and the overlay passes the Kubernetes, KEDA and
 * Prometheus Operator JSON schemas (kubernetes-models), and `kubectl kustomize` renders the overlay where
 * kubectl is installed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { dump, loadAll } from 'js-yaml';
import { loadConfig } from '../../src/config/load-config';
import { metricNames } from './support/promql';
import { readYaml, readYamlAll, repoFileExists, repoPath, writeTemp } from './support/repo';
import { kubectl, promtool, runTool } from './support/tools';
import { exportedMetrics, labelProblems } from './support/tqw-metrics';

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const BASE = 'deploy/kubernetes';
const OVERLAY = `${BASE}/keda`;
const overlay = readYaml<{ kind: string; resources: string[]; patches: Array<{ path: string }> }>(`${OVERLAY}/kustomization.yaml`);
const base = readYaml<{ resources: string[] }>(`${BASE}/kustomization.yaml`);
const baseManifests: Doc[] = base.resources.flatMap((f) => readYamlAll(`${BASE}/${f}`));
const overlayOwn: Doc[] = overlay.resources.flatMap((f) => readYamlAll(`${OVERLAY}/${f}`));
const patches: Doc[] = overlay.patches.flatMap((p) => readYamlAll(`${OVERLAY}/${p.path}`));

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- kustomize patches are untyped YAML documents
type Yaml = any;

/** Strategic merge as kustomize does it for these patches: maps merge, `containers` merge by name. */
function merge(target: Yaml, patch: Yaml): Yaml {
  if (Array.isArray(patch) && Array.isArray(target) && patch.every((p) => p && typeof p === 'object' && 'name' in p)) {
    const out = target.map((t: Yaml) => ({ ...t }));
    for (const p of patch) {
      const i = out.findIndex((t: Yaml) => t.name === p.name);
      if (i >= 0) out[i] = merge(out[i], p);
      else out.push(p);
    }
    return out;
  }
  if (patch && typeof patch === 'object' && !Array.isArray(patch) && target && typeof target === 'object' && !Array.isArray(target)) {
    const out = { ...target };
    for (const [k, v] of Object.entries(patch)) out[k] = k in target ? merge(target[k], v) : v;
    return out;
  }
  return patch;
}

const rendered: Doc[] = [
  ...baseManifests.map((m) => {
    const p = patches.find((x) => x.kind === m.kind && x.metadata?.name === m.metadata?.name);
    return p ? merge(m, p) : m;
  }),
  ...overlayOwn,
];
const one = (kind: string) => {
  const found = rendered.filter((m) => m.kind === kind);
  if (found.length !== 1) throw new Error(`expected one ${kind} in the rendered overlay, found ${found.length}`);
  return found[0]!;
};
const deployment = one('Deployment');
const scaledObject = one('ScaledObject');
const pdb = one('PodDisruptionBudget');
const worker = deployment.spec.template.spec.containers[0];
const configMap = one('ConfigMap');

describe('deploy/kubernetes/keda (optional autoscaling overlay)', () => {
  test('is a kustomize Component (added to the base by an overlay): the ScaledObject and the drain patch, both present', () => {
    expect(overlay.kind).toBe('Component');
    expect(overlay.resources).toEqual(['scaledobject.yaml']);
    for (const file of [...overlay.resources, ...overlay.patches.map((p) => p.path)])
      expect(repoFileExists(`${OVERLAY}/${file}`)).toBe(true);
    // The base stays without KEDA: clusters without its CRDs apply the base alone.
    expect(baseManifests.map((m) => m.kind)).not.toContain('ScaledObject');
    expect(rendered.map((m) => m.kind).sort()).toEqual([
      'ConfigMap',
      'Deployment',
      'PodDisruptionBudget',
      'PodMonitor',
      'ScaledObject',
      'Service',
    ]);
  });

  test("the ScaledObject scales the base's Deployment through KEDA's Prometheus scaler", () => {
    expect(scaledObject.apiVersion).toBe('keda.sh/v1alpha1');
    expect(scaledObject.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name });
    expect(scaledObject.spec.triggers).toHaveLength(1);
    const trigger = scaledObject.spec.triggers[0];
    expect(trigger.type).toBe('prometheus');
    expect(Number(trigger.metadata.threshold)).toBeGreaterThan(0);
    expect(trigger.metadata.serverAddress).toMatch(/^https?:\/\//);
  });

  test('its query reads tqw_queue_depth with label values tqw really exports', async () => {
    const query: string = scaledObject.spec.triggers[0].metadata.query;
    expect(metricNames(query)).toEqual(['tqw_queue_depth']);
    expect(labelProblems([query], await exportedMetrics())).toEqual([]);
  });

  (promtool ? test : test.skip)(`promtool parses the query${promtool ? '' : ' (skipped: promtool is not installed)'}`, () => {
    const query: string = scaledObject.spec.triggers[0].metadata.query;
    const rules = writeTemp('rules.yml', dump({ groups: [{ name: 'keda', rules: [{ record: 'tqw:keda_query', expr: query }] }] }));
    const r = runTool(promtool!, ['check', 'rules', rules]);
    expect({ status: r.status, output: r.output }).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
  });

  test('never scales below what the PodDisruptionBudget needs, and scales down one drained pod at a time', () => {
    const { minReplicaCount, maxReplicaCount } = scaledObject.spec;
    expect(minReplicaCount).toBeGreaterThan(pdb.spec.minAvailable);
    expect(minReplicaCount).toBeGreaterThanOrEqual(deployment.spec.replicas);
    expect(maxReplicaCount).toBeGreaterThan(minReplicaCount);
    const scaleDown = scaledObject.spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown;
    expect(scaleDown.policies).toEqual([{ type: 'Pods', value: 1, periodSeconds: expect.any(Number) }]);
    expect(scaleDown.policies[0].periodSeconds).toBeGreaterThanOrEqual(deployment.spec.template.spec.terminationGracePeriodSeconds);
  });

  test('a scale-down drains: grace period > preStop + worker.shutdownTimeoutMs of the ConfigMap, with time left to release', () => {
    const config = loadConfig({ configFile: writeTemp('config.json', configMap.data['config.json']), env: {} });
    const preStop: string[] = worker.lifecycle.preStop.exec.command;
    expect(preStop[0]).toBe('sleep');
    const preStopMs = Number(preStop[1]) * 1000;
    const graceMs = deployment.spec.template.spec.terminationGracePeriodSeconds * 1000;
    expect(graceMs - preStopMs - config.worker.shutdownTimeoutMs).toBeGreaterThanOrEqual(5_000);
  });

  test('every manifest of the base and the overlay passes the Kubernetes, KEDA and Prometheus Operator schemas (kubernetes-models)', () => {
    const validate = (docs: Doc[]) => {
      const r = spawnSync(process.execPath, [repoPath('test', 'deploy', 'support', 'validate-manifests.mjs')], {
        input: JSON.stringify(docs),
        encoding: 'utf8',
      });
      if (r.status !== 0) throw new Error(r.stderr);
      return JSON.parse(r.stdout) as Array<{ kind: string; name: string; error: string }>;
    };
    expect(validate(rendered)).toEqual([]);
    // Control: the schemas catch a broken manifest.
    const broken = merge(scaledObject, { spec: { minReplicaCount: 'two' } });
    expect(validate([broken])).toEqual([
      expect.objectContaining({ kind: 'ScaledObject', error: expect.stringContaining('minReplicaCount') }),
    ]);
  });

  (kubectl ? test : test.skip)(
    `kubectl kustomize renders an overlay of the base with the component${kubectl ? '' : ' (skipped: kubectl is not installed)'}`,
    () => {
      // The overlay README.md shows: resources: the base, components: keda (kustomize wants relative paths).
      const dir = mkdtempSync(join(tmpdir(), 'tqw-keda-overlay-'));
      writeFileSync(
        join(dir, 'kustomization.yaml'),
        dump({
          apiVersion: 'kustomize.config.k8s.io/v1beta1',
          kind: 'Kustomization',
          resources: [relative(dir, repoPath(BASE))],
          components: [relative(dir, repoPath(OVERLAY))],
        }),
      );
      const r = runTool(kubectl!, ['kustomize', dir]);
      expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
      const docs = loadAll(r.stdout) as Doc[];
      expect(docs.map((d) => d.kind).sort()).toEqual(rendered.map((m) => m.kind).sort());
      expect(docs.find((d) => d.kind === 'Deployment')!.spec.template.spec.containers[0].lifecycle).toEqual(worker.lifecycle);
      expect(docs.find((d) => d.kind === 'Deployment')!.spec.template.spec.terminationGracePeriodSeconds).toBe(
        deployment.spec.template.spec.terminationGracePeriodSeconds,
      );
    },
  );
});
