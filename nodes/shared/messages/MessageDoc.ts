/**
 * A message as content, not layout: each perks event's message is written once as a MessageDoc
 * and each platform folder renders it in its own layout, so the wording and the
 * fields never drift between platforms. Every string here is plain text, shown literally; only
 * the body's Markdown carries markup, and only from our own wording (see markdown.ts).
 */
import type { Markdown } from './markdown';

export interface MessageField {
	label: string;
	value: string;
}

export interface MessageDoc {
	/** Plain text for notifications, screen readers and clients without rich layout. */
	fallbackText: string;
	/** A short bold heading; renderers shorten it to their platform's heading limit. */
	title: string;
	/** Paragraphs: our *bold* and <url|label> links, data as literal text (built with `md`). */
	body: Markdown[];
	fields?: MessageField[];
	image?: { url: string; altText: string };
	button?: { label: string; url: string };
	/**
	 * A "Show my balance" button the chat platform answers (Slack interactivity, a Teams bot's
	 * Action.Submit). Only an adapter that can bind it to the DM's recipient shows it.
	 */
	showBalance?: { label: string };
	/** Small print under the message, e.g. "Balance updated for 2026-11". */
	context?: string;
}

/** Who reads the message: the employee in a DM, or everyone in a channel. */
export type Audience = 'personal' | 'channel';
