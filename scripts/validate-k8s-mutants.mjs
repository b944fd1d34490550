#!/usr/bin/env node
// Proves validate-k8s.mjs can fail: each mutant is a rendered overlay with one
// mistake an operator could make; validate-k8s.mjs must reject every one, and
// name the mistake; the unchanged overlays, written back the same way, pass.
//   node scripts/validate-k8s-mutants.mjs DEV.yaml PROD.yaml
// DEV.yaml and PROD.yaml are the rendered overlays (scripts/validate-k8s.sh
// makes them); prints one line per mutant and exits 1 if any was accepted.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';

const validator = path.join(path.dirname(new URL(import.meta.url).pathname), 'validate-k8s.mjs');

// objects -> {find(kind, name prefix), config(name), setConfig(name, fn), ...}
function world(objects) {
  const find = (kind, prefix) => objects.find((o) => o.kind === kind && o.metadata.name.startsWith(prefix));
  // The YAML file of a generated ConfigMap (name prefix), parsed, edited by `edit`.
  const editConfigMap = (prefix, edit) => {
    const map = find('ConfigMap', prefix);
    const [key] = Object.keys(map.data);
    const doc = parse(map.data[key]);
    edit(doc);
    map.data[key] = stringify(doc);
  };
  const container = (set) => find('StatefulSet', set).spec.template.spec.containers[0];
  return { find, editConfigMap, container };
}

const kMutants = [
  // The control: written back unchanged, the overlays still pass.
  { name: 'dev unchanged', overlay: 'dev', mutate: () => {}, expect: null },
  { name: 'prod unchanged', overlay: 'prod', mutate: () => {}, expect: null },
  {
    name: 'two gateway pods on one credential set',
    overlay: 'dev',
    mutate: ({ find }) => { find('StatefulSet', 'wecom-robot-gateway').spec.replicas = 2; },
    expect: 'one pod per vendor credential set',
  },
  {
    name: 'two archive pods without a sharding section',
    overlay: 'dev',
    mutate: ({ find, editConfigMap }) => {
      find('StatefulSet', 'wecom-archive').spec.replicas = 2;
      editConfigMap('wecom-archive-config', (c) => { delete c.sharding; });
    },
    expect: 'no sharding section',
  },
  {
    name: 'a fixed ordinal in the config every archive pod shares',
    overlay: 'prod',
    mutate: ({ editConfigMap }) => editConfigMap('wecom-archive-config', (c) => { c.sharding.ordinal = 0; }),
    expect: 'use auto',
  },
  {
    name: 'a corp on an ordinal no pod has',
    overlay: 'prod',
    mutate: ({ editConfigMap }) => editConfigMap('wecom-shards', (m) => { m.corps[1].ordinal = 2; }),
    expect: 'on ordinal 2, but there are 2 replicas',
  },
  {
    name: 'a corp twice in the shard map',
    overlay: 'prod',
    mutate: ({ editConfigMap }) => editConfigMap('wecom-shards', (m) => { m.corps.push({ ...m.corps[0], ordinal: 1 }); }),
    expect: 'twice',
  },
  {
    name: 'a configured corp missing from the shard map',
    overlay: 'prod',
    mutate: ({ editConfigMap }) => editConfigMap('wecom-shards', (m) => { m.corps.pop(); }),
    expect: 'is not in the shard map',
  },
  {
    name: 'media pods not matching the archive pods',
    overlay: 'prod',
    mutate: ({ find }) => { find('StatefulSet', 'wecom-media').spec.replicas = 3; },
    expect: 'whose pods it reads by ordinal',
  },
  {
    name: "media's archive target naming no StatefulSet",
    overlay: 'prod',
    mutate: ({ editConfigMap }) => editConfigMap('wecom-media-config', (c) => {
      c.archive.target = c.archive.target.replace('wecom-archive-{ordinal}', 'archive-{ordinal}');
    }),
    expect: 'is not <statefulset>-{ordinal}',
  },
  {
    name: 'several media pods all dialling one archive Service',
    overlay: 'prod',
    mutate: ({ editConfigMap }) => editConfigMap('wecom-media-config', (c) => { c.archive.target = 'wecom-archive:50051'; }),
    expect: 'does not name the archive pod of each ordinal',
  },
  {
    name: 'a probe on the TLS port',
    overlay: 'prod',
    mutate: ({ container }) => { container('wecom-archive').readinessProbe = { grpc: { port: 50051 } }; },
    expect: 'readinessProbe must be a grpc probe on port 50061',
  },
  {
    name: 'health_listen off the grpc-health port',
    overlay: 'prod',
    mutate: ({ editConfigMap }) => editConfigMap('wecom-media-config', (c) => { c.health_listen = '0.0.0.0:50099'; }),
    expect: 'health_listen 0.0.0.0:50099',
  },
];

function main() {
  const [devFile, prodFile] = process.argv.slice(2);
  if (!devFile || !prodFile) {
    console.error('usage: node scripts/validate-k8s-mutants.mjs DEV.yaml PROD.yaml');
    process.exit(2);
  }
  const rendered = { dev: fs.readFileSync(devFile, 'utf8'), prod: fs.readFileSync(prodFile, 'utf8') };
  const flags = { dev: ['--self-contained'], prod: [] };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'validate-k8s-mutants-'));
  let accepted = 0;
  for (const mutant of kMutants) {
    // YAML 1.1, as validate-k8s.mjs reads it (0440 is octal there).
    const objects = parseAllDocuments(rendered[mutant.overlay], { version: '1.1' }).map((d) => d.toJS());
    mutant.mutate(world(objects));
    const file = path.join(dir, `${mutant.overlay}.yaml`);
    fs.writeFileSync(file, objects.map((o) => stringify(o, { version: '1.1' })).join('---\n'));
    const run = spawnSync(process.execPath, [validator, ...flags[mutant.overlay], file], { encoding: 'utf8' });
    const control = mutant.expect === null;
    const right = control ? run.status === 0 : run.status === 1 && run.stdout.includes(mutant.expect);
    if (!right) accepted += 1;
    console.log(`${right ? (control ? 'passed' : 'rejected') : 'WRONG'}: ${mutant.name}`);
    if (!right) {
      const wanted = control ? 'exit 0' : `exit 1 and "${mutant.expect}"`;
      console.log(`  expected ${wanted}; got exit ${run.status}:\n${run.stdout}${run.stderr}`);
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
  console.log(`validate-k8s-mutants: ${kMutants.length} cases, ${accepted} wrong`);
  process.exitCode = accepted > 0 ? 1 : 0;
}

main();
