// Turns discord-api-types' v10 gateway dispatch types into JSON schemas, one per event name,
// and writes them to the fixture the checker reads. Run after changing the pinned version:
//
//     npm run generate     (about ten seconds)
//
// The union GatewayDispatchPayload is generated whole; each member is { t: "<EVENT>", d: <data> }
// and the fixture keeps, per event, a reference to its data type.
import { readFileSync, writeFileSync } from 'node:fs';
import { createGenerator } from 'ts-json-schema-generator';

const modules = new URL('node_modules/', import.meta.url);
const packageVersion = (name) => JSON.parse(readFileSync(new URL(`${name}/package.json`, modules), 'utf8')).version;
const OUT = new URL('../../server/parley/tests/fixtures/discord/discord-api-types-gateway.json', import.meta.url);
const version = packageVersion('discord-api-types');
const generatorVersion = packageVersion('ts-json-schema-generator');

const schema = createGenerator({
  path: new URL('discord-api-types/gateway/v10.d.ts', modules).pathname,
  type: 'GatewayDispatchPayload',
  skipTypeCheck: true,
  expose: 'export',
  topRef: true,
  jsDoc: 'none',
  additionalProperties: true,
}).createSchema('GatewayDispatchPayload');

const defs = schema.definitions;
const deref = (s) => (s.$ref ? deref(defs[decodeURIComponent(s.$ref.replace('#/definitions/', ''))]) : s);
const events = {};
for (const member of defs.GatewayDispatchPayload.anyOf) {
  const payload = deref(member);
  const t = payload.properties.t;
  const names = t.const !== undefined ? [t.const] : t.enum;
  // Each event's data under a definition of its own, so the checker can refer to every one.
  for (const name of names) {
    const d = payload.properties.d;
    if (d.$ref) {
      events[name] = d;
    } else {
      defs[`Event_${name}`] = d;
      events[name] = { $ref: `#/definitions/Event_${name}` };
    }
  }
}
// The payload wrappers are not needed once each event points at its data.
for (const name of Object.keys(defs)) {
  if (name.startsWith('_DataPayload<') || name === 'GatewayDispatchPayload' || /^Gateway\w+Dispatch$/.test(name)) {
    delete defs[name];
  }
}
// The generator cannot narrow `type` in a few generic channel interfaces (APIGuildTextChannel<T>
// and the thread channels reached through GatewayChannelModifyDispatchData and GUILD_CREATE's
// channels) and emits an empty enum, which no value fits; there, any ChannelType is accepted.
const widenEmptyEnums = (x) => {
  if (Array.isArray(x)) return x.forEach(widenEmptyEnums);
  if (x && typeof x === 'object') {
    for (const [key, value] of Object.entries(x)) {
      if (key === 'type' && value && Array.isArray(value.enum) && value.enum.length === 0) {
        x[key] = { $ref: '#/definitions/ChannelType' };
      } else {
        widenEmptyEnums(value);
      }
    }
  }
};
widenEmptyEnums(defs);

// Flags are bitfields: the TypeScript enum lists single bits, but a value is any combination
// of them (0 included), so a flags type reads as a non-negative integer.
for (const [name, schema] of Object.entries(defs)) {
  if (/Flags$/.test(name) && schema.type === 'number' && (schema.enum || schema.const !== undefined)) {
    defs[name] = { type: 'integer', minimum: 0, description: `a bitfield of ${name}` };
  }
}

const fixture = {
  source: `discord-api-types@${version} (npm), gateway/v10: GatewayDispatchPayload`,
  generated_by: `ts-json-schema-generator@${generatorVersion} (scripts/payload-check/generate-gateway-schemas.mjs)`,
  license: 'MIT License, Copyright (c) 2020 vladfrangu (discord-api-types)',
  events: Object.fromEntries(Object.entries(events).sort(([a], [b]) => a.localeCompare(b))),
  definitions: defs,
};
writeFileSync(OUT, JSON.stringify(fixture, null, 1) + '\n');
console.log(`${Object.keys(events).length} dispatch events from discord-api-types@${version} -> ${OUT.pathname}`);
