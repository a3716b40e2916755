/**
 * The mention scanners of the registered platforms (PlatformEntry.mentions), which chat/intent.ts
 * cuts from every question whatever its source. The registry (platforms.ts) adds them here, so
 * this file and intent.ts need not import it (the platforms' question code imports intent.ts).
 */
import type { MarkupFinder } from './markupScan';

export interface MentionScanner {
	find: MarkupFinder;
	/**
	 * The mention encloses its label (`<at>name</at>`): it is cut before mentions that do not,
	 * whose `>` could otherwise end inside it.
	 */
	encloses?: boolean;
}

const scanners: MentionScanner[] = [];

export function addMentionScanner(scanner: MentionScanner): void {
	scanners.push(scanner);
}

/** Enclosing mentions first, then the others, each in the order the platforms were registered. */
export function mentionFinders(): MarkupFinder[] {
	return [
		...scanners.filter((scanner) => scanner.encloses),
		...scanners.filter((scanner) => !scanner.encloses),
	].map((scanner) => scanner.find);
}
