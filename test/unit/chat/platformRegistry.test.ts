/**
 * What every registered platform promises the neutral code, checked through the registry so a
 * new platform folder is held to it without a test of its own: a default message always fits
 * its limits, an over-long one is refused before any call under the one shared name, and its
 * rich content field belongs to it alone.
 */
import { CHAT_ERROR_CODES } from '../../../nodes/shared/chat/errors';
import { PLATFORMS } from '../../../nodes/shared/chat/platforms';
import { MessageLimitError } from '../../../nodes/shared/messages/errors';
import { buildEventMessage } from '../../../nodes/shared/messages/eventMessages';
import { PERKS_EVENT_TYPES } from '../../../nodes/shared/perks/contract';
import { items } from '../messages/fixtures';

const hostile = {
	employeeName: `Maria ${'de los Ángeles & <@U123> *bold* '.repeat(300)}`,
	perkName: `<!channel> ${'👨‍👩‍👧‍👦'.repeat(400)}`,
	perkDescription: '<script>alert(1)</script> & ~strike~ `code` '.repeat(900),
	perkCategory: 'Wellness & <care> '.repeat(300),
	redemptionId: `red_${'9'.repeat(5_000)}`,
};

describe.each(PLATFORMS.map((entry) => [entry.name, entry] as const))('platform %s', (_, entry) => {
	it('renders every default message with long, hostile fields within its own limits', () => {
		for (const type of PERKS_EVENT_TYPES) {
			for (const audience of ['personal', 'channel'] as const) {
				const doc = buildEventMessage({ ...items[type], ...hostile }, audience, 'en');
				const message = { text: doc.fallbackText, doc };
				expect(() => entry.renderer.validate(message)).not.toThrow();
				expect(JSON.stringify(entry.renderer.render(message)).length).toBeGreaterThan(100);
			}
		}
	});

	it('refuses custom text over its limit before any call, as message_too_long', () => {
		let caught: unknown;
		try {
			entry.renderer.validate({ text: 'x'.repeat(200_000) });
		} catch (error) {
			caught = error;
		}
		expect(caught).toBeInstanceOf(MessageLimitError);
		expect((caught as MessageLimitError).code).toBe('message_too_long');
		expect(CHAT_ERROR_CODES).toContain((caught as MessageLimitError).code);
		expect((caught as MessageLimitError).fix).toMatch(/\S/);
	});

	it('passes a short custom text', () => {
		expect(() => entry.renderer.validate({ text: 'Hi Ada, you have 1,370 points' })).not.toThrow();
	});

	it('shows its rich content field for itself only, and reads an empty one as none', () => {
		expect(entry.nativeProperty.displayOptions?.show?.platform).toEqual([entry.name]);
		expect(entry.parseNative('')).toEqual([]);
		const others = PLATFORMS.filter((other) => other !== entry);
		for (const other of others)
			expect(other.nativeProperty.name).not.toBe(entry.nativeProperty.name);
	});
});
