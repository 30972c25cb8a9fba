import type { Provider } from './campaign.js';

/** One provider item that was skipped because it failed validation; the rest of its page still maps. */
export interface ItemIssue {
  provider: Provider;
  providerId: string | null;
  field: string;
  message: string;
}
