export type { Citation, Explained, Step, Warning } from './engine/answer.ts';
export { KnowledgeSnapshot } from './engine/snapshot.ts';
export * as schema from './schema.ts';
export { createKnowledgeService, type KnowledgeService, validateKnowledgeDirectory } from './service.ts';
