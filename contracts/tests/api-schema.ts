// A small JSON-Schema checker for the schemas shipped in the official
// @stacks/stacks-blockchain-api-types package (draft-07 subset they use:
// $ref to sibling files, allOf/anyOf/oneOf, type, enum, required, properties,
// additionalProperties, items, nullable types). `allOf` parts are merged
// before checking, as the API's own flattening does, so that
// `additionalProperties: false` in one part does not refuse the other parts'
// properties.
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
export const API_TYPES_DIR = dirname(require.resolve("@stacks/stacks-blockchain-api-types/package.json"));

type Schema = Record<string, any>;
const cache = new Map<string, Schema>();
function load(file: string): Schema {
  if (!cache.has(file)) cache.set(file, JSON.parse(readFileSync(file, "utf8")));
  return cache.get(file)!;
}

/** Resolves $ref (relative file refs, with an optional #/path) and merges allOf. */
function resolveSchema(s: Schema, base: string, depth = 0): { s: Schema; base: string } {
  if (depth > 64) throw new Error("schema $ref too deep");
  if (s.$ref) {
    const [file, frag] = String(s.$ref).split("#");
    const target = file ? resolve(dirname(base), file) : base;
    let t: Schema = load(target);
    if (frag) for (const k of frag.split("/").filter(Boolean)) t = t[k];
    return resolveSchema(t, target, depth + 1);
  }
  if (s.allOf) {
    const merged: Schema = { type: s.type, properties: {}, required: [...(s.required ?? [])], additionalProperties: s.additionalProperties };
    Object.assign(merged.properties, withBase(s.properties ?? {}, base));
    for (const part of s.allOf) {
      const r = resolveSchema(part, base, depth + 1);
      if (r.s.anyOf || r.s.oneOf) {
        merged.anyOf = (r.s.anyOf ?? r.s.oneOf).map((x: Schema) => ({ ...x, __base: r.base }));
      }
      Object.assign(merged.properties, withBase(r.s.properties ?? {}, r.base));
      merged.required.push(...(r.s.required ?? []));
      if (r.s.additionalProperties === false) merged.additionalProperties = false;
      merged.type = merged.type ?? r.s.type;
    }
    return { s: merged, base };
  }
  return { s, base: s.__base ?? base };
}
const withBase = (props: Record<string, Schema>, base: string) =>
  Object.fromEntries(Object.entries(props).map(([k, v]) => [k, { ...v, __base: v.__base ?? base }]));

const typeOf = (v: unknown) =>
  v === null ? "null" : Array.isArray(v) ? "array" : typeof v === "number" ? (Number.isInteger(v) ? "integer" : "number") : typeof v;

/** Errors of `value` against the schema (empty when it conforms). */
export function check(value: unknown, schema: Schema, base: string, path = "$"): string[] {
  const { s, base: b } = resolveSchema(schema, schema.__base ?? base);
  const errs: string[] = [];
  const variants = s.anyOf ?? s.oneOf;
  if (variants) {
    const results = variants.map((v: Schema) => check(value, { ...v, __base: v.__base ?? b }, b, path));
    if (!results.some((r: string[]) => r.length === 0)) {
      const best = results.reduce((a: string[], r: string[]) => (r.length < a.length ? r : a));
      errs.push(`${path}: matches none of ${variants.length} variants; closest: ${best.join("; ")}`);
    }
    if (!s.properties && !s.type) return errs;
  }
  if (s.type) {
    const types: string[] = Array.isArray(s.type) ? s.type : [s.type];
    const t = typeOf(value);
    if (!types.includes(t) && !(t === "integer" && types.includes("number"))) {
      return [...errs, `${path}: expected ${types.join("|")}, got ${t} (${JSON.stringify(value)?.slice(0, 80)})`];
    }
  }
  if (s.enum && !s.enum.includes(value)) errs.push(`${path}: ${JSON.stringify(value)} not in ${JSON.stringify(s.enum)}`);
  if (typeOf(value) === "object") {
    const o = value as Record<string, unknown>;
    for (const k of s.required ?? []) if (!(k in o)) errs.push(`${path}: missing ${k}`);
    for (const [k, v] of Object.entries(o)) {
      const ps = s.properties?.[k];
      if (ps) errs.push(...check(v, { ...ps, __base: ps.__base ?? b }, b, `${path}.${k}`));
      else if (s.additionalProperties === false && s.properties) errs.push(`${path}: unexpected property ${k}`);
    }
  }
  if (typeOf(value) === "array" && s.items) {
    (value as unknown[]).forEach((v, i) => errs.push(...check(v, { ...s.items, __base: s.items.__base ?? b }, b, `${path}[${i}]`)));
  }
  return errs;
}

/** Errors of `value` against a schema file of the package (path relative to it). */
export function checkAgainst(value: unknown, schemaPath: string): string[] {
  const file = join(API_TYPES_DIR, schemaPath);
  return check(value, load(file), file);
}
