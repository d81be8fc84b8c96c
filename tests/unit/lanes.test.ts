import { describe, expect, it } from 'vitest';
import { inLanes } from '../../src/lib/server/db/lanes';

const tick = () => new Promise<void>((r) => setTimeout(r, Math.random() * 3));

describe('inLanes: payments of one agreement in order, agreements side by side', () => {
	it('runs every item once, items of one key one at a time and in their order, at most `width` at once', async () => {
		const items = Array.from({ length: 200 }, (_, i) => ({ key: `a${i % 13}`, n: i }));
		const running = new Set<string>();
		const seen: Record<string, number[]> = {};
		let inFlight = 0;
		let peak = 0;
		await inLanes(items, (x) => x.key, 5, async (x) => {
			expect(running.has(x.key)).toBe(false);
			running.add(x.key);
			peak = Math.max(peak, ++inFlight);
			await tick();
			(seen[x.key] ??= []).push(x.n);
			inFlight--;
			running.delete(x.key);
		});
		expect(Object.values(seen).flat().sort((a, b) => a - b)).toEqual(items.map((x) => x.n));
		for (const [key, ns] of Object.entries(seen)) expect(ns).toEqual(items.filter((x) => x.key === key).map((x) => x.n));
		expect(peak).toBe(5);
	});

	it('after the first error starts nothing more, waits for what is running, and throws that error', async () => {
		const items = Array.from({ length: 100 }, (_, i) => ({ key: `k${i}`, n: i }));
		const started: number[] = [];
		let running = 0;
		const boom = new Error('falhou');
		const outcome = inLanes(items, (x) => x.key, 4, async (x) => {
			started.push(x.n);
			running++;
			await tick();
			running--;
			if (x.n === 10) throw boom;
		});
		await expect(outcome).rejects.toBe(boom);
		expect(running).toBe(0);
		expect(started.length).toBeLessThan(20);
	});

	it('does nothing for no items', async () => {
		await inLanes([], () => 'x', 8, async () => {
			throw new Error('não devia rodar');
		});
	});
});
