export { type CaseRecord, type Cases, createCases } from './cases.ts';
