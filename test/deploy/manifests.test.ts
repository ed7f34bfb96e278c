import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { kubeSecretRefs, parseConfig } from '../../src/config/index.ts';
import { renderedObjects, type Fields, type KubeObject } from '../harness/kube/index.ts';
import { schemaError } from '../harness/kube/models.ts';

/** Every kustomization in config/: the base, each component, each example overlay. */
const KUSTOMIZATIONS = [
  'config',
  ...readdirSync('config', { recursive: true, encoding: 'utf8' })
    .filter((p) => p.endsWith('kustomization.yaml'))
    .map((p) => join('config', p, '..')),
]
  .filter((d, i, all) => all.indexOf(d) === i)
  .sort();
const isComponent = (dir: string) => /kind:\s*Component/.test(readFileSync(join(dir, 'kustomization.yaml'), 'utf8'));
/** What a kustomization puts in the cluster: a component is rendered on top of the base, as an overlay would use it. */
const render = (dir: string) => (isComponent(dir) ? renderedObjects('config', [dir]) : renderedObjects(dir));
const describe = (o: KubeObject) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`;

test('config/ has a base, the optional components and an example for each sync loop', () => {
  const expected = [
    'config',
    'config/base',
    'config/components/service-monitor',
    'config/components/network-policy',
    'config/components/workload-events',
    'config/components/pull-secrets',
    'config/components/verify',
    'config/examples/argocd/bootstrap',
    'config/examples/argocd/tagpilot',
    'config/examples/flux/bootstrap',
    'config/examples/flux/tagpilot',
  ];
  assert.deepEqual(KUSTOMIZATIONS, expected.sort());
});

for (const dir of KUSTOMIZATIONS) {
  test(`${dir}: every object it lists is valid against its Kubernetes schema (kubernetes-models)`, async () => {
    const objects = render(dir);
    assert.ok(objects.length > 0);
    for (const o of objects) assert.equal(await schemaError(o), undefined, describe(o));
  });
}

const kubectl = ['/usr/bin/kubectl', '/usr/local/bin/kubectl'].find((p) => existsSync(p));
for (const dir of KUSTOMIZATIONS.filter((d) => !isComponent(d))) {
  test(`${dir}: \`kubectl kustomize\` renders exactly the objects the tests load`, { skip: kubectl === undefined ? 'kubectl is not on this machine: the schema tests above still ran' : false }, () => {
    const out = execFileSync(kubectl!, ['kustomize', dir], { encoding: 'utf8' });
    const rendered = parseAllDocuments(out).map((d) => d.toJS() as KubeObject);
    const key = (o: KubeObject) => `${describe(o)}\n${JSON.stringify(sortKeys(o))}`;
    assert.deepEqual(rendered.map(key).sort(), render(dir).map(key).sort());
  });
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => [k, sortKeys(v)]),
  );
}

const base = renderedObjects('config');
const find = (kind: string, name?: string) => base.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name)) as (KubeObject & Fields) | undefined;

test('the Deployment: 2 replicas, probes on /healthz and /readyz, memory sized from the measured peak', () => {
  const d = find('Deployment')!;
  assert.equal(d.spec.replicas, 2);
  const [c] = d.spec.template.spec.containers;
  assert.equal(c.livenessProbe.httpGet.path, '/healthz');
  assert.equal(c.readinessProbe.httpGet.path, '/readyz');
  // 127 MiB measured peak (docs/registries.md#memory) + 42 MiB for the Kubernetes client (bench/kube-import.bench.ts): requests above it, limit with headroom.
  assert.equal(c.resources.requests.memory, '192Mi');
  assert.equal(c.resources.limits.memory, '320Mi');
  assert.deepEqual(c.args, ['controller', '--config', '/etc/tagpilot/tagpilot.yaml']);
});

test('the probes and the Service reach the ports the controller serves: http is server.port, webhooks is server.webhookPort', () => {
  const [c] = find('Deployment')!.spec.template.spec.containers;
  const config = parseConfig(find('ConfigMap', 'tagpilot-config')!.data['tagpilot.yaml'], 'config/base/configmap.yaml', {});
  const port = (name: string) => c.ports.find((p: { name: string }) => p.name === name)?.containerPort;
  assert.equal(port('http'), config.server.port);
  assert.equal(port('webhooks'), config.server.webhookPort);
  for (const probe of [c.startupProbe, c.livenessProbe, c.readinessProbe]) assert.equal(probe.httpGet.port, 'http');
  const targets = find('Service')!
    .spec.ports.map((p: { targetPort: string }) => p.targetPort)
    .sort();
  assert.deepEqual(targets, ['http', 'webhooks']);
});

test('the Deployment runs locked down: non-root, read-only root, seccomp RuntimeDefault, no capabilities, no privilege escalation, an emptyDir cache', () => {
  const pod = find('Deployment')!.spec.template.spec;
  const [c] = pod.containers;
  assert.equal(pod.securityContext.runAsNonRoot, true);
  assert.equal(pod.securityContext.seccompProfile.type, 'RuntimeDefault');
  assert.equal(c.securityContext.readOnlyRootFilesystem, true);
  assert.equal(c.securityContext.allowPrivilegeEscalation, false);
  assert.deepEqual(c.securityContext.capabilities.drop, ['ALL']);
  const cache = c.volumeMounts.find((m: { mountPath: string }) => m.mountPath === '/var/cache/tagpilot');
  assert.ok(pod.volumes.find((v: { name: string; emptyDir?: object }) => v.name === cache.name)?.emptyDir);
  assert.equal(find('Namespace')!.metadata.labels?.['pod-security.kubernetes.io/enforce' as never], 'restricted');
});

test('the ConfigMap holds a valid config, and the Role grants get on exactly the Secrets it names', () => {
  const text = find('ConfigMap', 'tagpilot-config')!.data['tagpilot.yaml'];
  const config = parseConfig(text, 'config/base/configmap.yaml', {});
  const named = [...new Set(kubeSecretRefs(config).map((r) => r.name))].sort();
  assert.deepEqual(named, ['tagpilot-deploy-key']);
  const secretsRule = find('Role')!.rules.find((r: { resources: string[] }) => r.resources.includes('secrets'));
  assert.deepEqual(secretsRule, { apiGroups: [''], resources: ['secrets'], resourceNames: named, verbs: ['get'] });
});

test('every RBAC rule in config/ says why: a comment right above it', () => {
  const files = ['config/base/rbac.yaml', 'config/components/workload-events/rbac.yaml', 'config/components/pull-secrets/rbac.yaml', 'config/components/verify/rbac.yaml'];
  for (const file of files) {
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((line, i) => {
      if (/^\s+- apiGroups:/.test(line)) assert.match(lines[i - 1] ?? '', /^\s+#/, `${file}:${i + 1}: a rule without its why`);
    });
  }
});

test('the deploy-key Secret example and the pull-secret RoleBinding example are valid objects, and not applied by the base', async () => {
  for (const file of ['config/deploy-key.example.yaml', 'config/components/pull-secrets/rolebinding.example.yaml']) {
    for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) assert.equal(await schemaError(doc.toJS() as KubeObject), undefined, file);
  }
  assert.equal(find('Secret'), undefined, 'a private key is never part of what a sync loop applies');
  const example = parseAllDocuments(readFileSync('config/deploy-key.example.yaml', 'utf8'))[0]!.toJS() as Fields;
  assert.deepEqual(Object.keys(example.stringData).sort(), ['identity', 'identity.pub', 'known_hosts'], 'the keys the ConfigMap names, as Flux writes them');
});

for (const loop of ['argocd', 'flux']) {
  test(`the ${loop} example's config is valid, nudges ${loop}, and every Secret it names is granted to tagpilot`, () => {
    const objects = renderedObjects(`config/examples/${loop}/tagpilot`);
    const text = (objects.find((o) => o.kind === 'ConfigMap') as Fields).data['tagpilot.yaml'];
    const config = parseConfig(text, `config/examples/${loop}/tagpilot/config.yaml`, {});
    assert.ok(config.nudge?.[loop as 'argocd' | 'flux'] !== undefined);
    const granted = objects
      .filter((o) => o.kind === 'Role')
      .flatMap((o) => (o as Fields).rules)
      .filter((r) => r.resources.includes('secrets'))
      .flatMap((r) => r.resourceNames);
    for (const ref of kubeSecretRefs(config)) assert.ok(granted.includes(ref.name), `${ref.name} is in the Role's resourceNames`);
  });
}
