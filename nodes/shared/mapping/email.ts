/**
 * How emails compare, with no chat or directory behind it: the recipient lookup, the directory
 * and its sync all use it, so it sits below them.
 */
import { asciiDomain } from '../perks/contract';

/** The form emails are compared in: trimmed, case-insensitive, an IDN domain in punycode. */
export function normalizeEmail(email: string): string {
	const trimmed = email.trim().normalize('NFC').toLowerCase();
	const at = trimmed.lastIndexOf('@');
	if (at < 0) return trimmed;
	const domain = trimmed.slice(at + 1);
	return `${trimmed.slice(0, at)}@${asciiDomain(domain) || domain}`;
}

export function isEmail(value: string): boolean {
	return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value.trim());
}
