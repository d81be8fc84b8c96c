// Reads a V8 .cpuprofile (node --cpu-prof) and tells where the time went: by function (self and
// inclusive) and by area (package, app bundle, node internals, GC). Usage as a script:
//   node bin/run-ts.js bench/cpu-profile.ts <file.cpuprofile> [top]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, table } from './lib';

type CallFrame = { functionName: string; url: string; lineNumber: number; columnNumber: number };
type ProfileNode = { id: number; callFrame: CallFrame; children?: number[] };
type Profile = { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number };

export type Hot = { name: string; where: string; selfMs: number; totalMs: number; selfPct: number; totalPct: number };
export type ProfileSummary = { totalMs: number; idleMs: number; areas: { area: string; selfMs: number; pct: number }[]; functions: Hot[] };

function area(url: string, name: string): string {
	if (!url) return name.startsWith('(') ? name : '(native)';
	const nm = url.lastIndexOf('node_modules/');
	if (nm >= 0) {
		const rest = url.slice(nm + 'node_modules/'.length).split('/');
		return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
	}
	if (url.startsWith('node:')) return 'node internals';
	if (url.includes('/build/server/')) return 'app bundle (build/server)';
	if (url.includes('/build/')) return 'adapter-node (build/)';
	if (url.includes('/src/')) return 'src (tsx-loaded)';
	return url;
}

function where(cf: CallFrame): string {
	if (!cf.url) return '';
	const u = cf.url.replace(/^file:\/\//, '');
	const nm = u.lastIndexOf('node_modules/');
	const short = nm >= 0 ? u.slice(nm + 'node_modules/'.length) : u.includes('/build/') ? u.slice(u.lastIndexOf('/build/') + 1) : path.basename(u);
	return `${short}:${cf.lineNumber + 1}`;
}

export function summarize(file: string, top = 25): ProfileSummary {
	const p: Profile = JSON.parse(fs.readFileSync(file, 'utf8'));
	const byId = new Map(p.nodes.map((n) => [n.id, n]));
	const parent = new Map<number, number>();
	for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
	const key = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'}\u0000${where(n.callFrame)}`;
	const self = new Map<string, number>();
	const total = new Map<string, number>();
	const areas = new Map<string, number>();
	let totalUs = 0;
	let idleUs = 0;
	for (let i = 0; i < p.samples.length; i++) {
		const dt = p.timeDeltas[i] ?? 0;
		const node = byId.get(p.samples[i]);
		if (!node) continue;
		totalUs += dt;
		if (node.callFrame.functionName === '(idle)') {
			idleUs += dt;
			continue;
		}
		const k = key(node);
		self.set(k, (self.get(k) ?? 0) + dt);
		const a = area(node.callFrame.url, node.callFrame.functionName);
		areas.set(a, (areas.get(a) ?? 0) + dt);
		const seen = new Set<string>();
		for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
			const k2 = key(byId.get(id)!);
			if (seen.has(k2)) continue;
			seen.add(k2);
			total.set(k2, (total.get(k2) ?? 0) + dt);
		}
	}
	const busy = totalUs - idleUs;
	const functions = [...self.entries()]
		.sort((a, b) => b[1] - a[1])
		.slice(0, top)
		.map(([k, us]) => {
			const [name, w] = k.split('\u0000');
			const t = total.get(k) ?? us;
			return { name, where: w, selfMs: us / 1000, totalMs: t / 1000, selfPct: (100 * us) / busy, totalPct: (100 * t) / busy };
		});
	return {
		totalMs: totalUs / 1000,
		idleMs: idleUs / 1000,
		areas: [...areas.entries()].sort((a, b) => b[1] - a[1]).map(([area, us]) => ({ area, selfMs: us / 1000, pct: (100 * us) / busy })),
		functions
	};
}

export function printSummary(s: ProfileSummary, out: (l: string) => void = console.log): void {
	out(`Profile: ${fmt(s.totalMs)} ms sampled, ${fmt(s.idleMs)} ms idle, ${fmt(s.totalMs - s.idleMs)} ms busy.`);
	out('');
	out('Busy time by area (self):');
	out(table(['area', 'ms', '%'], s.areas.slice(0, 15).map((a) => [a.area, fmt(a.selfMs), fmt(a.pct, 1)])));
	out('');
	out('Hottest functions (self; total = inclusive):');
	out(table(['function', 'where', 'self ms', 'self %', 'total %'], s.functions.map((f) => [f.name.slice(0, 40), f.where.slice(0, 60), fmt(f.selfMs), fmt(f.selfPct, 1), fmt(f.totalPct, 1)])));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
	const [file, top] = process.argv.slice(2);
	if (!file) {
		console.error('uso: node bin/run-ts.js bench/cpu-profile.ts <arquivo.cpuprofile> [top]');
		process.exit(2);
	}
	printSummary(summarize(file, Number(top ?? 25)));
}
