/**
 * Runs `work` over `items` inside one transaction with up to `width` lanes in flight at once, so the
 * driver pipelines their statements on the transaction's connection instead of waiting a round trip
 * for each. Items with the same key (e.g. the same agreement) run in one lane, in their order: they
 * read and write the same rows. The first error stops every lane from starting more work and is
 * thrown once they have all stopped (the transaction then rolls back as a whole).
 */
export async function inLanes<T>(items: readonly T[], keyOf: (item: T) => string, width: number, work: (item: T) => Promise<void>): Promise<void> {
	const lanes = new Map<string, T[]>();
	for (const item of items) {
		const key = keyOf(item);
		const lane = lanes.get(key);
		if (lane) lane.push(item);
		else lanes.set(key, [item]);
	}
	const queue = [...lanes.values()];
	let failed: { error: unknown } | null = null;
	const worker = async () => {
		for (let lane = queue.shift(); lane && !failed; lane = queue.shift()) {
			for (const item of lane) {
				if (failed) return;
				try {
					await work(item);
				} catch (error) {
					failed ??= { error };
					return;
				}
			}
		}
	};
	await Promise.all(Array.from({ length: Math.max(1, Math.min(width, queue.length)) }, worker));
	if (failed) throw (failed as { error: unknown }).error;
}
