export { DEFAULT_TEMPLATES, dedupeKey, NOTIFY_KINDS, payload, render, signature, type Channel, type NotifyEvent, type NotifyKind } from './message.ts';
export { Notifier, NotifyError, type NotifierOptions, type Route } from './notifier.ts';
export { notifyEvents, notifyReporter, revertEvents, verificationEvent, type RevertLike, type VerificationLike } from './events.ts';
