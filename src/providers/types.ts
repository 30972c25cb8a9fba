export type { ItemIssue } from '../domain/itemIssue.js';
