export { StatusBoard, MAX_HISTORY, type BoardOptions, type TrackedAutomation } from './board.ts';
export { statusHandler, type StatusHandler, type StatusHandlerOptions } from './handler.ts';
export { STATUS_DOCUMENT, statusDocument, type StatusDocument } from './api.ts';
export { commitLink, holdKind, statusView, slotStatus, type SlotStatus, type StatusView } from './view.ts';
export { renderMain } from './page.ts';
export type { AutomationSnapshot, CycleRecord, CycleResult, StatusSnapshot, StatusSource } from './snapshot.ts';
