// Turns the component schemas of the MeshFlow server's OpenAPI document into TypeScript declarations.
// Used by generate-types.mjs (which writes src/generated/openapi.ts) and by the test that checks that the committed
// file is what the running server's GET /openapi.json generates, so the SDK's types cannot drift from the server.
//
// It covers the subset of JSON Schema the document uses: type (or a list of types with "null"), enum, const,
// properties with required, additionalProperties, items, $ref, allOf (a base plus an extension) and oneOf.

const REF = '#/components/schemas/';

/** The TypeScript source for every schema of `doc.components.schemas`, in name order. */
export function generate(doc) {
  const schemas = doc?.components?.schemas;
  if (!schemas || typeof schemas !== 'object') {
    throw new Error('the OpenAPI document has no components.schemas');
  }
  const out = [
    '// Generated from the MeshFlow server\'s OpenAPI document (GET /openapi.json) by scripts/generate-types.mjs.',
    '// Do not edit: change meshflow-server/src/main/resources/io/meshflow/server/openapi.json, then `npm run generate`.',
    '/* eslint-disable */',
    '',
  ];
  for (const name of Object.keys(schemas).sort()) {
    out.push(declaration(name, schemas[name]), '');
  }
  return out.join('\n');
}

function declaration(name, schema) {
  const doc = comment(schema.description, '');
  if (schema.oneOf) {
    return `${doc}export type ${name} =\n${schema.oneOf.map((s) => `  | ${typeOf(s, '  ')}`).join('\n')};`;
  }
  if (schema.allOf) {
    const bases = schema.allOf.filter((s) => s.$ref).map((s) => refName(s.$ref));
    const own = schema.allOf.filter((s) => !s.$ref);
    if (own.length > 1 || own.some((s) => !s.properties)) {
      throw new Error(`schema ${name}: allOf must be references plus at most one object with properties`);
    }
    const body = own.length === 1 ? members(own[0], '') : '{}';
    return `${doc}export interface ${name} extends ${bases.join(', ')} ${body}`;
  }
  if (schema.properties) {
    return `${doc}export interface ${name} ${members(schema, '')}`;
  }
  return `${doc}export type ${name} = ${typeOf(schema, '')};`;
}

function members(schema, indent) {
  const required = new Set(schema.required ?? []);
  for (const r of required) {
    if (!(r in schema.properties)) {
      throw new Error(`required property '${r}' is not among the properties`);
    }
  }
  const inner = indent + '  ';
  const lines = ['{'];
  for (const [prop, value] of Object.entries(schema.properties)) {
    lines.push(
      comment(value.description, inner) + `${inner}${prop}${required.has(prop) ? '' : '?'}: ${typeOf(value, inner)};`,
    );
  }
  const extra = schema.additionalProperties;
  if (extra && typeof extra === 'object') {
    lines.push(`${inner}[key: string]: ${typeOf(extra, inner)};`);
  }
  lines.push(`${indent}}`);
  return lines.join('\n');
}

function typeOf(schema, indent) {
  if (schema.$ref) {
    return refName(schema.$ref);
  }
  if ('const' in schema) {
    return JSON.stringify(schema.const);
  }
  if (schema.enum) {
    const values = schema.enum.map((v) => JSON.stringify(v));
    const nullable = Array.isArray(schema.type) && schema.type.includes('null') && !schema.enum.includes(null);
    return (nullable ? [...values, 'null'] : values).join(' | ');
  }
  if (schema.oneOf) {
    return schema.oneOf.map((s) => typeOf(s, indent)).join(' | ');
  }
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (types.length === 0) {
    return 'unknown';
  }
  return types.map((t) => single(t, schema, indent)).join(' | ');
}

function single(type, schema, indent) {
  switch (type) {
    case 'string':
      return 'string';
    case 'integer':
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'null':
      return 'null';
    case 'array': {
      const item = schema.items ? typeOf(schema.items, indent) : 'unknown';
      return /[ |]/.test(item) ? `Array<${item}>` : `${item}[]`;
    }
    case 'object':
      if (schema.properties) {
        return members(schema, indent);
      }
      if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
        return `Record<string, ${typeOf(schema.additionalProperties, indent)}>`;
      }
      return 'Record<string, unknown>';
    default:
      throw new Error(`unsupported schema type '${type}'`);
  }
}

function refName(ref) {
  if (!ref.startsWith(REF)) {
    throw new Error(`unsupported $ref '${ref}': only ${REF}<Name> is understood`);
  }
  return ref.slice(REF.length);
}

function comment(text, indent) {
  if (!text) {
    return '';
  }
  return `${indent}/** ${text.replaceAll('*/', '*\\/')} */\n`;
}
