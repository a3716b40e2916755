// Draws the Perks Teams app's two icons as PNGs with no dependencies (zlib's deflate and CRC-32):
// color.png, 192×192, a white coin with a "P" on the app's accent colour; outline.png, 32×32, the
// same coin in white on transparency, as Teams asks for its outline icon.
// Usage: node scripts/teams-app-icons.mjs [folder]   (default docs/teams-app)
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { crc32, deflateSync } from 'node:zlib';

const ACCENT = [0x4b, 0x53, 0xbc, 0xff];
const WHITE = [0xff, 0xff, 0xff, 0xff];
const CLEAR = [0, 0, 0, 0];

function chunk(type, data) {
	const head = Buffer.alloc(8);
	head.writeUInt32BE(data.length, 0);
	head.write(type, 4, 'ascii');
	const crc = Buffer.alloc(4);
	crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
	return Buffer.concat([head, data, crc]);
}

function png(size, pixel) {
	const header = Buffer.alloc(13);
	header.writeUInt32BE(size, 0);
	header.writeUInt32BE(size, 4);
	header.set([8, 6, 0, 0, 0], 8); // 8 bits, RGBA, deflate, no filter method, no interlace
	const rows = Buffer.alloc(size * (size * 4 + 1));
	for (let y = 0; y < size; y++) {
		const row = y * (size * 4 + 1);
		rows[row] = 0; // filter: none
		for (let x = 0; x < size; x++) rows.set(pixel(x, y), row + 1 + x * 4);
	}
	return Buffer.concat([
		Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
		chunk('IHDR', header),
		chunk('IDAT', deflateSync(rows)),
		chunk('IEND', Buffer.alloc(0)),
	]);
}

/** A coin (ring) with a "P" inside, in a unit square: true where the mark is. */
function mark(u, v) {
	const dx = u - 0.5;
	const dy = v - 0.5;
	const r = Math.hypot(dx, dy);
	if (r <= 0.44 && r >= 0.36) return true;
	const stem = u >= 0.37 && u <= 0.45 && v >= 0.27 && v <= 0.73;
	const bowl = Math.hypot(u - 0.5, v - 0.4);
	const loop = u >= 0.41 && bowl <= 0.14 && bowl >= 0.07;
	const bars = u >= 0.41 && u <= 0.5 && ((v >= 0.26 && v <= 0.33) || (v >= 0.47 && v <= 0.54));
	return stem || loop || bars;
}

const folder = process.argv[2] ?? path.join('docs', 'teams-app');
writeFileSync(
	path.join(folder, 'color.png'),
	png(192, (x, y) => (mark((x + 0.5) / 192, (y + 0.5) / 192) ? WHITE : ACCENT)),
);
writeFileSync(
	path.join(folder, 'outline.png'),
	png(32, (x, y) => (mark((x + 0.5) / 32, (y + 0.5) / 32) ? WHITE : CLEAR)),
);
