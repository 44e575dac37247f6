// Why a payload does not fit a schema, in the words of the payload: ajv decides whether it
// fits; this walks the same (relaxed) schema to say where and why, choosing for every union
// ("a DM or a text channel or a thread", "X or null") the variant the value was meant to be,
// rather than listing what every variant missed.
//
// A violation is { path, keyword, expected }: `path` is a JSON pointer into the payload with
// array indices written `*`, `keyword` one of required / type / enum / const / format / value.

const TYPES = {
  null: (v) => v === null,
  boolean: (v) => typeof v === 'boolean',
  string: (v) => typeof v === 'string',
  number: (v) => typeof v === 'number',
  integer: (v) => Number.isInteger(v),
  array: (v) => Array.isArray(v),
  object: (v) => v !== null && typeof v === 'object' && !Array.isArray(v),
};
const FORMATS = {
  'date-time': (v) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/i.test(v),
  uri: (v) => /^[a-z][a-z0-9+.-]*:/i.test(v),
};

export const show = (value) => {
  const text = JSON.stringify(value);
  return text === undefined ? 'nothing' : text.length > 60 ? `${text.slice(0, 57)}...` : text;
};

/** `resolve(ref)` returns the schema a `$ref` names. Each fault also names the Discord object
 * (the last named schema entered: UserResponse, APIMessage, …) and its `field` path inside it. */
export function explain(schema, data, resolve, path = '', object = { name: '(payload)', at: '' }) {
  if (schema === true || schema === undefined) return [];
  if (schema === false) return [{ path, keyword: 'value', expected: 'nothing here' }];
  const out = [];
  if (schema.$ref) {
    const name = decodeURIComponent(schema.$ref.split('/').pop());
    out.push(...explain(resolve(schema.$ref), data, resolve, path, { name, at: path }));
  }
  for (const part of schema.allOf ?? []) out.push(...explain(part, data, resolve, path, object));
  if (schema.anyOf) out.push(...bestVariant(schema.anyOf, data, resolve, path, object));
  if (schema.not !== undefined && explain(schema.not, data, resolve, path, object).length === 0) {
    out.push({ path, keyword: 'value', expected: `nothing that fits ${show(schema.not)} (got ${show(data)})` });
  }
  const mark = (fault) => {
    fault.object ??= object.name;
    fault.field ??= fault.path.slice(object.at.length) || '/';
    return fault;
  };

  if (schema.type !== undefined) {
    const types = [schema.type].flat();
    if (!types.some((t) => TYPES[t]?.(data))) {
      out.push({ path, keyword: 'type', expected: `type ${types.join(' or ')} (got ${show(data)})` });
      return dedupe(out.map(mark)); // nothing below a wrong type means anything
    }
  }
  if (schema.enum && !schema.enum.some((v) => v === data)) {
    out.push({ path, keyword: 'enum', expected: `one of ${show(schema.enum)} (unknown enum value ${show(data)})` });
  }
  if (schema.const !== undefined && schema.const !== data) {
    out.push({ path, keyword: 'const', expected: `${show(schema.const)} (got ${show(data)})` });
  }
  if (typeof data === 'string') {
    if (schema.format && FORMATS[schema.format] && !FORMATS[schema.format](data)) {
      out.push({ path, keyword: 'format', expected: `format ${schema.format} (got ${show(data)})` });
    }
    if (schema.pattern && !new RegExp(schema.pattern, 'u').test(data)) {
      out.push({ path, keyword: 'value', expected: `to match ${schema.pattern} (got ${show(data)})` });
    }
    if (schema.maxLength !== undefined && [...data].length > schema.maxLength) {
      out.push({ path, keyword: 'value', expected: `at most ${schema.maxLength} characters (got ${[...data].length})` });
    }
    if (schema.minLength !== undefined && [...data].length < schema.minLength) {
      out.push({ path, keyword: 'value', expected: `at least ${schema.minLength} characters (got ${[...data].length})` });
    }
  }
  if (typeof data === 'number') {
    if (schema.minimum !== undefined && data < schema.minimum) {
      out.push({ path, keyword: 'value', expected: `at least ${schema.minimum} (got ${data})` });
    }
    if (schema.maximum !== undefined && data > schema.maximum) {
      out.push({ path, keyword: 'value', expected: `at most ${schema.maximum} (got ${data})` });
    }
  }
  if (TYPES.object(data)) {
    for (const name of schema.required ?? []) {
      if (!(name in data)) out.push({ path: `${path}/${name}`, keyword: 'required', expected: 'always present (missing)' });
    }
    for (const [name, sub] of Object.entries(schema.properties ?? {})) {
      if (name in data) out.push(...explain(sub, data[name], resolve, `${path}/${name}`, object));
    }
  }
  if (Array.isArray(data)) {
    if (schema.items) data.forEach((item) => out.push(...explain(schema.items, item, resolve, `${path}/*`, object)));
    if (schema.maxItems !== undefined && data.length > schema.maxItems) {
      out.push({ path, keyword: 'value', expected: `at most ${schema.maxItems} items (got ${data.length})` });
    }
  }
  return dedupe(out.map(mark));
}

/** The variant `data` was meant to be: one that fits; otherwise the one whose own type fits and
 * whose tag fields (`type: 0`, `const` and `enum` just below it) agree, with the fewest faults. */
function bestVariant(variants, data, resolve, path, object) {
  let best = null;
  for (const variant of variants) {
    const faults = explain(variant, data, resolve, path, object);
    if (faults.length === 0) return [];
    const wrongType = faults.some((f) => f.path === path && f.keyword === 'type') ? 1 : 0;
    const depth = path.split('/').length;
    const tagMismatch = faults.filter(
      (f) => (f.keyword === 'const' || f.keyword === 'enum') && f.path.split('/').length === depth + 1,
    ).length;
    const score = [wrongType, tagMismatch, faults.length];
    if (!best || compare(score, best.score) < 0) best = { score, faults };
  }
  return best.faults;
}

const compare = (a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];

function dedupe(faults) {
  const seen = new Map();
  for (const f of faults) {
    const key = `${f.path}|${f.keyword}|${f.expected}`;
    if (!seen.has(key)) seen.set(key, f);
  }
  return [...seen.values()];
}
