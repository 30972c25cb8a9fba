import { altur } from './altur/index.js';
import { auralytik } from './auralytik/index.js';
import type { ProviderModule } from './provider.js';

/** Every provider the gateway can talk to. Adding one is a folder beside these and a line here. */
export const PROVIDER_MODULES: readonly ProviderModule[] = [altur, auralytik];
