import {
	clientStateMatches,
	htmlToText,
	parseNotifications,
} from '../../../nodes/shared/chat/teams/chatNotifications';

describe('Teams chat notifications', () => {
	it('turns a Teams message body into the text people typed', () => {
		expect(htmlToText('<p>¿Cuántos&nbsp;puntos tengo?</p>')).toBe('¿Cuántos puntos tengo?');
		expect(htmlToText('<div><p>how many</p><p>points &amp; perks&#63;</p></div>')).toBe(
			'how many points & perks?',
		);
		expect(htmlToText('quanti<br>punti <span style="x">ho</span>&#x3F;')).toBe('quanti punti ho?');
		expect(htmlToText('&unknown; &lt;b&gt;')).toBe('&unknown; <b>');
	});

	it('accepts a batch only when every notification carries the stored clientState', () => {
		const good = { clientState: 'secret-state' };
		expect(clientStateMatches('secret-state', [good, good])).toBe(true);
		expect(clientStateMatches('secret-state', [good, { clientState: 'secret-statf' }])).toBe(false);
		expect(clientStateMatches('secret-state', [{ clientState: null }])).toBe(false);
		expect(clientStateMatches(undefined, [{ clientState: '' }])).toBe(false);
	});

	it('reads only {"value": [...]} bodies', () => {
		expect(parseNotifications(Buffer.from('{"value":[{"changeType":"created"}]}'))).toEqual([
			{ changeType: 'created' },
		]);
		for (const body of ['', 'not json', '{"value":[]}', '{"value":{}}', '[]']) {
			expect(parseNotifications(Buffer.from(body))).toBeUndefined();
		}
	});
});
