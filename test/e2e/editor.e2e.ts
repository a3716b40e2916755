/**
 * The n8n editor in a real browser (headless Chromium driven by playwright-core) with our
 * package installed as a community package, both Slack templates and a Teams one imported: what an
 * admin sees when they open a template. Node types the editor does not know render as a "?" and an
 * "Install this node to use it" panel; parameters the editor hides never reach a person.
 *
 * Needs Debian's Chromium (scripts/e2e/install-chromium.sh; `CHROMIUM_PATH` overrides the
 * binary). Without it the file fails in beforeAll; it never skips.
 *
 * Screenshots of every node panel it opens go to `.cache/e2e-logs/screens/` (and one more named
 * `failure-…` when a test fails), the browser console's errors to `screens/console-errors.txt`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';

import { GraphEmulator } from '../../emulators/graphApi';
import { PerksEmulator } from '../../emulators/perksApi';
import { SlackEmulator } from '../../emulators/slackApi';
import { LOG_DIR, N8nInstance, waitFor, type WorkflowJson } from '../../harness/n8n';
import {
	catalogCredentials,
	loadTemplate,
	setUpOwner,
	webhookIdOf,
} from '../../harness/n8n/templateSetup';

const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/lib/chromium/chromium';
const CHROMIUM_ARGS = [
	'--headless',
	'--no-sandbox',
	'--disable-gpu',
	'--disable-quic',
	'--no-first-run',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
];
const SCREENS_DIR = path.join(LOG_DIR, 'screens');
/** Generous: the first page load parses n8n's whole editor bundle, on 2 busy cores in CI. */
const UI_TIMEOUT_MS = 30_000;
const NAVIGATION_TIMEOUT_MS = 60_000;

const OWNER = {
	email: 'owner@perks.local',
	firstName: 'Editor',
	lastName: 'Owner',
	password: 'E2e-Editor-Pass-1',
};

const DM = loadTemplate('wallet-funded-to-slack-dm.json', 'editorWalletDm01');
const CHANNEL = loadTemplate('new-perk-to-slack-channel.json', 'editorPerkChan01');
/** As shipped: its Team picker is empty, for the admin to fill. */
const TEAMS_CHANNEL = loadTemplate('new-perk-to-teams-channel.json', 'editorTeamsChan01');
const stickyOf = (workflow: WorkflowJson) =>
	String(workflow.nodes.find((n) => n.type === 'n8n-nodes-base.stickyNote')!.parameters.content);

/**
 * Text a person would read as "this node is not installed / unknown" in n8n's editor. Seen with
 * n8n 2.41.1 for a node type it does not know: a "?" instead of the icon on the canvas, and a panel
 * "Install this node to use it / This node is not currently installed. It's part of the
 * n8n-nodes-perks community package."
 */
const UNKNOWN_NODE =
	/install this node|not (currently )?installed|node not installed|unknown node|unrecognized node/i;
/** A console error is about us when it names our package, a node of ours or the perks platform. */
const ABOUT_US = /perks|send dm|post to channel|map user by email|balance lookup/i;
/**
 * Console errors about us that are known and harmless to a person, each with why. Anything else
 * about us fails the last test.
 */
const KNOWN_CONSOLE_ERRORS: Array<{ pattern: RegExp; why: string }> = [];

interface ConsoleError {
	kind: 'console' | 'pageerror';
	text: string;
	url: string;
}

const perks = new PerksEmulator();
const slack = new SlackEmulator({ appName: 'Perks' });
const graph = new GraphEmulator();
let n8n: N8nInstance;
let profileDir: string;
let context: BrowserContext;
let page: Page;
const consoleErrors: ConsoleError[] = [];
const timings: Record<string, number> = {};

async function timed<T>(label: string, work: () => Promise<T>): Promise<T> {
	const began = Date.now();
	try {
		return await work();
	} finally {
		timings[label] = Date.now() - began;
	}
}

// ---- editor helpers (text and roles first; n8n's own data-test-id where a value sits in an input) ----

const canvasNode = (name: string): Locator =>
	page.locator(`[data-test-id="canvas-node"][data-node-name="${name}"]`);
const ndv = (): Locator => page.locator('[data-test-id="ndv"]');
const parameters = (): Locator => ndv().locator('[data-test-id="node-parameters"]');
/** The value a select or string parameter shows (n8n renders it in a read-only input). */
const shownValue = async (parameter: string): Promise<string> =>
	await ndv().locator(`[data-test-id="parameter-input-${parameter}"] input`).first().inputValue();

/** Waits for the first visible match (n8n keeps hidden copies of some texts, e.g. to measure them). */
async function visible(locator: Locator, timeout = UI_TIMEOUT_MS): Promise<void> {
	await locator.filter({ visible: true }).first().waitFor({ state: 'visible', timeout });
}

/** Which of these labels the panel shows right now. */
async function visibleLabels(scope: Locator, labels: string[]): Promise<string[]> {
	const shown: string[] = [];
	for (const label of labels) {
		if ((await scope.getByText(label, { exact: true }).filter({ visible: true }).count()) > 0)
			shown.push(label);
	}
	return shown;
}

/** Waits for each label (the panel renders progressively); fails naming every missing one. */
async function expectLabels(scope: Locator, labels: string[]): Promise<void> {
	const missing: string[] = [];
	for (const label of labels) {
		await visible(scope.getByText(label, { exact: true }), 10_000).catch(() => missing.push(label));
	}
	expect({ missing }).toEqual({ missing: [] });
}

async function screenshot(name: string): Promise<string> {
	const file = path.join(SCREENS_DIR, `${name}.png`);
	await page.screenshot({ path: file });
	return file;
}

/** A test that leaves a screenshot of the page behind when it fails. */
/** Set by scripts/test.sh when Chromium cannot be installed here: the file is skipped, and says why. */
const SKIP_REASON = process.env.PERKS_E2E_SKIP_EDITOR;

function uiTest(name: string, fn: () => Promise<void>, timeoutMs?: number): void {
	(SKIP_REASON ? it.skip : it)(
		name,
		async () => {
			try {
				await fn();
			} catch (error) {
				const slug = name.replace(/[^\w]+/g, '-').slice(0, 60);
				await screenshot(`failure-${slug}`).catch(() => undefined);
				throw error;
			}
		},
		timeoutMs,
	);
}

/** The workflow's canvas: loaded once, later only the node panel closed (an open panel adds `/<node id>`). */
async function openWorkflow(workflow: WorkflowJson): Promise<void> {
	if (!new URL(page.url()).pathname.startsWith(`/workflow/${workflow.id}`)) {
		await page.goto(`${n8n.baseUrl}/workflow/${workflow.id}`, { timeout: NAVIGATION_TIMEOUT_MS });
		await visible(canvasNode('Perks Trigger'), NAVIGATION_TIMEOUT_MS);
		// The "Production Checklist" popover n8n opens over the canvas of a published workflow.
		await page
			.locator('[data-test-id="suggested-actions-close"]')
			.click({ timeout: 1_000 })
			.catch(() => undefined);
	}
	await closeNodePanel();
	await visible(canvasNode('Perks Trigger'), NAVIGATION_TIMEOUT_MS);
}

async function openNodePanel(name: string): Promise<Locator> {
	await canvasNode(name).dblclick();
	await visible(parameters());
	await visible(ndv().getByText(name, { exact: true }));
	return ndv();
}

async function closeNodePanel(): Promise<void> {
	if (!(await ndv().isVisible())) return;
	await ndv().locator('[data-test-id="ndv-close-button"]').click();
	await ndv().waitFor({ state: 'hidden', timeout: UI_TIMEOUT_MS });
}

/** The node's icon is our package's SVG, loaded: an unknown node type shows a "?" instead. */
async function expectOurIcon(scope: Locator, nodeDir: string): Promise<void> {
	const icon = scope.locator(`img[src*="/icons/n8n-nodes-perks/dist/nodes/${nodeDir}/"]`).first();
	await visible(icon);
	// (Runs in the page; typed loosely because this tsconfig has no DOM library.)
	const loaded = (img: unknown) => {
		const { complete, naturalWidth } = img as { complete: boolean; naturalWidth: number };
		return complete && naturalWidth > 0;
	};
	await waitFor(async () => await icon.evaluate(loaded), {
		what: `the ${nodeDir} icon to load`,
		timeoutMs: UI_TIMEOUT_MS,
	});
}

async function expectKnownNode(panel: Locator): Promise<void> {
	expect(await panel.innerText()).not.toMatch(UNKNOWN_NODE);
}

// ---- set-up ----

beforeAll(async () => {
	if (SKIP_REASON) {
		console.warn(`Skipping the editor test: ${SKIP_REASON}`);
		return;
	}
	if (!existsSync(CHROMIUM_PATH)) {
		throw new Error(
			`No Chromium at ${CHROMIUM_PATH}: the editor test needs it. Run "bash scripts/e2e/install-chromium.sh" ` +
				'(scripts/test.sh does), or set CHROMIUM_PATH to a Chromium binary.',
		);
	}
	await mkdir(SCREENS_DIR, { recursive: true });
	for (const old of await readdir(SCREENS_DIR))
		await rm(path.join(SCREENS_DIR, old), { force: true });

	await Promise.all([perks.start(), slack.start(), graph.start()]);
	slack.addChannel({ id: 'C0PERKS01', name: 'perks' });
	graph.addTeam({ displayName: 'Perks Company', channels: ['General', 'Celebrations'] });
	graph.addTeam({ displayName: 'Engineering', channels: ['General', 'Releases'] });
	n8n = await timed('n8n launch', () =>
		N8nInstance.launch({
			name: 'editor',
			credentials: catalogCredentials({ perks, slack, graph }, [DM, CHANNEL, TEAMS_CHANNEL]),
			workflows: [DM, CHANNEL, TEAMS_CHANNEL],
			// Imported, not published: the editor shows the same panels, and two `n8n publish:workflow`
			// runs (and the webhook registrations) would only add time.
			publish: [],
			env: { N8N_LOG_LEVEL: 'info' },
		}),
	);
	await setUpOwner(n8n, OWNER, 'perks-editor-e2e');

	profileDir = await mkdtemp(path.join(tmpdir(), 'n8n-perks-e2e-chromium-'));
	context = await timed('chromium launch', () =>
		chromium.launchPersistentContext(profileDir, {
			executablePath: CHROMIUM_PATH,
			headless: true,
			args: CHROMIUM_ARGS,
			viewport: { width: 1440, height: 900 },
			timeout: UI_TIMEOUT_MS,
		}),
	);
	context.setDefaultTimeout(UI_TIMEOUT_MS);
	context.setDefaultNavigationTimeout(NAVIGATION_TIMEOUT_MS);
	page = context.pages()[0] ?? (await context.newPage());
	page.on('console', (message) => {
		if (message.type() === 'error')
			consoleErrors.push({ kind: 'console', text: message.text(), url: message.location().url });
	});
	page.on('pageerror', (error) =>
		consoleErrors.push({
			kind: 'pageerror',
			text: `${error.name}: ${error.message}\n${error.stack ?? ''}`,
			url: '',
		}),
	);
	// A "leave without saving?" prompt must not hang a navigation.
	page.on('dialog', (dialog) => void dialog.accept().catch(() => undefined));
}, 420_000);

afterAll(async () => {
	await writeFile(
		path.join(SCREENS_DIR, 'console-errors.txt'),
		consoleErrors.map((e) => `[${e.kind}] ${e.text} ${e.url}`.trim()).join('\n') + '\n',
	).catch(() => undefined);
	if (context) {
		let timer: NodeJS.Timeout | undefined;
		const closed = await Promise.race([
			context.close().then(() => true),
			new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 15_000))),
		]);
		clearTimeout(timer);
		if (!closed) killChromiumUsing(profileDir);
	}
	if (profileDir) await rm(profileDir, { recursive: true, force: true, maxRetries: 3 });
	await n8n?.dispose();
	await Promise.all([perks.stop(), slack.stop(), graph.stop()]);
	process.stdout.write(
		`\n[e2e editor] ${Object.entries(timings)
			.map(([label, ms]) => `${label} ${(ms / 1000).toFixed(1)} s`)
			.join(', ')}; screenshots in ${SCREENS_DIR}\n`,
	);
}, 120_000);

/** Last resort when Chromium does not close: the processes started with our own profile folder. */
function killChromiumUsing(dir: string): void {
	for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
		try {
			if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`--user-data-dir=${dir}`))
				process.kill(Number(pid), 'SIGKILL');
		} catch {
			// Gone, or not ours to read.
		}
	}
}

// ---- the tests ----

describe('the n8n editor in Chromium, with n8n-nodes-perks, the Slack templates and a Teams one', () => {
	uiTest('signs in at /signin with the owner account', async () => {
		await timed('sign-in', async () => {
			await page.goto(`${n8n.baseUrl}/signin`);
			await page.getByLabel('Email').fill(OWNER.email);
			await page.getByLabel('Password').fill(OWNER.password);
			await page.getByRole('button', { name: 'Sign in' }).click();
			await page.waitForURL((url) => !url.pathname.startsWith('/signin'), {
				timeout: NAVIGATION_TIMEOUT_MS,
			});
		});
		expect(new URL(page.url()).pathname).not.toMatch(/signin|setup/);
	});

	uiTest(
		'wallet-funded template: the canvas shows Perks Trigger, Send DM (our icons) and the sticky note',
		async () => {
			await timed('open wallet-funded workflow', () => openWorkflow(DM));
			for (const [name, dir] of [
				['Perks Trigger', 'PerksTrigger'],
				['Send DM', 'PerksSendDm'],
			] as const) {
				await visible(canvasNode(name).getByText(name, { exact: true }));
				await expectOurIcon(canvasNode(name), dir);
				expect(await canvasNode(name).innerText()).not.toMatch(UNKNOWN_NODE);
			}
			// The subtitles our descriptions compute.
			await visible(canvasNode('Perks Trigger').getByText('Wallet Funded', { exact: true }));
			await visible(canvasNode('Send DM').getByText('to email', { exact: true }));
			// The sticky note, rendered as markdown.
			expect(stickyOf(DM)).toContain('Wallet funded → Slack DM');
			await visible(page.getByRole('heading', { name: 'Wallet funded → Slack DM' }));
			await visible(
				page.getByText('Employees whose Slack email differs from their perks email', {
					exact: false,
				}),
			);
			await screenshot('wallet-dm-canvas');
		},
	);

	uiTest(
		"Send DM: its panel shows our parameters, with the template's values, and no unknown-node state",
		async () => {
			await openWorkflow(DM);
			const panel = await timed('open Send DM panel', () => openNodePanel('Send DM'));
			await expectOurIcon(panel, 'PerksSendDm');
			await expectKnownNode(panel);

			await expectLabels(parameters(), [
				'Credential',
				'Recipient',
				'Email',
				'Manual Mappings',
				'Message',
				'Language',
				'Options',
			]);
			await visible(parameters().getByRole('button', { name: 'Add Mapping' }));
			expect(await shownValue('recipientBy')).toBe('By Email');
			expect(await shownValue('messageSource')).toBe('Default for the Perks Event');
			expect(await shownValue('language')).toBe("Employee's Locale");
			// The credential the template references, found by id and shown by name.
			expect(
				await panel.locator('[data-test-id="node-credentials-select"] input').first().inputValue(),
			).toBe('Perks Slack Bot API');
			await visible(parameters().getByText('{{ $json.employeeEmail }}', { exact: true }));
			await screenshot('send-dm-panel');
		},
	);

	/*
	 * n8n's editor hides every parameter that an authentication-related parameter's displayOptions
	 * refer to (editor-ui `getNodeAuthFields`); "Authentication" itself moves into the credential
	 * picker. Our `authentication` has no displayOptions, so "Platform" stays in the panel.
	 */
	uiTest('Send DM: the "Platform" parameter shows (Slack)', async () => {
		await openWorkflow(DM);
		await openNodePanel('Send DM');
		await visible(parameters().getByText('Recipient', { exact: true }));
		expect(await visibleLabels(parameters(), ['Platform'])).toEqual(['Platform']);
		expect(await shownValue('platform')).toBe('Slack');
	});

	uiTest(
		'Perks Trigger: its panel shows "Events" (Wallet Funded) and the production webhook URL',
		async () => {
			await openWorkflow(DM);
			const panel = await timed('open Perks Trigger panel', () => openNodePanel('Perks Trigger'));
			await expectOurIcon(panel, 'PerksTrigger');
			await expectKnownNode(panel);
			await expectLabels(parameters(), ['Credential', 'Events', 'Registration']);
			expect(
				await panel.locator('[data-test-id="node-credentials-select"] input').first().inputValue(),
			).toBe('Perks API');
			await visible(
				panel
					.locator('[data-test-id="parameter-input-events"]')
					.getByText('Wallet Funded', { exact: true }),
			);
			expect(await shownValue('registration')).toBe('Automatic');

			// The URL the perks platform must call: under "Webhook URLs" → "Production URL".
			await panel.getByText('Webhook URLs', { exact: true }).click();
			await panel.getByText('Production URL', { exact: true }).click();
			await visible(panel.getByText(n8n.webhookUrl(webhookIdOf(DM)), { exact: true }));
			await visible(panel.getByText('POST', { exact: true }));

			// Every event the trigger offers, with its description.
			await panel.locator('[data-test-id="parameter-input-events"]').click();
			for (const option of [
				'Wallet Funded',
				'Perk Redeemed',
				'Low Balance Warning',
				'New Perk Added',
			]) {
				await visible(page.getByRole('option', { name: new RegExp(option) }));
			}
			await visible(page.getByText('Points were added to a wallet', { exact: true }));
			await screenshot('perks-trigger-panel');
			await page.keyboard.press('Escape');
		},
	);

	uiTest(
		'new-perk template: Post to Channel shows the "Channel" resource locator, and its list comes from Slack',
		async () => {
			await timed('open new-perk workflow', () => openWorkflow(CHANNEL));
			await visible(canvasNode('Post to Channel').getByText('Post to Channel', { exact: true }));
			await expectOurIcon(canvasNode('Post to Channel'), 'PerksPostToChannel');
			await visible(canvasNode('Perks Trigger').getByText('New Perk Added', { exact: true }));
			await visible(page.getByRole('heading', { name: 'New perk added → Slack channel' }));
			await screenshot('new-perk-canvas');

			const panel = await timed('open Post to Channel panel', () =>
				openNodePanel('Post to Channel'),
			);
			await expectOurIcon(panel, 'PerksPostToChannel');
			await expectKnownNode(panel);
			await expectLabels(parameters(), ['Credential', 'Channel', 'Message', 'Language', 'Options']);
			const locator = panel.locator('[data-test-id="resource-locator-channel"]');
			await visible(locator);
			expect(
				await locator.locator('[data-test-id="rlc-mode-selector"] input').first().inputValue(),
			).toBe('By Name');
			expect(await locator.locator('[data-test-id="rlc-input"]').first().inputValue()).toBe(
				'#perks',
			);
			expect(await shownValue('language')).toBe('English');
			await screenshot('post-to-channel-panel');

			// "From list": the editor asks our searchChannels method, which asks Slack (the emulator).
			const listsBefore = slack.callCount('conversations.list');
			await locator.locator('[data-test-id="rlc-mode-selector"]').click();
			await page.getByRole('option', { name: /from list/i }).click();
			await locator.locator('[data-test-id="rlc-input"]').click();
			await visible(page.getByText('#perks', { exact: true }).filter({ visible: true }));
			expect(slack.callCount('conversations.list')).toBeGreaterThan(listsBefore);
			await screenshot('post-to-channel-channel-list');
			await page.keyboard.press('Escape');
		},
	);

	uiTest('Post to Channel: the canvas subtitle names the channel', async () => {
		await openWorkflow(CHANNEL);
		await visible(canvasNode('Post to Channel').getByText('to #perks', { exact: true }));
	});

	uiTest(
		'new-perk Teams template: Post to Channel shows "Microsoft Teams", and its Team and Channel pickers list Teams\' teams and channels',
		async () => {
			await timed('open Teams new-perk workflow', () => openWorkflow(TEAMS_CHANNEL));
			await visible(page.getByRole('heading', { name: 'New perk added → Teams channel' }));
			const panel = await timed('open Teams Post to Channel panel', () =>
				openNodePanel('Post to Channel'),
			);
			await expectOurIcon(panel, 'PerksPostToChannel');
			await expectKnownNode(panel);
			await expectLabels(parameters(), [
				'Credential for Perks Microsoft Teams OAuth2 API',
				'Platform',
				'Team',
				'Channel',
				'Message',
				'Language',
			]);
			expect(await shownValue('platform')).toBe('Microsoft Teams');
			expect(
				await panel.locator('[data-test-id="node-credentials-select"] input').first().inputValue(),
			).toBe('Perks Microsoft Teams OAuth2 API');
			await screenshot('teams-post-to-channel-panel');

			// The editor asks our searchTeams method, which asks Graph (the emulator) for the account's teams.
			const team = panel.locator('[data-test-id="resource-locator-team"]');
			const teamListsBefore = graph.callCount('GET /me/joinedTeams');
			await team.locator('[data-test-id="rlc-input"]').click();
			for (const name of ['Perks Company', 'Engineering'])
				await visible(page.getByText(name, { exact: true }));
			expect(graph.callCount('GET /me/joinedTeams')).toBeGreaterThan(teamListsBefore);
			await screenshot('teams-team-list');
			await page
				.getByText('Perks Company', { exact: true })
				.filter({ visible: true })
				.first()
				.click();

			// Then the channels of the team picked (searchChannels → /teams/{id}/channels).
			const channel = panel.locator('[data-test-id="resource-locator-channel"]');
			await channel.locator('[data-test-id="rlc-mode-selector"]').click();
			await page.getByRole('option', { name: /from list/i }).click();
			await channel.locator('[data-test-id="rlc-input"]').click();
			for (const name of ['#General', '#Celebrations'])
				await visible(page.getByText(name, { exact: true }));
			expect(
				await page.getByText('#Releases', { exact: true }).filter({ visible: true }).count(),
			).toBe(0);
			expect(graph.callCount('GET /teams/{id}/channels')).toBeGreaterThan(0);
			await screenshot('teams-channel-list');
			await page.keyboard.press('Escape');
		},
	);

	it('the browser console has no errors about our nodes or the perks platform', async () => {
		const aboutUs = consoleErrors.filter((e) => ABOUT_US.test(`${e.text} ${e.url}`));
		const unexpected = aboutUs.filter(
			(e) => !KNOWN_CONSOLE_ERRORS.some((known) => known.pattern.test(`${e.text} ${e.url}`)),
		);
		expect(unexpected).toEqual([]);
		// Uncaught exceptions in the page are never fine when they come from our code paths.
		expect(consoleErrors.filter((e) => e.kind === 'pageerror' && ABOUT_US.test(e.text))).toEqual(
			[],
		);
		// The screenshots a person can look at.
		const screens = (await readdir(SCREENS_DIR)).filter(
			(f) => f.endsWith('.png') && !f.startsWith('failure-'),
		);
		expect(screens).toEqual(
			expect.arrayContaining([
				'send-dm-panel.png',
				'perks-trigger-panel.png',
				'post-to-channel-panel.png',
				'teams-post-to-channel-panel.png',
				'teams-channel-list.png',
			]),
		);
		expect((await readFile(path.join(SCREENS_DIR, 'send-dm-panel.png'))).length).toBeGreaterThan(
			10_000,
		);
	});
});
