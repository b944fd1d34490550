#!/usr/bin/env node
// Every dashboard must fit Grafana's dashboard model, so a misspelled key or a
// wrong type fails CI instead of being dropped or breaking a panel on import.
// The JSON Schema is generated on each run from @grafana/schema's `Dashboard`
// type (package.json pins the version), so there is no copy to keep in step.
//   node scripts/check-dashboard-schema.mjs [--schema-out=FILE] [dashboard.json ...]
// With no files: deploy/grafana/dashboards/*.json. --schema-out writes the schema used.
import fs from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import { createGenerator } from 'ts-json-schema-generator';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const kPackage = path.join(root, 'node_modules/@grafana/schema');
const kTypes = path.join(kPackage, 'dist/types/raw/dashboard/x/types.gen.d.ts');

function expect(condition, what) {
  if (!condition) {
    throw new Error(`@grafana/schema's dashboard types changed (${what}): see dashboardSchema()`);
  }
}

// The generated schema closes every object, as Grafana's CUE definitions do;
// the patches below add what Grafana itself writes but the types leave out.
function dashboardSchema() {
  // skipTypeCheck: the published .d.ts compiles; checking it would triple the time.
  const generator = createGenerator({ path: kTypes, skipTypeCheck: true, jsDoc: 'none' });
  const schema = generator.createSchema('Dashboard');
  const defs = schema.definitions;
  expect(defs.Dashboard?.additionalProperties === false, 'Dashboard');
  expect(defs.VariableModel?.properties?.current && defs.VariableOption?.properties, 'variables');
  expect(defs.AnnotationQuery && defs.AnnotationTarget, 'AnnotationQuery');
  expect(defs.Dashboard.properties.panels?.items?.anyOf?.length === 2 && defs.RowPanel, 'panels');
  expect(defs.ValueMapping?.anyOf?.every((branch) => branch.$ref), 'ValueMapping');

  // "Export for sharing externally" adds these; import reads them.
  Object.assign(defs.Dashboard.properties, {
    __inputs: { type: 'array' },
    __elements: { type: ['array', 'object'] },
    __requires: { type: 'array' },
  });
  // The CUE source leaves these open (`...`): each variable type and data source
  // adds its own keys (a query variable's `definition`, a Prometheus annotation's
  // `expr`). cuetsy drops the `...` when it writes the TypeScript.
  for (const name of ['VariableModel', 'AnnotationQuery', 'AnnotationTarget']) {
    defs[name].additionalProperties = true;
  }
  // grafana-data's VariableOption has `isNone`, and its exporter writes `current: {}`.
  defs.VariableOption.properties.isNone = { type: 'boolean' };
  defs.VariableModel.properties.current = {
    anyOf: [{ $ref: '#/definitions/VariableOption' }, { type: 'object', maxProperties: 0 }],
  };
  // Choose the branch by `type`, so an error names the field rather than "must
  // match a schema in anyOf" for every branch.
  defs.Dashboard.properties.panels.items = {
    if: { properties: { type: { const: 'row' } }, required: ['type'] },
    then: { $ref: '#/definitions/RowPanel' },
    else: { $ref: '#/definitions/Panel' },
  };
  defs.ValueMapping = {
    type: 'object', discriminator: { propertyName: 'type' }, oneOf: defs.ValueMapping.anyOf,
  };
  return schema;
}

function describe(error) {
  const { keyword, message, params } = error;
  const json = (value) => JSON.stringify(value);
  if (keyword === 'additionalProperties') return `${message}: ${json(params.additionalProperty)}`;
  if (keyword === 'enum') return `${message}: ${params.allowedValues.map(json).join(', ')}`;
  if (keyword === 'const') return `${message}: ${json(params.allowedValue)}`;
  if (keyword === 'discriminator') return `${message}, not ${json(params.tagValue)}`;
  return message;
}

// The title of the panel a path is in, to find it without counting.
function panelOf(dashboard, instancePath) {
  const match = instancePath.match(/^\/panels\/(\d+)(?:\/panels\/(\d+))?/);
  if (!match) return '';
  let panel = dashboard.panels?.[match[1]];
  if (match[2] !== undefined) panel = panel?.panels?.[match[2]];
  return typeof panel?.title === 'string' ? ` (panel "${panel.title}")` : '';
}

const args = process.argv.slice(2);
const kSchemaOut = '--schema-out=';
const schemaOut = args.find((arg) => arg.startsWith(kSchemaOut))?.slice(kSchemaOut.length);
const files = args.filter((arg) => !arg.startsWith(kSchemaOut));
if (files.length === 0) {
  const dir = path.join(root, 'deploy/grafana/dashboards');
  for (const name of fs.readdirSync(dir).sort()) {
    if (name.endsWith('.json')) files.push(path.join(dir, name));
  }
}

const started = Date.now();
const schema = dashboardSchema();
const seconds = ((Date.now() - started) / 1000).toFixed(1);
if (schemaOut) fs.writeFileSync(schemaOut, `${JSON.stringify(schema, null, 2)}\n`);
const validate = new Ajv({ allErrors: true, strict: false, discriminator: true }).compile(schema);

let problems = 0;
for (const file of files) {
  const relative = path.relative(root, path.resolve(file));
  const shown = relative.startsWith('..') ? file : relative;
  let dashboard;
  try {
    dashboard = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    console.log(`${shown}: ${error.message}`);
    ++problems;
    continue;
  }
  if (validate(dashboard)) {
    console.log(`${shown}: ok`);
    continue;
  }
  // An `if` error only repeats the errors of the branch it chose.
  for (const error of validate.errors.filter((e) => e.keyword !== 'if')) {
    const where = `${error.instancePath || '/'}${panelOf(dashboard, error.instancePath)}`;
    console.log(`${shown}: ${where}: ${describe(error)}`);
    ++problems;
  }
}
const version = JSON.parse(fs.readFileSync(path.join(kPackage, 'package.json'), 'utf8')).version;
console.log(`check-dashboard-schema: ${files.length} dashboards, ${problems} problems ` +
  `(schema from @grafana/schema ${version}'s Dashboard type, generated in ${seconds} s)`);
process.exitCode = problems === 0 && files.length > 0 ? 0 : 1;
