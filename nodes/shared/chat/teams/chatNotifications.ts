/**
 * Graph change notifications as they reach Perks Chat Trigger, free of n8n: the body's shape,
 * the clientState check (every notification in a batch must carry ours) and message HTML as text.
 */
import { timingSafeEqual } from 'node:crypto';

import { replaceSpans, tagNamed, tags } from '../markupScan';

export interface GraphNotification {
	subscriptionId?: string;
	clientState?: string | null;
	changeType?: string;
	resource?: string;
	resourceData?: { id?: string };
	/** `reauthorizationRequired`, `subscriptionRemoved` or `missed` on lifecycle notifications. */
	lifecycleEvent?: string;
}

/** The notifications in a body, or undefined when it is not `{ value: [...] }`. */
export function parseNotifications(rawBody: Buffer | undefined): GraphNotification[] | undefined {
	try {
		const body = JSON.parse((rawBody ?? Buffer.alloc(0)).toString('utf8')) as { value?: unknown };
		if (!Array.isArray(body.value) || body.value.length === 0) return undefined;
		return body.value.filter((v): v is GraphNotification => typeof v === 'object' && v !== null);
	} catch {
		return undefined;
	}
}

/** True only when a clientState is stored and every notification carries exactly it (constant-time). */
export function clientStateMatches(
	expected: string | undefined,
	notifications: GraphNotification[],
): boolean {
	if (!expected) return false;
	const want = Buffer.from(expected);
	return notifications.every((n) => {
		const given = Buffer.from(typeof n.clientState === 'string' ? n.clientState : '');
		return given.length === want.length && timingSafeEqual(given, want);
	});
}

const ENTITIES: Record<string, string> = {
	amp: '&',
	lt: '<',
	gt: '>',
	quot: '"',
	apos: "'",
	nbsp: ' ',
};

/** Tags that end a line. */
const BREAK_TAG = tagNamed('br', '/p', '/div');

/** A Teams message body (HTML) as plain text: tags dropped, entities decoded, whitespace collapsed. */
export function htmlToText(html: string): string {
	const breaks = replaceSpans(html, tags({ name: BREAK_TAG }), ' ');
	return replaceSpans(breaks, tags(), '')
		.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
			if (name[0] === '#') {
				const code =
					name[1].toLowerCase() === 'x' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
				return Number.isFinite(code) ? String.fromCodePoint(code) : whole;
			}
			return ENTITIES[name.toLowerCase()] ?? whole;
		})
		.replace(/\s+/g, ' ')
		.trim();
}
