/**
 * The README's screenshots of templates in the n8n editor (docs/images/<template>.png): a real
 * n8n with this package and the templates imported (credentials on loopback emulators), opened in
 * headless Chromium the way test/e2e/editor.e2e.ts opens it, the canvas fitted to the view.
 * Run with `bash scripts/screenshots.sh`; it rewrites the PNGs.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { chromium, type Page } from 'playwright-core';

import { GraphEmulator } from '../emulators/graphApi';
import { PerksEmulator } from '../emulators/perksApi';
import { SlackEmulator } from '../emulators/slackApi';
import { PACKAGE_ROOT } from '../harness/packageRoot';
import { N8nInstance } from '../harness/n8n';
import { catalogCredentials, loadTemplate, setUpOwner } from '../harness/n8n/templateSetup';

const TEMPLATES = ['wallet-funded-to-slack-dm.json', 'perks-balance-slash-command-slack.json'];
const OUT_DIR = path.join(PACKAGE_ROOT, 'docs', 'images');
const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/lib/chromium/chromium';
const OWNER = {
	email: 'owner@perks.local',
	firstName: 'Docs',
	lastName: 'Owner',
	password: 'Docs-Owner-Pass-1',
};
const TIMEOUT_MS = 60_000;

async function main(): Promise<void> {
	const perks = new PerksEmulator();
	const slack = new SlackEmulator({ appName: 'Perks' });
	const graph = new GraphEmulator();
	await Promise.all([perks.start(), slack.start(), graph.start()]);
	const workflows = TEMPLATES.map((file, i) =>
		loadTemplate(file, `docsShot${String(i + 1).padStart(8, '0')}`),
	);
	const n8n = await N8nInstance.launch({
		name: 'screenshots',
		credentials: catalogCredentials({ perks, slack, graph }, workflows),
		workflows,
		publish: [],
		env: { N8N_LOG_LEVEL: 'info' },
	});
	const profile = await mkdtemp(path.join(tmpdir(), 'n8n-perks-screenshots-'));
	try {
		await setUpOwner(n8n, OWNER, 'perks-screenshots');
		const context = await chromium.launchPersistentContext(profile, {
			executablePath: CHROMIUM_PATH,
			headless: true,
			args: [
				'--headless',
				'--no-sandbox',
				'--disable-gpu',
				'--no-first-run',
				'--disable-background-networking',
			],
			viewport: { width: 1280, height: 720 },
			timeout: TIMEOUT_MS,
		});
		try {
			const page = context.pages()[0] ?? (await context.newPage());
			page.setDefaultTimeout(TIMEOUT_MS);
			await signIn(page, n8n.baseUrl);
			await mkdir(OUT_DIR, { recursive: true });
			for (const [i, workflow] of workflows.entries()) {
				const file = path.join(OUT_DIR, TEMPLATES[i].replace(/\.json$/, '.png'));
				await shootCanvas(page, `${n8n.baseUrl}/workflow/${workflow.id}`, file);
				console.log(`screenshots: ${path.relative(PACKAGE_ROOT, file)}`);
			}
		} finally {
			await context.close();
		}
	} finally {
		await rm(profile, { recursive: true, force: true });
		await n8n.dispose();
		await Promise.all([perks.stop(), slack.stop(), graph.stop()]);
	}
}

async function signIn(page: Page, baseUrl: string): Promise<void> {
	await page.goto(`${baseUrl}/signin`);
	await page.getByLabel('Email').fill(OWNER.email);
	await page.getByLabel('Password').fill(OWNER.password);
	await page.getByRole('button', { name: 'Sign in' }).click();
	await page.waitForURL((url) => !url.pathname.startsWith('/signin'));
}

async function shootCanvas(page: Page, url: string, file: string): Promise<void> {
	await page.goto(url);
	await page.locator('[data-test-id="canvas-node"]').first().waitFor({ state: 'visible' });
	// Fit to view ("1" in n8n's canvas) once every node and the sticky note have rendered.
	await page.waitForLoadState('networkidle');
	await page
		.locator('[data-test-id="canvas-wrapper"], .vue-flow')
		.first()
		.click({ position: { x: 5, y: 5 } });
	await page.keyboard.press('1');
	await page.waitForTimeout(800);
	await page.screenshot({ path: file });
}

void main().catch((error: unknown) => {
	console.error(error);
	process.exit(1);
});
