/**
 * "Find Asker": the question item plus the asker's perks email, for the rest of the workflow (an
 * AI Agent's Balance Lookup tool), so the workflow fixes whose balance is read, never a model.
 */
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import type { ChatPlatform } from '../../shared/chat/ChatPlatform';
import type { PerksClient } from '../../shared/perks/client';
import { askerMatch, itemQuestion } from '../helpers/question';

/** The question item, plus the asker's perks email (null when unmapped), whether they are mapped, and why not. */
export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	platform: ChatPlatform,
	perks: PerksClient,
): Promise<IDataObject> {
	const { item, question } = itemQuestion(this, itemIndex, platform);
	const match = await askerMatch(this, itemIndex, platform, perks, question.askerId);
	if (match.employee) return { ...item, askerEmail: match.employee.email, askerMapped: true };
	return { ...item, askerEmail: null, askerMapped: false, askerUnidentified: match.unidentified };
}
