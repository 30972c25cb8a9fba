import type { ProviderConfig } from '../config.js';
import { registerProviderLabel } from '../errors.js';
import { altur } from './altur/index.js';
import { auralytik } from './auralytik/index.js';
import type { ProviderClient, ProviderDependencies, ProviderModule } from './provider.js';

/** Every provider the gateway can talk to. Adding one is a folder beside these and a line here. */
export const PROVIDER_MODULES: readonly ProviderModule[] = [altur, auralytik];

for (const module of PROVIDER_MODULES) registerProviderLabel(module.provider, module.label);

/** One client per configured provider, in registry order (the order of streams, and so of cursors). */
export function createProviderClients(
  configs: readonly ProviderConfig[],
  dependencies: ProviderDependencies,
  modules: readonly ProviderModule[] = PROVIDER_MODULES,
): ProviderClient[] {
  return modules.flatMap((module) => {
    registerProviderLabel(module.provider, module.label);
    const config = configs.find((candidate) => candidate.provider === module.provider);
    return config === undefined ? [] : [module.createClient(config, dependencies)];
  });
}
