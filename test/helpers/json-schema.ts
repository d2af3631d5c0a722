/**
 * A small JSON Schema (2020-12) validator for the keywords schema/tcptrace-2.schema.json uses, so
 * the suite validates every output without a dependency. A keyword it does not know is an error
 * (never silently skipped): a schema that grows one fails here until it is implemented. The
 * schema and the outputs were also checked once with python-jsonschema 4.26 (fixtures/README.md
 * has no say here: see CONTRIBUTING.md), and test/report/schema.test.ts feeds it broken records.
 */

type Schema = boolean | { [key: string]: unknown };

/** Keywords that only annotate. */
const ANNOTATIONS = new Set(['$schema', '$id', '$defs', 'title', 'description', 'examples', '$comment']);

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeMatches(v: unknown, t: string): boolean {
  const actual = typeOf(v);
  return actual === t || (t === 'number' && actual === 'integer');
}

function equal(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Validates `value` against `root` (or one of its $defs by `#/$defs/...`); returns the errors, empty when it is valid. */
export function validate(root: Schema, value: unknown, ref = '#'): string[] {
  const errors: string[] = [];
  const resolve = (pointer: string): Schema => {
    if (!pointer.startsWith('#')) throw new Error(`only local $ref: ${pointer}`);
    let s: unknown = root;
    for (const part of pointer.slice(1).split('/').filter(Boolean)) {
      s = (s as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
      if (s === undefined) throw new Error(`$ref ${pointer} resolves to nothing`);
    }
    return s as Schema;
  };
  const check = (s: Schema, v: unknown, path: string, out: string[]): void => {
    if (s === true) return;
    if (s === false) return void out.push(`${path}: not allowed`);
    for (const [k, arg] of Object.entries(s)) {
      if (ANNOTATIONS.has(k)) continue;
      switch (k) {
        case '$ref':
          check(resolve(arg as string), v, path, out);
          break;
        case 'type': {
          const types = Array.isArray(arg) ? (arg as string[]) : [arg as string];
          if (!types.some((t) => typeMatches(v, t))) out.push(`${path}: ${JSON.stringify(v)} is not ${types.join(' or ')}`);
          break;
        }
        case 'enum':
          if (!(arg as unknown[]).some((e) => equal(e, v))) out.push(`${path}: ${JSON.stringify(v)} is not one of ${JSON.stringify(arg)}`);
          break;
        case 'const':
          if (!equal(arg, v)) out.push(`${path}: ${JSON.stringify(v)} is not ${JSON.stringify(arg)}`);
          break;
        case 'minimum':
          if (typeof v === 'number' && v < (arg as number)) out.push(`${path}: ${v} < ${arg}`);
          break;
        case 'maximum':
          if (typeof v === 'number' && v > (arg as number)) out.push(`${path}: ${v} > ${arg}`);
          break;
        case 'anyOf': {
          const ok = (arg as Schema[]).some((sub) => {
            const e: string[] = [];
            check(sub, v, path, e);
            return e.length === 0;
          });
          if (!ok) out.push(`${path}: ${JSON.stringify(v)?.slice(0, 80)} matches none of anyOf`);
          break;
        }
        case 'required':
          if (typeOf(v) === 'object') {
            for (const key of arg as string[]) if (!(key in (v as object))) out.push(`${path}: missing "${key}"`);
          }
          break;
        case 'properties':
          if (typeOf(v) === 'object') {
            for (const [key, sub] of Object.entries(arg as Record<string, Schema>)) {
              if (key in (v as object)) check(sub, (v as Record<string, unknown>)[key], `${path}.${key}`, out);
            }
          }
          break;
        case 'additionalProperties':
          if (typeOf(v) === 'object') {
            const known = (s.properties ?? {}) as Record<string, unknown>;
            for (const [key, x] of Object.entries(v as Record<string, unknown>)) {
              if (key in known) continue;
              if (arg === false) out.push(`${path}: unexpected key "${key}"`);
              else check(arg as Schema, x, `${path}.${key}`, out);
            }
          }
          break;
        case 'propertyNames':
          if (typeOf(v) === 'object') for (const key of Object.keys(v as object)) check(arg as Schema, key, `${path}{${key}}`, out);
          break;
        case 'items':
          if (Array.isArray(v)) {
            const from = Array.isArray(s.prefixItems) ? s.prefixItems.length : 0;
            for (let i = from; i < v.length; i++) check(arg as Schema, v[i], `${path}[${i}]`, out);
          }
          break;
        case 'prefixItems':
          if (Array.isArray(v)) (arg as Schema[]).forEach((sub, i) => i < v.length && check(sub, v[i], `${path}[${i}]`, out));
          break;
        case 'minItems':
          if (Array.isArray(v) && v.length < (arg as number)) out.push(`${path}: fewer than ${arg} items`);
          break;
        case 'maxItems':
          if (Array.isArray(v) && v.length > (arg as number)) out.push(`${path}: more than ${arg} items`);
          break;
        default:
          throw new Error(`json-schema.ts does not implement the keyword "${k}"`);
      }
    }
  };
  check(ref === '#' ? root : resolve(ref), value, '$', errors);
  return errors;
}
