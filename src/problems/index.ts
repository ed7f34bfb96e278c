export { CODES, isCode, type Code } from './codes.ts';
export { TagpilotError, errorCode, CancelledError, throwIfCancelled } from './error.ts';
export { fileProblem, problemFrom, type Problem } from './problem.ts';
