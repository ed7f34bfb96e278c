export { TagpilotError, errorCode } from './error.ts';
