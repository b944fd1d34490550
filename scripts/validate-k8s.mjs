#!/usr/bin/env node
// Checks one rendered Kustomize output (`kubectl kustomize deploy/k8s/...`)
// offline; scripts/validate-k8s.sh runs it on the base and every overlay.
//   node scripts/validate-k8s.mjs [--self-contained] [--unpinned-images] RENDERED.yaml
// --self-contained: every Secret the pods name is in the file too (dev makes
//   its own; prod's come from the cluster's secret store).
// --unpinned-images: images need no tag (the base's; the overlays set them).
// Prints each problem as `Kind/name: what`; exits 1 if there is any.
//
// What it checks:
//  - schema: every object against the Kubernetes and prometheus-operator
//    schemas of kubernetes-models, unknown fields included (those schemas
//    accept them; see watched());
//  - labels: app.kubernetes.io/name and app.kubernetes.io/part-of=wecom on
//    every object and pod template;
//  - pods: the images' uid/gid 10001, runAsNonRoot, seccomp RuntimeDefault, no
//    service account token, no host namespaces or hostPath; every container
//    (init too) with CPU and memory requests and limits, a read-only root
//    filesystem, no privilege escalation, every capability dropped, an image
//    tag or digest (not latest); readiness and liveness probes, on numeric
//    ports; a container serving `grpc` has startup, readiness and liveness
//    probes that are native gRPC probes on that port, or on its `grpc-health`
//    port (the plaintext health-only listener of health_listen), which they
//    must use when the config turns TLS on: the kubelet's gRPC probe speaks
//    plaintext only;
//    Secret volumes (and projected ones) mode 0440 = 288, mounted read-only;
//    every volumeMount names a volume;
//  - references: every ConfigMap, and with --self-contained every Secret, a
//    pod names is in the output, with the keys it names;
//  - StatefulSets: podManagementPolicy Parallel, a headless governing Service,
//    the `data` claim mounted at /var/lib/wecom, one PodDisruptionBudget with
//    maxUnavailable 1 and a NetworkPolicy that select its pods;
//  - Services: every port named, a selector that matches pods which have each
//    targetPort; NetworkPolicies: pods that have each ingress port;
//  - ServiceMonitors: each selects exactly one Service, scrapes ports it has,
//    with honorLabels; every job the alert rules name is a Service scraped;
//  - the PrometheusRule's spec.groups equal deploy/prometheus/alerts.rules.yaml's;
//  - each service's config file (the ConfigMap key mounted at
//    /etc/wecom/<service>.yaml) against its pod: listen, health_listen,
//    metrics_listen and webhook.listen on the container's grpc, grpc-health,
//    metrics and webhook ports;
//    data_dir the `data` volume's mount; every path it names (SDK, key
//    directory, TLS files, blob root) under one of the container's mounts,
//    the SDK's read-only; every {file: …} secret a file of a Secret volume;
//  - sharding (docs/scale-out.md): a StatefulSet serving corps runs one pod
//    unless its config has a `sharding` section; then its shard map (the
//    ConfigMap key at sharding.map_file) places every corp of the config, on
//    an ordinal below the replica count; an archive.target with {ordinal}
//    names a StatefulSet's pods through its headless Service and grpc port,
//    with the same replica count and the same map; a StatefulSet serving no
//    corps (the gateway: one pod per vendor credential set) runs one pod.
import fs from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parse, parseAllDocuments } from 'yaml';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const kRulesFile = 'deploy/prometheus/alerts.rules.yaml';
const kUid = 10001;
const kSecretMode = 0o440;
const kDataDir = '/var/lib/wecom';
const kProbes = ['startupProbe', 'readinessProbe', 'livenessProbe'];
const kWorkloadKinds = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job']);
// The package holding an API group's models, when not kubernetes-models.
const kModelPackages = { 'monitoring.coreos.com': '@kubernetes-models/prometheus-operator' };
const kFlags = ['--self-contained', '--unpinned-images'];

const problems = [];
const where = (obj) => `${obj.kind}/${obj.metadata?.name ?? '?'}`;
const report = (obj, message) => problems.push(`${where(obj)}: ${message}`);

// ---- schema -------------------------------------------------------------

async function modelOf({ apiVersion = '', kind = '' }) {
  const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
  const pkg = kModelPackages[group] ?? 'kubernetes-models';
  try {
    return (await import(`${pkg}/${apiVersion}/${kind}`))[kind] ?? null;
  } catch {
    return null;
  }
}

// The models' compiled validators accept fields their schemas do not name, so
// the object is wrapped in Proxies that record which keys the validator looks
// up. A key of an object whose other keys were looked up one by one, but not
// itself, is unknown to the schema. Objects whose keys the validator lists
// (maps such as labels or ConfigMap data) take any key, and objects it never
// looks into are free-form (x-kubernetes-preserve-unknown-fields): both are
// left alone.
function watched(value, at, records) {
  if (value === null || typeof value !== 'object') return value;
  const record = { at, value, looked: new Set(), listed: false };
  records.push(record);
  const children = new Map();
  const look = (key) => typeof key === 'string' && record.looked.add(key);
  return new Proxy(value, {
    get(target, key) {
      look(key);
      const child = target[key];
      if (child === null || typeof child !== 'object') return child;
      if (!children.has(key)) children.set(key, watched(child, `${at}.${String(key)}`, records));
      return children.get(key);
    },
    has(target, key) {
      look(key);
      return key in target;
    },
    getOwnPropertyDescriptor(target, key) {
      look(key);
      return Reflect.getOwnPropertyDescriptor(target, key);
    },
    ownKeys(target) {
      record.listed = true;
      return Reflect.ownKeys(target);
    },
  });
}

function unknownFields(records) {
  const unknown = [];
  for (const { at, value, looked, listed } of records) {
    if (Array.isArray(value) || listed || looked.size === 0) continue;
    for (const key of Object.keys(value)) if (!looked.has(key)) unknown.push(`${at}.${key}`.slice(1));
  }
  return unknown;
}

// The API server decodes Secret data as Go's base64 does, skipping line breaks
// (kustomize's generators wrap at 70 columns); the schema's "byte" format
// does not.
function asTheApiServerReadsIt(obj) {
  if (obj.kind !== 'Secret' || !obj.data) return obj;
  const unwrapped = Object.entries(obj.data).map(([key, value]) => [key, String(value).replace(/[\r\n]/g, '')]);
  return { ...obj, data: Object.fromEntries(unwrapped) };
}

async function checkSchema(obj) {
  const Model = await modelOf(obj);
  if (!Model) {
    report(obj, `no schema for apiVersion ${obj.apiVersion} kind ${obj.kind}`);
    return;
  }
  const records = [];
  try {
    Model.prototype.validate.call(watched(asTheApiServerReadsIt(obj), '', records));
  } catch (error) {
    report(obj, `schema: ${error.message}`);
    return;  // The validator stopped early: what it did not read is not unknown.
  }
  for (const field of unknownFields(records)) report(obj, `unknown field ${field}`);
}

// ---- helpers ------------------------------------------------------------

const labelsOf = (obj) => obj.metadata?.labels ?? {};
const hasWecomLabels = (labels) =>
  Boolean(labels['app.kubernetes.io/name']) && labels['app.kubernetes.io/part-of'] === 'wecom';
const containersOf = (pod) => [...(pod.initContainers ?? []), ...(pod.containers ?? [])];
const portNumber = (address) => Number(String(address).split(':').pop());
const isUnder = (file, dir) => file === dir || file.startsWith(dir.endsWith('/') ? dir : `${dir}/`);
const keysOf = (obj) =>
  new Set([obj.data, obj.stringData, obj.binaryData].flatMap((map) => Object.keys(map ?? {})));

// A Service's selector: every label equal.
const selects = (selector, labels) =>
  Object.keys(selector ?? {}).length > 0 &&
  Object.entries(selector).every(([key, value]) => labels[key] === value);

// A LabelSelector: matchLabels and matchExpressions; an empty one matches nothing here.
function matchesSelector(selector, labels) {
  const { matchLabels = {}, matchExpressions = [] } = selector ?? {};
  if (Object.keys(matchLabels).length === 0 && matchExpressions.length === 0) return false;
  const expressionHolds = ({ key, operator, values = [] }) => {
    switch (operator) {
      case 'In': return values.includes(labels[key]);
      case 'NotIn': return !values.includes(labels[key]);
      case 'Exists': return key in labels;
      case 'DoesNotExist': return !(key in labels);
      default: return false;
    }
  };
  return Object.entries(matchLabels).every(([key, value]) => labels[key] === value) &&
    matchExpressions.every(expressionHolds);
}

// Whether a pod's containers have the port, by number or by name.
const hasContainerPort = (pod, port) =>
  (pod.containers ?? []).some((c) =>
    (c.ports ?? []).some((p) => (typeof port === 'number' ? p.containerPort === port : p.name === port)));

// ---- pods ---------------------------------------------------------------

function checkPodSecurity(obj, pod) {
  const s = pod.securityContext ?? {};
  for (const key of ['runAsUser', 'runAsGroup', 'fsGroup']) {
    if (s[key] !== kUid) report(obj, `pod securityContext.${key} is ${s[key]}, not ${kUid} (the images' user)`);
  }
  if (s.runAsNonRoot !== true) report(obj, 'pod securityContext.runAsNonRoot is not true');
  if (s.seccompProfile?.type !== 'RuntimeDefault') report(obj, 'pod seccompProfile is not RuntimeDefault');
  if (pod.automountServiceAccountToken !== false) {
    report(obj, 'automountServiceAccountToken is not false (no pod here talks to the API server)');
  }
  if (pod.hostNetwork || pod.hostPID || pod.hostIPC) report(obj, 'uses the host network, PID or IPC namespace');
  for (const volume of pod.volumes ?? []) {
    if (volume.hostPath) report(obj, `volume ${volume.name} is a hostPath`);
  }
}

function checkImage(obj, container) {
  const image = container.image ?? '';
  const lastPart = image.split('@')[0].split('/').pop();
  const tag = lastPart.includes(':') ? lastPart.split(':').pop() : '';
  if (!image.includes('@sha256:') && (tag === '' || tag === 'latest')) {
    report(obj, `container ${container.name}: image ${image} has no tag or digest (or is :latest)`);
  }
}

function checkContainer(obj, pod, container) {
  const c = container.securityContext ?? {};
  const say = (what) => report(obj, `container ${container.name}: ${what}`);
  if (c.readOnlyRootFilesystem !== true) say('securityContext.readOnlyRootFilesystem is not true');
  if (c.allowPrivilegeEscalation !== false) say('securityContext.allowPrivilegeEscalation is not false');
  if (!(c.capabilities?.drop ?? []).includes('ALL')) say('securityContext.capabilities.drop lacks ALL');
  if ((c.capabilities?.add ?? []).length > 0) say('securityContext.capabilities.add is not empty');
  if (c.privileged === true) say('is privileged');
  if ((c.runAsNonRoot ?? pod.securityContext?.runAsNonRoot) !== true) say('runAsNonRoot is not true');
  if ((c.runAsUser ?? pod.securityContext?.runAsUser) === 0) say('runs as uid 0');
  for (const kind of ['requests', 'limits']) {
    for (const resource of ['cpu', 'memory']) {
      if (container.resources?.[kind]?.[resource] === undefined) say(`resources.${kind}.${resource} is missing`);
    }
  }
  for (const kind of kProbes) {
    const probe = container[kind];
    if (!probe || probe.exec) continue;
    const port = probe.grpc?.port ?? probe.tcpSocket?.port ?? probe.httpGet?.port;
    if (typeof port !== 'number') say(`${kind} port ${port} is not a number`);
  }
}

// A container serving gRPC is probed over gRPC, on that port or its plaintext
// health-only port; on the latter when its config turns TLS on.
function checkGrpcProbes(obj, container, config) {
  const portOf = (name) => (container.ports ?? []).find((p) => p.name === name)?.containerPort;
  const grpcPort = portOf('grpc');
  if (grpcPort === undefined) return;
  const healthPort = portOf('grpc-health');
  const tls = config?.tls !== undefined;
  const allowed = tls ? [healthPort] : [grpcPort, healthPort];
  for (const kind of kProbes) {
    const probe = container[kind];
    const say = (what) => report(obj, `container ${container.name}: ${kind} ${what}`);
    if (!probe) say('is missing');
    else if (tls && healthPort === undefined) {
      say(`must be a grpc probe on a grpc-health port: TLS is on at ${grpcPort} (see health_listen)`);
    } else if (probe.grpc?.port === undefined || !allowed.includes(probe.grpc.port)) {
      say(`must be a grpc probe on port ${allowed.filter((p) => p !== undefined).join(' or ')}`);
    }
  }
}

// [where, mode] of every mode a Secret file of the volume gets; an item
// without a mode takes the defaultMode, checked once.
function secretModesOf(volume) {
  const itemModes = (items) => (items ?? []).filter((i) => i.mode !== undefined).map((i) => [i.path, i.mode]);
  if (volume.secret) return [['defaultMode', volume.secret.defaultMode], ...itemModes(volume.secret.items)];
  const secrets = (volume.projected?.sources ?? []).filter((s) => s.secret);
  if (secrets.length === 0) return [];
  return [['defaultMode', volume.projected.defaultMode], ...secrets.flatMap((s) => itemModes(s.secret.items))];
}

function checkVolumes(obj, pod, claimNames) {
  const volumes = new Map((pod.volumes ?? []).map((v) => [v.name, v]));
  for (const volume of volumes.values()) {
    for (const [what, mode] of secretModesOf(volume)) {
      if (mode !== kSecretMode) report(obj, `volume ${volume.name}: ${what} ${mode} is not 0440 (${kSecretMode})`);
    }
  }
  for (const container of containersOf(pod)) {
    for (const mount of container.volumeMounts ?? []) {
      const volume = volumes.get(mount.name);
      if (!volume && !claimNames.has(mount.name)) {
        report(obj, `container ${container.name}: volumeMount ${mount.name} names no volume`);
      } else if (volume && secretModesOf(volume).length > 0 && mount.readOnly !== true) {
        report(obj, `container ${container.name}: Secret volume ${mount.name} is not mounted readOnly`);
      }
    }
  }
}

// ---- references ---------------------------------------------------------

// [kind, name, key or undefined for all keys, where] of every ConfigMap and
// Secret the pod names.
function referencesOf(pod) {
  const refs = [];
  const add = (kind, name, items, what) => {
    if (!items?.length) refs.push([kind, name, undefined, what]);
    for (const item of items ?? []) refs.push([kind, name, item.key, what]);
  };
  for (const volume of pod.volumes ?? []) {
    const what = `volume ${volume.name}`;
    if (volume.configMap) add('ConfigMap', volume.configMap.name, volume.configMap.items, what);
    if (volume.secret) add('Secret', volume.secret.secretName, volume.secret.items, what);
    for (const source of volume.projected?.sources ?? []) {
      if (source.configMap) add('ConfigMap', source.configMap.name, source.configMap.items, what);
      if (source.secret) add('Secret', source.secret.name, source.secret.items, what);
    }
  }
  for (const container of containersOf(pod)) {
    for (const { name, valueFrom = {} } of container.env ?? []) {
      const { configMapKeyRef: c, secretKeyRef: s } = valueFrom;
      if (c) refs.push(['ConfigMap', c.name, c.key, `env ${name}`]);
      if (s) refs.push(['Secret', s.name, s.key, `env ${name}`]);
    }
    for (const { configMapRef, secretRef } of container.envFrom ?? []) {
      if (configMapRef) refs.push(['ConfigMap', configMapRef.name, undefined, 'envFrom']);
      if (secretRef) refs.push(['Secret', secretRef.name, undefined, 'envFrom']);
    }
  }
  return refs;
}

function checkReferences(obj, pod, byKindName, selfContained) {
  for (const [kind, name, key, what] of referencesOf(pod)) {
    const target = byKindName.get(`${kind}/${name}`);
    if (!target) {
      if (kind === 'ConfigMap' || selfContained) report(obj, `${what}: ${kind} ${name} is not in the output`);
    } else if (key !== undefined && !keysOf(target).has(key)) {
      report(obj, `${what}: ${kind} ${name} has no key ${key}`);
    }
  }
}

// The file names a Secret or projected volume holds, or undefined when it
// takes every key of a Secret that is not in the output.
function filesOf(volume, byKindName) {
  const sources = volume.secret
    ? [['Secret', volume.secret.secretName, volume.secret.items]]
    : (volume.projected?.sources ?? []).flatMap((s) => [
      ...(s.secret ? [['Secret', s.secret.name, s.secret.items]] : []),
      ...(s.configMap ? [['ConfigMap', s.configMap.name, s.configMap.items]] : []),
    ]);
  const files = new Set();
  for (const [kind, name, items] of sources) {
    if (items?.length) {
      for (const item of items) files.add(item.path);
      continue;
    }
    const target = byKindName.get(`${kind}/${name}`);
    if (!target) return undefined;
    for (const key of keysOf(target)) files.add(key);
  }
  return files;
}

// ---- a service's config against its pod ----------------------------------

// The config file a container reads: the ConfigMap key mounted (subPath) at
// /etc/wecom/<service>.yaml, parsed.
function configOf(obj, pod, container, byKindName) {
  const mount = (container.volumeMounts ?? []).find((m) => /^\/etc\/wecom\/[^/]+\.yaml$/.test(m.mountPath));
  if (!mount) return undefined;
  const volume = (pod.volumes ?? []).find((v) => v.name === mount.name);
  const configMap = volume?.configMap && byKindName.get(`ConfigMap/${volume.configMap.name}`);
  const text = configMap?.data?.[mount.subPath ?? path.basename(mount.mountPath)];
  if (text === undefined) {
    report(obj, `container ${container.name}: ${mount.mountPath} is not a key of a ConfigMap in the output`);
    return undefined;
  }
  try {
    return { file: mount.mountPath, config: parse(text) ?? {} };
  } catch (error) {
    report(obj, `container ${container.name}: ${mount.mountPath} is not YAML: ${error.message}`);
    return undefined;
  }
}

// [key path, file] of every {file: PATH} secret in the config.
function fileSecrets(value, at = '') {
  if (value === null || typeof value !== 'object') return [];
  if (!Array.isArray(value) && Object.keys(value).length === 1 && typeof value.file === 'string') {
    return [[at.slice(1), value.file]];
  }
  return Object.entries(value).flatMap(([key, child]) => fileSecrets(child, `${at}.${key}`));
}

function checkConfigAgainstPod(obj, pod, container, { file, config }, claimNames, byKindName) {
  const say = (what) => report(obj, `container ${container.name}: ${file}: ${what}`);
  const ports = new Map((container.ports ?? []).map((p) => [p.name, p.containerPort]));
  for (const [key, address, portName] of [
    ['listen', config.listen, 'grpc'],
    ['health_listen', config.health_listen, 'grpc-health'],
    ['metrics_listen', config.metrics_listen, 'metrics'],
    ['webhook.listen', config.webhook?.listen, 'webhook'],
  ]) {
    if (address === undefined && !ports.has(portName)) continue;
    if (address === undefined) say(`${key} is not set, but the container has a ${portName} port`);
    else if (portNumber(address) !== ports.get(portName)) {
      say(`${key} ${address} is not the ${portName} containerPort ${ports.get(portName)}`);
    }
  }
  const volumes = new Map((pod.volumes ?? []).map((v) => [v.name, v]));
  // The innermost mount holding the path.
  const mountOf = (target) =>
    (container.volumeMounts ?? [])
      .filter((m) => isUnder(target, m.mountPath))
      .sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
  if (config.data_dir !== undefined) {
    const mount = mountOf(config.data_dir);
    if (config.data_dir !== kDataDir || !mount || !claimNames.has(mount.name)) {
      say(`data_dir ${config.data_dir} is not the data volume's mount ${kDataDir}`);
    }
  }
  const paths = [
    ['sdk_library', config.sdk_library],
    ['tls.cert_file', config.tls?.cert_file],
    ['tls.key_file', config.tls?.key_file],
    ['tls.client_ca_file', config.tls?.client_ca_file],
    ['archive.tls_ca_file', config.archive?.tls_ca_file],
    ['archive.tls_cert_file', config.archive?.tls_cert_file],
    ['archive.tls_key_file', config.archive?.tls_key_file],
    ['blob_store.local.root', config.blob_store?.local?.root],
    ...(Array.isArray(config.corps) ? config.corps : []).map((corp, i) => [`corps[${i}].private_keys_dir`, corp?.private_keys_dir]),
  ].filter(([, value]) => typeof value === 'string' && value !== '');
  for (const [key, value] of paths) {
    const mount = mountOf(value);
    if (!mount) say(`${key} ${value} is under none of the container's mounts`);
    else if (key === 'sdk_library' && mount.readOnly !== true) {
      say(`the SDK's mount ${mount.mountPath} is not readOnly`);
    }
  }
  for (const [key, value] of fileSecrets(config)) {
    const mount = mountOf(value);
    const volume = mount && volumes.get(mount.name);
    if (!mount) {
      say(`${key} {file: ${value}} is under none of the container's mounts`);
    } else if (secretModesOf(volume ?? {}).length === 0) {
      say(`${key} {file: ${value}} is not in a Secret volume`);
    } else {
      const files = filesOf(volume, byKindName);
      const name = mount.subPath ?? path.posix.relative(mount.mountPath, value);
      if (files && !files.has(name)) say(`${key} {file: ${value}}: the volume ${volume.name} has no file ${name}`);
    }
  }
}

// ---- sharding --------------------------------------------------------------

// The shard map a container's config names: {configMap, owners: Map(corp -> ordinal)}.
function shardMapOf(set, pod, container, mapFile, byKindName) {
  const mount = (container.volumeMounts ?? []).find((m) => isUnder(mapFile, m.mountPath));
  const volume = mount && (pod.volumes ?? []).find((v) => v.name === mount.name);
  const configMap = volume?.configMap && byKindName.get(`ConfigMap/${volume.configMap.name}`);
  const key = mount?.subPath ?? (mount && path.posix.relative(mount.mountPath, mapFile));
  const text = configMap?.data?.[key];
  if (text === undefined) {
    report(set, `container ${container.name}: sharding.map_file ${mapFile} is not a key of a mounted ConfigMap`);
    return undefined;
  }
  const owners = new Map();
  const corps = parse(text)?.corps;
  if (!Array.isArray(corps)) report(set, `the shard map ${configMap.metadata.name} has no corps list`);
  for (const entry of Array.isArray(corps) ? corps : []) {
    // The services refuse a map naming a corp twice: the pods would crash-loop.
    if (owners.has(entry?.corp_id)) report(set, `the shard map ${configMap.metadata.name} names corp ${entry?.corp_id} twice`);
    owners.set(entry?.corp_id, entry?.ordinal);
  }
  return { configMap: configMap.metadata.name, owners };
}

function checkSharding(objects, byKindName) {
  const sets = new Map(objects.filter((o) => o.kind === 'StatefulSet').map((s) => [s.metadata.name, s]));
  const maps = new Map();  // StatefulSet name -> its shard map
  const targets = [];      // [set, target] of archive targets with {ordinal}
  for (const set of sets.values()) {
    const pod = set.spec?.template?.spec ?? {};
    const replicas = set.spec?.replicas ?? 1;
    for (const container of pod.containers ?? []) {
      const config = configOf(set, pod, container, byKindName)?.config;
      if (!config) continue;
      if (config.corps !== undefined && !Array.isArray(config.corps)) {
        report(set, `container ${container.name}: corps is not a list`);
        continue;
      }
      if (!Array.isArray(config.corps)) {
        if (replicas !== 1) report(set, `${replicas} replicas: a service without corps runs one pod per vendor credential set`);
        continue;
      }
      if (!config.sharding) {
        if (replicas !== 1) report(set, `${replicas} replicas but no sharding section: every pod would serve every corp`);
        continue;
      }
      // One config serves every pod: a number there gives them all one ordinal.
      const ordinal = config.sharding.ordinal ?? 'auto';
      if (ordinal !== 'auto' && replicas > 1) {
        report(set, `sharding.ordinal is ${ordinal} in a config all ${replicas} pods share: use auto`);
      }
      const map = shardMapOf(set, pod, container, config.sharding.map_file ?? '', byKindName);
      if (!map) continue;
      maps.set(set.metadata.name, map);
      for (const corp of config.corps) {
        if (!map.owners.has(corp?.corp_id)) report(set, `corp ${corp?.corp_id} is not in the shard map ${map.configMap}`);
      }
      for (const [corp, ordinal] of map.owners) {
        if (!Number.isInteger(ordinal) || ordinal < 0 || ordinal >= replicas) {
          report(set, `the shard map puts corp ${corp} on ordinal ${ordinal}, but there are ${replicas} replicas`);
        }
      }
      const target = config.archive?.target;
      if (typeof target === 'string' && target.includes('{ordinal}')) targets.push([set, target]);
      else if (typeof target === 'string' && replicas > 1) {
        report(set, `archive.target ${target} does not name the archive pod of each ordinal ({ordinal})`);
      }
    }
  }
  for (const [set, target] of targets) {
    const match = /^([a-z0-9-]+)-\{ordinal\}\.([a-z0-9-]+)(?:\.[a-z0-9.-]+)?:(\d+)$/.exec(target);
    const archive = match && sets.get(match[1]);
    if (!archive) {
      report(set, `archive.target ${target} is not <statefulset>-{ordinal}.<headless service>:<port> of a StatefulSet`);
      continue;
    }
    if (archive.spec?.serviceName !== match[2]) {
      report(set, `archive.target ${target}: ${match[2]} is not the governing Service of ${match[1]}`);
    }
    const grpcPort = (archive.spec?.template?.spec?.containers ?? [])
      .flatMap((c) => c.ports ?? []).find((p) => p.name === 'grpc')?.containerPort;
    if (Number(match[3]) !== grpcPort) report(set, `archive.target ${target}: port is not ${match[1]}'s grpc port ${grpcPort}`);
    if ((archive.spec?.replicas ?? 1) !== (set.spec?.replicas ?? 1)) {
      report(set, `${set.spec?.replicas ?? 1} replicas, but ${match[1]}, whose pods it reads by ordinal, has ${archive.spec?.replicas ?? 1}`);
    }
    if (maps.get(match[1])?.configMap !== maps.get(set.metadata.name)?.configMap) {
      report(set, `its shard map is not ${match[1]}'s: one map must place a corp on both`);
    }
  }
}

// ---- the whole output ---------------------------------------------------

// Checks every pod template; returns [{owner, labels, pod}] of them.
function checkWorkloads(objects, byKindName, options) {
  const pods = [];
  for (const obj of objects.filter((o) => kWorkloadKinds.has(o.kind))) {
    const pod = obj.spec?.template?.spec ?? {};
    const labels = obj.spec?.template?.metadata?.labels ?? {};
    pods.push({ owner: obj, labels, pod });
    if (!hasWecomLabels(labels)) {
      report(obj, 'pod template lacks app.kubernetes.io/name or app.kubernetes.io/part-of: wecom');
    }
    const claimNames = new Set((obj.spec?.volumeClaimTemplates ?? []).map((c) => c.metadata?.name));
    checkPodSecurity(obj, pod);
    checkVolumes(obj, pod, claimNames);
    checkReferences(obj, pod, byKindName, options.selfContained);
    for (const container of containersOf(pod)) {
      if (!options.unpinnedImages) checkImage(obj, container);
      checkContainer(obj, pod, container);
    }
    for (const container of pod.containers ?? []) {
      if (!container.readinessProbe || !container.livenessProbe) {
        report(obj, `container ${container.name}: needs a readinessProbe and a livenessProbe`);
      }
      const config = configOf(obj, pod, container, byKindName);
      checkGrpcProbes(obj, container, config?.config);
      if (config) checkConfigAgainstPod(obj, pod, container, config, claimNames, byKindName);
    }
  }
  return pods;
}

function checkStatefulSets(objects, byKindName) {
  for (const set of objects.filter((o) => o.kind === 'StatefulSet')) {
    const labels = set.spec?.template?.metadata?.labels ?? {};
    if (set.spec?.podManagementPolicy !== 'Parallel') report(set, 'podManagementPolicy is not Parallel');
    const governing = byKindName.get(`Service/${set.spec?.serviceName}`);
    if (!governing) report(set, `serviceName ${set.spec?.serviceName} is not a Service in the output`);
    else if (governing.spec?.clusterIP !== 'None') report(set, `Service ${governing.metadata.name} is not headless`);
    else if (!selects(governing.spec?.selector, labels)) {
      report(set, `Service ${governing.metadata.name} does not select its pods`);
    }
    const claim = (set.spec?.volumeClaimTemplates ?? []).find((c) => c.metadata?.name === 'data');
    const mounted = (set.spec?.template?.spec?.containers ?? []).some((c) =>
      (c.volumeMounts ?? []).some((m) => m.name === 'data' && m.mountPath === kDataDir));
    if (!claim || !mounted) report(set, `needs the volumeClaimTemplate data mounted at ${kDataDir}`);
    const budgets = objects.filter(
      (o) => o.kind === 'PodDisruptionBudget' && matchesSelector(o.spec?.selector, labels));
    if (budgets.length !== 1) report(set, `${budgets.length} PodDisruptionBudgets select its pods, not 1`);
    else if (budgets[0].spec?.maxUnavailable !== 1) report(budgets[0], 'maxUnavailable is not 1');
    if (!objects.some((o) => o.kind === 'NetworkPolicy' && matchesSelector(o.spec?.podSelector, labels))) {
      report(set, 'no NetworkPolicy selects its pods');
    }
  }
}

function checkServicesAndPolicies(objects, pods) {
  for (const service of objects.filter((o) => o.kind === 'Service')) {
    const selected = pods.filter((p) => selects(service.spec?.selector, p.labels));
    if (selected.length === 0) report(service, 'its selector matches no pod template');
    for (const port of service.spec?.ports ?? []) {
      if (!port.name) report(service, `port ${port.port} has no name`);
      const target = port.targetPort ?? port.port;
      for (const { owner, pod } of selected) {
        if (!hasContainerPort(pod, target)) {
          report(service, `targetPort ${target} is no container port of ${where(owner)}`);
        }
      }
    }
  }
  for (const policy of objects.filter((o) => o.kind === 'NetworkPolicy')) {
    const selected = pods.filter((p) => matchesSelector(policy.spec?.podSelector, p.labels));
    if (selected.length === 0) report(policy, 'its podSelector matches no pod template');
    for (const { port } of (policy.spec?.ingress ?? []).flatMap((rule) => rule.ports ?? [])) {
      for (const { owner, pod } of selected) {
        if (!hasContainerPort(pod, port)) {
          report(policy, `ingress port ${port} is no container port of ${where(owner)}`);
        }
      }
    }
  }
}

// The jobs the rules' `job="a"` and `job=~"a|b"` matchers name.
function jobsNamedBy(groups) {
  const jobs = new Set();
  for (const rule of groups.flatMap((group) => group.rules ?? [])) {
    for (const match of String(rule.expr).matchAll(/\bjob\s*=~?\s*"([^"]*)"/g)) {
      for (const job of match[1].split('|')) jobs.add(job);
    }
  }
  return jobs;
}

function checkMonitoring(objects) {
  const rulesGroups = parse(fs.readFileSync(path.join(root, kRulesFile), 'utf8')).groups;
  const scraped = new Set();
  for (const monitor of objects.filter((o) => o.kind === 'ServiceMonitor')) {
    const services = objects.filter(
      (o) => o.kind === 'Service' && matchesSelector(monitor.spec?.selector, labelsOf(o)));
    if (services.length !== 1) {
      const names = services.map((s) => s.metadata.name).join(', ');
      report(monitor, `selects ${services.length} Services (${names}), not 1`);
      continue;
    }
    const [service] = services;
    scraped.add(service.metadata.name);  // prometheus-operator names the job after the Service.
    for (const endpoint of monitor.spec?.endpoints ?? []) {
      if (!(service.spec?.ports ?? []).some((p) => p.name === endpoint.port)) {
        report(monitor, `endpoint port ${endpoint.port} is not a port of Service ${service.metadata.name}`);
      }
      if (endpoint.honorLabels !== true) report(monitor, `endpoint ${endpoint.port}: honorLabels is not true`);
    }
  }
  for (const job of jobsNamedBy(rulesGroups)) {
    if (!scraped.has(job)) problems.push(`${kRulesFile}: job ${job} is no Service a ServiceMonitor scrapes`);
  }
  const rules = objects.filter((o) => o.kind === 'PrometheusRule');
  if (rules.length !== 1) problems.push(`${rules.length} PrometheusRules in the output, not 1`);
  for (const rule of rules) {
    if (!isDeepStrictEqual(rule.spec?.groups, rulesGroups)) {
      report(rule, `spec.groups differ from ${kRulesFile}: run node scripts/gen-prometheus-rule.mjs`);
    }
  }
}

async function main() {
  const args = process.argv.slice(2);
  const files = args.filter((a) => !a.startsWith('--'));
  if (files.length !== 1 || args.some((a) => a.startsWith('--') && !kFlags.includes(a))) {
    console.error('usage: node scripts/validate-k8s.mjs [--self-contained] [--unpinned-images] RENDERED.yaml');
    process.exit(2);
  }
  const options = {
    selfContained: args.includes('--self-contained'),
    unpinnedImages: args.includes('--unpinned-images'),
  };
  const objects = [];
  // YAML 1.1, as the API server and kubectl read manifests (0440 is octal there).
  for (const doc of parseAllDocuments(fs.readFileSync(files[0], 'utf8'), { version: '1.1' })) {
    if (doc.errors.length > 0) problems.push(`${files[0]}: ${doc.errors[0].message}`);
    else if (doc.contents !== null) objects.push(doc.toJS());
  }
  if (objects.length === 0) problems.push(`${files[0]}: no objects`);
  const byKindName = new Map();
  for (const obj of objects) {
    const key = `${obj.kind}/${obj.metadata?.name}`;
    if (byKindName.has(key)) report(obj, 'appears twice');
    byKindName.set(key, obj);
    await checkSchema(obj);
    if (!hasWecomLabels(labelsOf(obj))) {
      report(obj, 'lacks the label app.kubernetes.io/name or app.kubernetes.io/part-of: wecom');
    }
  }
  const pods = checkWorkloads(objects, byKindName, options);
  checkStatefulSets(objects, byKindName);
  checkSharding(objects, byKindName);
  checkServicesAndPolicies(objects, pods);
  checkMonitoring(objects);
  for (const problem of problems) console.log(problem);
  console.log(`validate-k8s: ${files[0]}: ${objects.length} objects, ${problems.length} problems`);
  process.exitCode = problems.length > 0 ? 1 : 0;
}

await main();
