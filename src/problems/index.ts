export { CODES, HOLD_CODES, isCode, type Code } from './codes.ts';
export { TagpilotError, errorCode, CancelledError, throwIfCancelled } from './error.ts';
export { fileNotice, fileProblem, problemFrom, type Notice, type Problem } from './problem.ts';
