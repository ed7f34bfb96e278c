export { gitRepositoryKey } from './hints.ts';
export { createWebhookHandler, type WebhookHandler, type WebhookHandlerOptions, type WebhookObserver } from './handler.ts';
export { readWebhook } from './read.ts';
export { checkReceivers, DEFAULT_MAX_BODY, MAX_BODY, MIN_SECRET_LENGTH } from './receivers.ts';
export { GIT_KINDS, REGISTRY_KINDS, type GitKind, type GitPush, type Hint, type Receiver, type ReceiverKind, type RegistryKind, type RepositoryPush, type WebhookRequest, type WebhookSink } from './types.ts';
