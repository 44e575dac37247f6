// Payload fidelity: checks what Parley sent in a recorded test run against Discord's published
// shapes, and fails on any always-present field that is missing, of the wrong type, or null
// where Discord never sends null, and on enum values Discord does not know.
//
//     node check.mjs <recording dir> [--allow allow-list.json]
//
// The recording is what the integration suite's clients received, written by the harness when
// PARLEY_TEST_RECORD_PAYLOADS=<dir> is set (server/parley/tests/api/recording.rs): one JSON
// line per successful REST answer ({kind: "rest", method, path, status, body}) or gateway
// dispatch ({kind: "dispatch", t, d}).
//
// REST bodies are checked against the response schema of the same operation in Discord's
// OpenAPI description; gateway dispatches against discord-api-types' data type for the event.
// Both are pinned fixtures in server/parley/tests/fixtures/discord/ (README there). Fields
// Parley sends that Discord does not document are fine; routes and events Discord does not
// have are skipped and listed. Known differences by design are in allow-list.json, each with
// its reason. Exit status 1 on any violation that is not allowed.
import { readFileSync, readdirSync } from 'node:fs';
import Ajv from 'ajv';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { explain, show } from './explain.mjs';

const ROOT = new URL('../../', import.meta.url);
const FIXTURES = new URL('server/parley/tests/fixtures/discord/', ROOT);
const readJson = (url) => JSON.parse(readFileSync(url, 'utf8'));

const args = process.argv.slice(2);
const allowAt = args.indexOf('--allow');
const allowFile = allowAt >= 0 ? args.splice(allowAt, 2)[1] : new URL('allow-list.json', import.meta.url);
const [recordingDir] = args;
if (!recordingDir) {
  console.error('usage: node check.mjs <recording dir> [--allow allow-list.json]');
  process.exit(2);
}

// ---- Schemas: what "the same shape" means here ---------------------------------------------

/** A copy of `schema` that judges required fields, types, nullability and enum values only:
 * extra properties are allowed, and a `oneOf` becomes `anyOf` (a value may fit two variants
 * once extra properties are allowed); a `oneOf` of constants becomes an `enum`, so an unknown
 * value reads as one. */
function relax(schema) {
  if (Array.isArray(schema)) return schema.map(relax);
  if (schema === null || typeof schema !== 'object') return schema;
  const out = {};
  for (const [key, value] of Object.entries(schema)) {
    if ((key === 'additionalProperties' || key === 'unevaluatedProperties') && value === false) continue;
    if (key === 'discriminator') continue; // OpenAPI's, and every use names a `type` enum anyway
    out[key] = relax(value);
  }
  if (Array.isArray(out.oneOf)) {
    if (out.oneOf.every((branch) => branch && 'const' in branch)) {
      out.enum = out.oneOf.map((branch) => branch.const);
    } else {
      out.anyOf = out.oneOf;
    }
    delete out.oneOf;
  }
  return out;
}

/** A `$ref` resolver over one document: "#/a/b%3Cc%3E" -> document.a["b<c>"]. */
const resolverOver = (document) => (ref) =>
  ref
    .replace(/^[^#]*#\//, '')
    .split('/')
    .map((s) => decodeURIComponent(s).replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((node, key) => node[key], document);

/** Formats in the fixtures that say nothing a type does not (int32, snowflake, …). */
function ignoreOtherFormats(ajv, document) {
  const seen = new Set();
  const walk = (x) => {
    if (Array.isArray(x)) return x.forEach(walk);
    if (x && typeof x === 'object') {
      if (typeof x.format === 'string') seen.add(x.format);
      Object.values(x).forEach(walk);
    }
  };
  walk(document);
  for (const format of seen) if (!ajv.formats[format]) ajv.addFormat(format, true);
}

// ---- Discord's REST operations, and Parley's routes ---------------------------------------

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
const shape = (template) => template.replace(/\{[^}]*\}/g, '{}');
const matcher = (template) =>
  new RegExp(`^${template.split(/\{[^}]*\}/).map((s) => s.replace(/[.*+?^$()|[\]\\]/g, '\\$&')).join('[^/]+')}$`);
/** More literal characters first, so /users/@me wins over /users/{user_id}. */
const byLiteralLength = (a, b) => b.replace(/\{[^}]*\}/g, '').length - a.replace(/\{[^}]*\}/g, '').length;

const discordSpec = readJson(new URL('openapi.json', FIXTURES));
const parleySpec = readJson(new URL('web/src/lib/api/openapi.json', ROOT));
const parleyRoutes = Object.keys(parleySpec.paths)
  .sort(byLiteralLength)
  .map((template) => ({ template, re: matcher(template), methods: Object.keys(parleySpec.paths[template]) }));
const discordOperations = new Map(); // "METHOD shape" -> { id, template, responses }
for (const [template, item] of Object.entries(discordSpec.paths)) {
  for (const method of METHODS) {
    if (item[method]) {
      discordOperations.set(`${method.toUpperCase()} ${shape(template)}`, {
        id: item[method].operationId,
        template,
        responses: item[method].responses,
      });
    }
  }
}

const restAjv = new Ajv2020({ allErrors: true, strict: false, verbose: true });
addFormats(restAjv);
ignoreOtherFormats(restAjv, discordSpec);
// One document holding Discord's components and, under `responses`, each success response
// schema that is used; `#/components/...` references resolve inside it.
const restDocument = { $id: 'discord-rest', components: relax(discordSpec.components), responses: {} };
const restValidators = new Map();

function responseSchema(operation, status) {
  const responses = operation.responses;
  const withBody = (code) => responses[code]?.content?.['application/json']?.schema;
  if (withBody(String(status))) return { code: String(status), schema: withBody(String(status)) };
  const success = Object.keys(responses).find((code) => code.startsWith('2') && withBody(code));
  return success ? { code: success, schema: withBody(success) } : { code: null };
}

function restValidator(operation, code, schema) {
  const key = `${operation.id}_${code}`;
  if (!restValidators.has(key)) {
    restDocument.responses[key] = relax(schema);
    restValidators.set(key, null);
  }
  return key;
}

// ---- discord-api-types' gateway dispatches -------------------------------------------------

const gatewayFixture = readJson(new URL('discord-api-types-gateway.json', FIXTURES));
const gatewayAjv = new Ajv({ allErrors: true, strict: false, verbose: true });
addFormats(gatewayAjv);
ignoreOtherFormats(gatewayAjv, gatewayFixture);
const gatewayDocument = { $id: 'discord-gateway', definitions: relax(gatewayFixture.definitions) };
gatewayAjv.addSchema(gatewayDocument);
const resolveGateway = resolverOver(gatewayDocument);
const gatewayValidators = new Map();
function gatewayValidator(event) {
  if (!gatewayValidators.has(event)) {
    const ref = gatewayFixture.events[event].$ref.replace('#/', 'discord-gateway#/');
    gatewayValidators.set(event, gatewayAjv.compile({ $ref: ref }));
  }
  return gatewayValidators.get(event);
}

// ---- The allow-list ------------------------------------------------------------------------

// Each entry says why, and matches either a field of a Discord object wherever it appears
// ({object, field}), or a path in one payload kind ({scope, path}), optionally one keyword; or
// skips whole payloads of a kind that Discord's types do not describe ({scope, when}: each
// named top-level field has one of the values listed; null also matches an absent field).
const allowList = readJson(allowFile).allowed;
const allowUsed = new Set();
const samePath = (pattern, path) => pattern === path || (pattern.endsWith('/**') && path.startsWith(pattern.slice(0, -2)));
function allowed(scope, fault) {
  const index = allowList.findIndex(
    (a) =>
      !a.when &&
      (a.keyword ?? fault.keyword) === fault.keyword &&
      (a.object
        ? a.object === fault.object && samePath(a.field, fault.field)
        : (a.scope === '*' || a.scope === scope) && samePath(a.path, fault.path)),
  );
  if (index >= 0) allowUsed.add(index);
  return index >= 0;
}
function skippedByDesign(scope, data) {
  const index = allowList.findIndex(
    (a) => a.when && a.scope === scope && Object.entries(a.when).every(([k, values]) => values.includes(data?.[k] ?? null)),
  );
  if (index >= 0) allowUsed.add(index);
  return index >= 0 ? allowList[index] : null;
}

// ---- The run -------------------------------------------------------------------------------

const records = [];
for (const file of readdirSync(recordingDir).filter((f) => f.endsWith('.jsonl')).sort()) {
  for (const line of readFileSync(`${recordingDir}/${file}`, 'utf8').split('\n')) {
    if (line) records.push(JSON.parse(line));
  }
}
if (records.length === 0) {
  console.error(`error: no recorded payloads in ${recordingDir}`);
  process.exit(2);
}

const summary = new Map(); // scope -> { checked, failed }
const skipped = new Map(); // why -> Map(name -> count)
const statusNotes = new Map();
const found = new Map(); // scope|path|keyword -> { scope, violation, count, example }
const skip = (why, name) => {
  if (!skipped.has(why)) skipped.set(why, new Map());
  skipped.get(why).set(name, (skipped.get(why).get(name) ?? 0) + 1);
};

// Plan every REST check first so the validators compile once over one document.
const planned = [];
for (const record of records) {
  if (record.kind === 'rest') {
    const route = parleyRoutes.find((r) => r.re.test(record.path) && r.methods.includes(record.method.toLowerCase()));
    if (!route) {
      skip('not in Parley\'s OpenAPI document (the path matched no route)', `${record.method} ${record.path}`);
      continue;
    }
    const name = `${record.method} ${route.template}`;
    const operation = discordOperations.get(`${record.method} ${shape(route.template)}`);
    if (!operation) {
      skip('Parley-only routes (Discord has no such operation)', name);
      continue;
    }
    const { code, schema } = responseSchema(operation, record.status);
    if (!code) {
      skip('Discord answers this operation without a JSON body', name);
      continue;
    }
    if (code !== String(record.status)) {
      statusNotes.set(`${name}: Parley answers ${record.status}, Discord documents ${code}`, true);
    }
    planned.push({ record, scope: `${name} (${operation.id})`, key: restValidator(operation, code, schema), data: record.body });
  } else if (record.kind === 'dispatch') {
    if (!gatewayFixture.events[record.t]) {
      skip('events discord-api-types does not have (Parley-only or user-account events)', record.t);
      continue;
    }
    planned.push({ record, scope: record.t, event: record.t, data: record.d });
  }
}
restAjv.addSchema(restDocument);
const resolveRest = resolverOver(restDocument);
for (const key of restValidators.keys()) restValidators.set(key, restAjv.getSchema(`discord-rest#/responses/${key}`));

for (const { record, scope, key, event, data } of planned) {
  const byDesign = skippedByDesign(scope, data);
  if (byDesign) {
    skip(`allowed by design (allow-list.json: ${byDesign.why})`, `${scope} ${JSON.stringify(byDesign.when)}`);
    continue;
  }
  const validate = key ? restValidators.get(key) : gatewayValidator(event);
  const entry = summary.get(scope) ?? { checked: 0, failed: 0, allowed: 0 };
  summary.set(scope, entry);
  entry.checked += 1;
  if (validate(data)) continue;
  const [schema, resolve] = key
    ? [restDocument.responses[key], resolveRest]
    : [gatewayFixture.events[event], resolveGateway];
  let faults = explain(schema, data, resolve);
  if (faults.length === 0) {
    // ajv and the explanation disagree: show ajv's own words rather than nothing.
    faults = validate.errors.map((e) => {
      const path = e.instancePath.replace(/\/\d+(?=\/|$)/g, '/*');
      return { path, field: path, object: '(payload)', keyword: e.keyword, expected: `${e.message} (ajv)` };
    });
  }
  let failed = false;
  for (const fault of faults) {
    const isAllowed = allowed(scope, fault);
    failed ||= !isAllowed;
    const id = `${fault.object}|${fault.field}|${fault.keyword}`;
    const seen = found.get(id) ?? { fault, count: 0, scopes: new Set(), example: `${scope} ${fault.path || '/'} in ${record.test}`, allowed: isAllowed };
    seen.count += 1;
    seen.scopes.add(scope);
    found.set(id, seen);
  }
  if (failed) entry.failed += 1;
  else entry.allowed += 1;
}

// ---- The report ----------------------------------------------------------------------------

const rest = [...summary].filter(([s]) => s.includes(' /'));
const gateway = [...summary].filter(([s]) => !s.includes(' /'));
const table = (title, rows) => {
  console.log(`\n${title}`);
  for (const [scope, { checked, failed, allowed: ok }] of rows.sort(([a], [b]) => a.localeCompare(b))) {
    const mark = failed ? 'FAIL' : 'ok  ';
    console.log(`  ${mark} ${String(checked).padStart(6)} checked  ${failed ? `${failed} wrong  ` : ''}${ok ? `(${ok} only allowed differences)  ` : ''}${scope}`);
  }
};
console.log(`payload fidelity: ${records.length} recorded payloads from ${recordingDir}`);
console.log(`  against Discord's OpenAPI description at ${readJson(new URL('VERSIONS.json', FIXTURES)).openapi.commit}`);
console.log(`  and ${gatewayFixture.source}`);
table('REST answers (Parley route, Discord operation):', rest);
table('Gateway dispatches:', gateway);
for (const [why, names] of skipped) {
  console.log(`\nSkipped, ${why}:`);
  for (const [name, count] of [...names].sort()) console.log(`  ${String(count).padStart(6)}  ${name}`);
}
if (statusNotes.size) {
  console.log('\nStatus codes that differ from Discord\'s (checked against Discord\'s success schema):');
  for (const note of [...statusNotes.keys()].sort()) console.log(`  ${note}`);
}
const line = (f) =>
  `  ${f.fault.object}${f.fault.field === '/' ? '' : f.fault.field}: ${f.fault.expected}\n` +
  `      ${f.count}x in ${f.scopes.size} payload kind(s): ${[...f.scopes].sort().slice(0, 4).join('; ')}${f.scopes.size > 4 ? '; ...' : ''}\n` +
  `      e.g. ${f.example}`;
const sorted = (list) =>
  list.sort((a, b) => a.fault.object.localeCompare(b.fault.object) || a.fault.field.localeCompare(b.fault.field));
const allowedFound = sorted([...found.values()].filter((f) => f.allowed));
if (allowedFound.length) {
  console.log(`\nAllowed differences (allow-list.json, each with its reason): ${allowedFound.length}`);
  for (const f of allowedFound) console.log(line(f));
}
const unused = allowList.filter((_, i) => !allowUsed.has(i));
if (unused.length) {
  console.log('\nAllow-list entries nothing in this recording needed (stale, or not exercised):');
  for (const a of unused) console.log(`  ${a.object ?? a.scope} ${a.field ?? a.path ?? JSON.stringify(a.when)}`);
}
const wrong = sorted([...found.values()].filter((f) => !f.allowed));
if (wrong.length) {
  console.log(`\nVIOLATIONS: ${wrong.length}, by Discord object and field (what Discord documents; where; an example)`);
  for (const f of wrong) console.log(line(f));
  process.exit(1);
}
console.log('\nEvery recorded payload has every field Discord documents as always present, with its types.');
