#!/usr/bin/env node
// Every metric an alert rule or a dashboard panel queries must be one the
// services export (deploy/metric-names.txt, itself checked against real
// scrapes), so a renamed metric fails CI instead of silently emptying a panel.
//   node scripts/check-metric-references.mjs [rules.yaml|dashboard.json ...]
// With no arguments: deploy/prometheus/*.rules.yaml and deploy/grafana/dashboards/*.json.
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
// Series Prometheus makes itself, not the services.
const kPrometheusSeries = new Set(['up', 'scrape_duration_seconds', 'scrape_samples_scraped']);
const kKeywords = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);
const kSuffixes = ['_bucket', '_sum', '_count'];

function exported() {
  const names = new Set();
  for (const line of fs.readFileSync(path.join(root, 'deploy/metric-names.txt'), 'utf8').split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    names.add(line.split(/\s+/)[1]);
  }
  return names;
}

// The metric names of a PromQL expression: identifiers left once strings,
// label matchers, ranges, grouping clauses, function calls and Grafana
// variables are removed.
function metricsOf(expr) {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\{?\w+\}?/g, ' ')
    .replace(/\b\d+(?:\.\d+)?(?:e[+-]?\d+)?[smhdwy]?\b/gi, ' ');
  const names = [];
  for (const match of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*(\s*\()?/g)) {
    if (match[1] !== undefined) continue;  // a function
    if (kKeywords.has(match[0].toLowerCase())) continue;
    names.push(match[0]);
  }
  return names;
}

// Rule files: `expr:` values, one line or a `|` block.
function ruleExprs(text) {
  const exprs = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; ++i) {
    const match = lines[i].match(/^(\s*)expr:\s*(.*)$/);
    if (!match) continue;
    if (!/^[|>]/.test(match[2])) {
      exprs.push(match[2]);
      continue;
    }
    const block = [];
    while (i + 1 < lines.length &&
           (lines[i + 1].trim() === '' || lines[i + 1].search(/\S/) > match[1].length)) {
      block.push(lines[++i]);
    }
    exprs.push(block.join('\n'));
  }
  return exprs;
}

// Dashboards: every `expr` of a panel target, and the templating queries.
function dashboardExprs(dashboard) {
  const exprs = [];
  const walk = (node) => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (node === null || typeof node !== 'object') return;
    if (typeof node.expr === 'string') exprs.push(node.expr);
    for (const value of Object.values(node)) walk(value);
  };
  walk(dashboard.panels ?? []);
  for (const variable of dashboard.templating?.list ?? []) {
    const query = typeof variable.query === 'string' ? variable.query : variable.query?.query;
    const inner = query?.match(/^\s*(?:label_values|query_result)\((.*)\)\s*$/s);
    // label_values(metric{...}, label): the metric part.
    if (inner) exprs.push(inner[1].replace(/,\s*\w+\s*$/, ''));
  }
  return exprs;
}

const files = process.argv.slice(2);
if (files.length === 0) {
  for (const [dir, suffix] of [['deploy/prometheus', '.rules.yaml'], ['deploy/grafana/dashboards', '.json']]) {
    const full = path.join(root, dir);
    if (!fs.existsSync(full)) continue;
    for (const name of fs.readdirSync(full).sort()) {
      if (name.endsWith(suffix)) files.push(path.join(full, name));
    }
  }
}
const names = exported();
let problems = 0;
let checked = 0;
for (const file of files) {
  const text = fs.readFileSync(file, 'utf8');
  const exprs = file.endsWith('.json') ? dashboardExprs(JSON.parse(text)) : ruleExprs(text);
  if (exprs.length === 0) {
    console.log(`${file}: no queries found`);
    ++problems;
  }
  for (const expr of exprs) {
    for (const metric of metricsOf(expr)) {
      ++checked;
      const family = kSuffixes.reduce((name, suffix) =>
        !names.has(name) && name.endsWith(suffix) ? name.slice(0, -suffix.length) : name, metric);
      if (!names.has(family) && !kPrometheusSeries.has(metric)) {
        console.log(`${file}: ${metric} is not in deploy/metric-names.txt (in: ${expr.trim()})`);
        ++problems;
      }
    }
  }
}
console.log(`check-metric-references: ${files.length} files, ${checked} metric references, ${problems} problems`);
process.exitCode = problems === 0 && checked > 0 ? 0 : 1;
