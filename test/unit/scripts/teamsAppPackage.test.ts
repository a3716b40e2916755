/** scripts/teams-app-package.sh and scripts/teams-app-icons.mjs: the Teams app package an admin uploads. */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { PACKAGE_ROOT } from '../../../harness/packageRoot';

const run = promisify(execFile);
const SCRIPT = path.join(PACKAGE_ROOT, 'scripts', 'teams-app-package.sh');
const BOT_ID = '0F8FAD5B-D9CB-469F-A165-70867728950E';

let dir: string;
beforeEach(async () => {
	dir = await mkdtemp(path.join(tmpdir(), 'teams-app-'));
});
afterEach(async () => {
	await rm(dir, { recursive: true, force: true });
});

const listing = async (zip: string) =>
	(await run('unzip', ['-Z1', zip])).stdout.trim().split('\n').sort();
const entry = async (zip: string, name: string) =>
	(await run('unzip', ['-p', zip, name], { encoding: 'buffer', maxBuffer: 1 << 20 })).stdout;

function pngSize(png: Buffer): [number, number] {
	expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
	return [png.readUInt32BE(16), png.readUInt32BE(20)];
}

describe('the Teams app package', () => {
	it('zips the manifest with the bot id filled in and both icons at the root', async () => {
		const zip = path.join(dir, 'perks.zip');
		await run('bash', [SCRIPT, BOT_ID, zip]);
		expect(await listing(zip)).toEqual(['color.png', 'manifest.json', 'outline.png']);
		const manifest = JSON.parse((await entry(zip, 'manifest.json')).toString('utf8'));
		expect(manifest.id).toBe(BOT_ID.toLowerCase());
		expect(manifest.bots[0].botId).toBe(BOT_ID.toLowerCase());
		expect(manifest.bots[0].scopes).toEqual(['personal', 'team', 'groupChat']);
		const commands = manifest.bots[0].commandLists[0].commands as Array<{ title: string }>;
		expect(commands.map((c) => c.title)).toEqual(['balance', 'help']);
		expect(JSON.stringify(manifest)).not.toContain('{{');
		expect(pngSize(await entry(zip, 'color.png'))).toEqual([192, 192]);
		expect(pngSize(await entry(zip, 'outline.png'))).toEqual([32, 32]);
	});

	it('refuses anything but a GUID as the bot id, and writes nothing', async () => {
		const zip = path.join(dir, 'bad.zip');
		await expect(run('bash', [SCRIPT, 'x/g; s/.*/evil/', zip])).rejects.toMatchObject({ code: 2 });
		expect(existsSync(zip)).toBe(false);
	});

	it('the committed icons are what the icon script draws', async () => {
		await run(process.execPath, [path.join(PACKAGE_ROOT, 'scripts', 'teams-app-icons.mjs'), dir]);
		for (const icon of ['color.png', 'outline.png'])
			expect(readFileSync(path.join(dir, icon))).toEqual(
				readFileSync(path.join(PACKAGE_ROOT, 'docs', 'teams-app', icon)),
			);
	});
});
