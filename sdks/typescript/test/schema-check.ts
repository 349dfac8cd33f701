// Checks a JSON value against a schema of the server's OpenAPI document, strictly: an object may have exactly the
// properties its schema lists (nothing the schema lacks, every required one), so that a field the Java side adds,
// renames or drops shows up as a failing test rather than as a type that quietly lies.

type Schema = Record<string, unknown> & {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  allOf?: Schema[];
  oneOf?: Schema[];
  discriminator?: { propertyName: string; mapping?: Record<string, string> };
};

export interface OpenApiDoc {
  components: { schemas: Record<string, Schema> };
}

const REF = '#/components/schemas/';

/** What is wrong with `value` as a `name` (a component schema); empty when it conforms. */
export function problems(doc: OpenApiDoc, name: string, value: unknown): string[] {
  const out: string[] = [];
  check(doc, { $ref: REF + name }, value, name, out);
  return out;
}

function resolve(doc: OpenApiDoc, schema: Schema): Schema {
  let s = schema;
  while (s.$ref) {
    const target = doc.components.schemas[s.$ref.slice(REF.length)];
    if (!target) throw new Error(`unknown $ref ${s.$ref}`);
    s = target;
  }
  return s;
}

/** allOf as one object schema: the parts' properties and required fields together, later parts overriding. */
function flatten(doc: OpenApiDoc, schema: Schema): Schema {
  const s = resolve(doc, schema);
  if (!s.allOf) return s;
  const properties: Record<string, Schema> = {};
  const required = new Set<string>();
  for (const part of s.allOf.map((p) => flatten(doc, p))) {
    Object.assign(properties, part.properties ?? {});
    for (const r of part.required ?? []) required.add(r);
  }
  return { type: 'object', properties, required: [...required] };
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function check(doc: OpenApiDoc, schema: Schema, value: unknown, at: string, out: string[]): void {
  const s = flatten(doc, schema);
  if (s.oneOf) {
    const d = s.discriminator;
    if (!d?.mapping) throw new Error(`${at}: oneOf without a discriminator mapping is not supported`);
    const tag = (value as Record<string, unknown> | null)?.[d.propertyName];
    const target = typeof tag === 'string' ? d.mapping[tag] : undefined;
    if (!target) {
      out.push(`${at}: ${d.propertyName} ${JSON.stringify(tag)} is not one of ${Object.keys(d.mapping).join(', ')}`);
      return;
    }
    check(doc, { $ref: target }, value, `${at}<${tag}>`, out);
    return;
  }
  if ('const' in s && value !== s.const) {
    out.push(`${at}: expected ${JSON.stringify(s.const)}, got ${JSON.stringify(value)}`);
  }
  if (s.enum && !s.enum.includes(value)) {
    out.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(s.enum)}`);
  }
  const types = s.type === undefined ? [] : Array.isArray(s.type) ? s.type : [s.type];
  const actual = jsonType(value);
  if (types.length > 0 && !types.includes(actual) && !(actual === 'integer' && types.includes('number'))) {
    out.push(`${at}: expected ${types.join(' or ')}, got ${actual} ${JSON.stringify(value)?.slice(0, 80)}`);
    return;
  }
  if (actual === 'array' && s.items) {
    (value as unknown[]).forEach((item, i) => check(doc, s.items as Schema, item, `${at}[${i}]`, out));
  }
  if (actual === 'object') {
    const object = value as Record<string, unknown>;
    const properties = s.properties ?? {};
    for (const r of s.required ?? []) {
      if (!(r in object)) out.push(`${at}: required field '${r}' is missing`);
    }
    for (const [key, v] of Object.entries(object)) {
      const p = properties[key];
      if (p) {
        check(doc, p, v, `${at}.${key}`, out);
      } else if (typeof s.additionalProperties === 'object') {
        check(doc, s.additionalProperties, v, `${at}.${key}`, out);
      } else if (s.properties || s.additionalProperties === false) {
        out.push(`${at}: field '${key}' is not in the schema`);
      }
    }
  }
}
