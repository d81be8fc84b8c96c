import fc from 'fast-check';
import { nasty, numberText, dateText } from './inputs';

/**
 * Values for a JSON Schema (2020-12, as the served OpenAPI document writes them): mostly of the
 * right shape with values at and past the edges, now and then of the wrong type altogether, so
 * the API's parsing is walked into as deep as it goes.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Schema = any;

const BIG_NUMBERS = [0, -1, 1, 0.5, -0.0, 2 ** 31, 2 ** 53 - 1, 2 ** 53, -(2 ** 53 - 1), 1e15, 9_999_999_999, 10_000_000_000, 1e21, 1e308, Number.MIN_VALUE];

const anyJson: fc.Arbitrary<unknown> = fc.oneof(
	fc.constant(null),
	fc.boolean(),
	fc.constantFrom(...BIG_NUMBERS),
	nasty(),
	fc.constant([]),
	fc.constant({}),
	fc.constantFrom({ __proto__: { a: 1 } }, JSON.parse('{"__proto__":{"polluted":true}}'), { constructor: { prototype: { x: 1 } } })
);

export function resolve(doc: Schema, schema: Schema): Schema {
	let s = schema;
	for (let i = 0; s && s.$ref && i < 20; i++) {
		const path = String(s.$ref).replace(/^#\//, '').split('/');
		s = path.reduce((o: Schema, k: string) => o?.[k.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
	}
	return s ?? {};
}

/** A value for `schema`; `hints` gives real values for some property names (e.g. the debtor's CPF). */
export function valueFor(doc: Schema, schema: Schema, hints: Record<string, string[]> = {}, depth = 0, name = ''): fc.Arbitrary<unknown> {
	const s = resolve(doc, schema);
	const right = rightShape(doc, s, hints, depth, name);
	return fc.oneof({ arbitrary: right, weight: 8 }, { arbitrary: anyJson, weight: 1 });
}

function rightShape(doc: Schema, s: Schema, hints: Record<string, string[]>, depth: number, name: string): fc.Arbitrary<unknown> {
	if (depth > 6) return anyJson;
	const variants = s.anyOf ?? s.oneOf;
	if (Array.isArray(variants) && variants.length) return fc.oneof(...variants.map((v: Schema) => valueFor(doc, v, hints, depth + 1, name)));
	if (Array.isArray(s.allOf) && s.allOf.length) return valueFor(doc, s.allOf[0], hints, depth + 1, name);
	if (s.const !== undefined) return fc.constant(s.const);
	if (Array.isArray(s.enum)) return fc.oneof(fc.constantFrom(...s.enum), nasty());
	const type = Array.isArray(s.type) ? s.type[0] : s.type;
	switch (type) {
		case 'object': {
			const props: Record<string, Schema> = s.properties ?? {};
			const required = new Set<string>(s.required ?? []);
			const keys = Object.keys(props);
			const fields = keys.map((k) =>
				fc.option(
					valueFor(doc, props[k], hints, depth + 1, k).map((v) => [k, v] as [string, unknown]),
					{ nil: undefined, freq: required.has(k) ? 12 : 2 }
				)
			);
			const extra = fc.array(fc.tuple(nasty(), anyJson), { maxLength: 2 });
			return fc.tuple(fc.tuple(...fields), extra).map(([f, x]) => Object.fromEntries([...f.filter((e): e is [string, unknown] => e !== undefined), ...x]));
		}
		case 'array': {
			const max = Math.min(s.maxItems ?? 4, 4);
			return fc.oneof(
				{ arbitrary: fc.array(valueFor(doc, s.items ?? {}, hints, depth + 1, name), { maxLength: max }), weight: 9 },
				// One over the array's limit (a batch of 10,001), the items themselves trivial.
				{ arbitrary: fc.constant(s.maxItems !== undefined && s.maxItems <= 20_000 ? Array.from({ length: s.maxItems + 1 }, () => ({})) : []), weight: 1 }
			);
		}
		case 'integer':
		case 'number':
			return fc.oneof(
				fc.constantFrom(...BIG_NUMBERS),
				fc.integer(),
				fc.double(),
				...(s.minimum !== undefined ? [fc.constantFrom(s.minimum, s.minimum - 1)] : []),
				...(s.maximum !== undefined ? [fc.constantFrom(s.maximum, s.maximum + 1)] : []),
				numberText
			);
		case 'boolean':
			return fc.oneof(fc.boolean(), fc.constantFrom('true', 'false', 0, 1));
		case 'null':
			return fc.constant(null);
		case 'string': {
			const valid: string[] = [...(hints[name] ?? []), ...(s.examples ?? []), ...(s.example !== undefined ? [s.example] : [])].map(String);
			if (s.format === 'date' || s.format === 'date-time') return fc.oneof(dateText, nasty(valid));
			return nasty(valid);
		}
		default:
			return anyJson;
	}
}

/** `?name=value` pairs of an operation's query parameters, each present or not, values as text. */
export function queryFor(doc: Schema, params: Schema[], hints: Record<string, string[]>): fc.Arbitrary<[string, string][]> {
	const query = params.map((p) => resolve(doc, p)).filter((p) => p.in === 'query');
	const own = fc.tuple(
		...query.map((p) =>
			fc.option(
				fc
					.oneof(
						valueFor(doc, p.schema ?? {}, hints, 0, p.name).map((v) => (typeof v === 'string' ? v : JSON.stringify(v) ?? '')),
						nasty(hints[p.name] ?? [], 4097)
					)
					.map((v) => [p.name, v] as [string, string]),
				{ nil: undefined, freq: 2 }
			)
		)
	);
	const repeated = fc.array(fc.tuple(fc.constantFrom(...query.map((p) => p.name), 'x'), nasty([], 4097)), { maxLength: 2 });
	return fc.tuple(own, repeated).map(([a, b]) => [...a.filter((e): e is [string, string] => e !== undefined), ...b]);
}
