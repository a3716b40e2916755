/** The in-process tier loads dist/: build it first when the sources are newer. */
import { ensureFreshBuild } from '../../harness/freshBuild';

export default function globalSetup(): void {
	ensureFreshBuild();
}
