import type { ProviderModule } from '../../src/providers/provider.js';
import { PROVIDER_MODULES } from '../../src/providers/registry.js';
import { nimbus } from './nimbus/index.js';

/** The product's providers and the tests' own: adding Nimbus is this line and its folder, nothing in src/. */
export const TEST_PROVIDER_MODULES: readonly ProviderModule[] = [...PROVIDER_MODULES, nimbus];
