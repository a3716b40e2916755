/**
 * n8n's deduplication store (what `this.helpers.checkProcessedAndRecord` talks to), kept in
 * memory for tests. In n8n it lives in the database; its semantics for `entries` mode are the
 * same: keys are scoped per workflow, or per node with scope 'node'.
 */
import type {
	DeduplicationItemTypes,
	DeduplicationScope,
	ICheckProcessedContextData,
	ICheckProcessedOptions,
	IDataDeduplicator,
	IDeduplicationOutput,
} from 'n8n-workflow';

export class MemoryDeduplicator implements IDataDeduplicator {
	private readonly stores = new Map<string, string[]>();

	private key(scope: DeduplicationScope, context: ICheckProcessedContextData): string {
		const workflowId = context.workflow.id;
		return scope === 'node' ? `${workflowId}:${context.node?.id ?? context.node?.name}` : workflowId;
	}

	async checkProcessedAndRecord(
		items: DeduplicationItemTypes[],
		scope: DeduplicationScope,
		context: ICheckProcessedContextData,
		options: ICheckProcessedOptions,
	): Promise<IDeduplicationOutput> {
		const store = this.stores.get(this.key(scope, context)) ?? [];
		const result: IDeduplicationOutput = { new: [], processed: [] };
		for (const item of items) {
			const value = String(item);
			if (store.includes(value)) result.processed.push(item);
			else {
				result.new.push(item);
				store.push(value);
			}
		}
		if (options.maxEntries) store.splice(0, Math.max(0, store.length - options.maxEntries));
		this.stores.set(this.key(scope, context), store);
		return result;
	}

	async removeProcessed(
		items: DeduplicationItemTypes[],
		scope: DeduplicationScope,
		context: ICheckProcessedContextData,
	): Promise<void> {
		const remove = new Set(items.map(String));
		const key = this.key(scope, context);
		this.stores.set(key, (this.stores.get(key) ?? []).filter((value) => !remove.has(value)));
	}

	async clearAllProcessedItems(scope: DeduplicationScope, context: ICheckProcessedContextData) {
		this.stores.delete(this.key(scope, context));
	}

	async getProcessedDataCount(scope: DeduplicationScope, context: ICheckProcessedContextData) {
		return this.stores.get(this.key(scope, context))?.length ?? 0;
	}

	reset(): void {
		this.stores.clear();
	}
}
