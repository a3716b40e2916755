/**
 * OutgoingMessage → a Bot Framework message activity: the same HTML and Adaptive Cards the Graph
 * adapter sends (message.ts renders and checks Teams' limits), as `text` with `textFormat: xml`
 * and card attachments as objects (the Connector takes them unserialised).
 */
import type { OutgoingMessage } from '../../ChatPlatform';
import { toGraphMessage } from '../message';

export interface BotActivity {
	type: 'message';
	textFormat: 'xml';
	text?: string;
	attachments?: Array<{ contentType: string; content: unknown }>;
	[key: string]: unknown;
}

export function toBotActivity(message: OutgoingMessage, tag?: string): BotActivity {
	const payload = toGraphMessage(message, tag);
	const text = markdownInert(
		payload.body.content.replace(/<attachment id="[^"]*"><\/attachment>/g, ''),
	);
	return {
		type: 'message',
		textFormat: 'xml',
		...(text ? { text } : {}),
		...(payload.attachments
			? {
					attachments: payload.attachments.map((a) => ({
						contentType: a.contentType,
						content: JSON.parse(a.content) as unknown,
					})),
				}
			: {}),
	};
}

/**
 * The escaped HTML with every character Markdown reads, outside tags, as a numeric entity: Teams
 * may read a bot's text as Markdown, and data (a perk's name) must stay literal there too.
 * Entities already in the text are kept whole.
 */
export function markdownInert(html: string): string {
	return html
		.split(/(<[^>]*>)/)
		.map((part, index) =>
			index % 2 === 1
				? part
				: part.replace(/&(?:#\d+|#x[0-9a-f]+|[a-z]+);|[*_~`[\]()#|\\!]/gi, (match) =>
						match.length > 1 ? match : `&#${match.charCodeAt(0)};`,
					),
		)
		.join('');
}
