export { StatusBoard, HISTORY_COMMITS, MAX_HISTORY, type BoardOptions, type TrackedAutomation } from './board.ts';
export { statusHandler, type StatusHandler, type StatusHandlerOptions } from './handler.ts';
export { STATUS_DOCUMENT, statusDocument, type StatusDocument } from './api.ts';
export { commitLink, commitUrlOf, holdKind, operationVerb, statusView, slotStatus, type SlotStatus, type StatusView } from './view.ts';
export { renderMain } from './page.ts';
export type { AutomationSnapshot, CycleRecord, CycleResult, RegistrySnapshot, StatusSnapshot, StatusSource, VerificationRecord } from './snapshot.ts';
export { authCheck, MAX_IDENTITY, type AuthDecision, type ProxyAuth } from './auth.ts';
export { RecordedVerifications, type LookupResult, type RecordedOptions, type RecordedOutcome, type RecordedState, type Shipped, type VerificationLookup } from './recorded.ts';
