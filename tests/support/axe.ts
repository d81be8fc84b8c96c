import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';

/** No WCAG 2.1 A/AA violation on the page as it stands. */
export async function expectAccessible(page: Page): Promise<void> {
	const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
	const summary = result.violations.map((v) => `${v.id}: ${v.help} → ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
	expect(summary, `violações em ${page.url()}`).toEqual([]);
}

/** With SCREENSHOTS_DIR set, keeps a full-page PNG of each step to look at. */
export async function shot(page: Page, name: string): Promise<void> {
	const dir = process.env.SCREENSHOTS_DIR;
	if (!dir) return;
	fs.mkdirSync(dir, { recursive: true });
	await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
}
