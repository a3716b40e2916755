/**
 * "Sync users": the whole perks directory joined with the whole chat directory in memory,
 * from bulk listings only, so 10,000 employees cost tens of calls, not thousands.
 */
import type { IDataObject } from 'n8n-workflow';

import type { ChatUser } from '../chat/ChatPlatform';
import type { Employee } from '../perks/contract';
import { isEmail, normalizeEmail } from './email';

export type UnmatchedReason =
	| 'not_in_chat'
	| 'deactivated_in_chat'
	| 'bot_account'
	| 'duplicate_email'
	| 'inactive_in_perks'
	| 'mapped_user_not_found';

export const UNMATCHED_REASON_TEXT: Record<UnmatchedReason, string> = {
	not_in_chat: 'No chat account has this email. The emails may differ: add a manual mapping.',
	deactivated_in_chat: 'The chat account with this email is deactivated.',
	bot_account: 'The only account with this email is a bot or app.',
	duplicate_email:
		'Several perks employees, or several active chat accounts, share this email: fix the duplicate, or map each employee by chat user ID.',
	inactive_in_perks: 'The employee is inactive on the perks platform.',
	mapped_user_not_found: 'The manual mapping points at a chat account that does not exist.',
};

export interface SyncRow extends IDataObject {
	kind: 'employee';
	employeeId: string;
	employeeEmail: string;
	employeeName: string;
	matched: boolean;
	matchedBy?: 'email' | 'manual_mapping';
	chatUserId?: string;
	chatUserName?: string;
	reason?: UnmatchedReason;
	reasonText?: string;
}

export interface SyncSummary extends IDataObject {
	kind: 'summary';
	employees: number;
	matched: number;
	unmatched: number;
	byReason: Record<UnmatchedReason, number>;
}

interface Candidates {
	active: ChatUser[];
	deactivated: ChatUser[];
	bots: ChatUser[];
}

export class ChatDirectory {
	private readonly byEmail = new Map<string, Candidates>();
	private readonly byId = new Map<string, ChatUser>();

	add(users: ChatUser[]): void {
		for (const user of users) {
			this.byId.set(user.id, user);
			// Every address the account is known by (aliases too), each once; an external account's or an
			// unconfirmed one proves nothing, so it neither matches nor makes an address look shared.
			const claimOnly = user.external || user.emailConfirmed === false;
			const addresses = new Set(
				claimOnly ? [] : (user.emails ?? (user.email ? [user.email] : [])).map(normalizeEmail),
			);
			for (const key of addresses) {
				const entry = this.byEmail.get(key) ?? { active: [], deactivated: [], bots: [] };
				if (user.isBot) entry.bots.push(user);
				else if (!user.active) entry.deactivated.push(user);
				else entry.active.push(user);
				this.byEmail.set(key, entry);
			}
		}
	}

	/** The accounts known by a normalized address, split by kind. */
	candidates(normalizedEmail: string): Readonly<Candidates> | undefined {
		return this.byEmail.get(normalizedEmail);
	}

	match(employee: Employee, mappings: Map<string, string>, sharedEmail = false): SyncRow {
		const row: SyncRow = {
			kind: 'employee',
			employeeId: employee.id,
			employeeEmail: employee.email,
			employeeName: employee.name,
			matched: false,
		};
		if (!employee.active) return unmatched(row, 'inactive_in_perks');
		if (sharedEmail) return unmatched(row, 'duplicate_email');
		const mapped = mappings.get(normalizeEmail(employee.email));
		if (mapped && !isEmail(mapped)) {
			const user = this.byId.get(mapped);
			if (!user) return unmatched(row, 'mapped_user_not_found');
			if (user.isBot) return unmatched(row, 'bot_account');
			if (!user.active) return unmatched(row, 'deactivated_in_chat');
			return matched(row, user, 'manual_mapping');
		}
		const entry = this.byEmail.get(normalizeEmail(mapped ?? employee.email));
		if (!entry) return unmatched(row, 'not_in_chat');
		if (entry.active.length > 1) return unmatched(row, 'duplicate_email');
		if (entry.active.length === 1)
			return matched(row, entry.active[0], mapped ? 'manual_mapping' : 'email');
		return unmatched(row, entry.deactivated.length ? 'deactivated_in_chat' : 'bot_account');
	}
}

/** Matches every employee; an email two employees share matches neither (a DM could reach the wrong person). */
export function matchAll(
	employees: Employee[],
	directory: ChatDirectory,
	mappings: Map<string, string>,
): SyncRow[] {
	const perEmail = new Map<string, number>();
	for (const { email } of employees)
		perEmail.set(normalizeEmail(email), (perEmail.get(normalizeEmail(email)) ?? 0) + 1);
	return employees.map((employee) => {
		const sharedEmail = (perEmail.get(normalizeEmail(employee.email)) ?? 0) > 1;
		return directory.match(employee, mappings, sharedEmail);
	});
}

function matched(row: SyncRow, user: ChatUser, by: 'email' | 'manual_mapping'): SyncRow {
	return {
		...row,
		matched: true,
		matchedBy: by,
		chatUserId: user.id,
		chatUserName: user.realName || user.name,
	};
}

function unmatched(row: SyncRow, reason: UnmatchedReason): SyncRow {
	return { ...row, reason, reasonText: UNMATCHED_REASON_TEXT[reason] };
}

export function summarize(rows: SyncRow[]): SyncSummary {
	const byReason = Object.fromEntries(
		Object.keys(UNMATCHED_REASON_TEXT).map((reason) => [reason, 0]),
	) as Record<UnmatchedReason, number>;
	let matchedCount = 0;
	for (const row of rows) {
		if (row.matched) matchedCount++;
		else if (row.reason) byReason[row.reason]++;
	}
	return {
		kind: 'summary',
		employees: rows.length,
		matched: matchedCount,
		unmatched: rows.length - matchedCount,
		byReason,
	};
}
