export { connect, WORKLOAD_KINDS, type ConnectOptions, type KubeClient, type KubeEvent, type Lease, type ObjectRef, type SecretData, type Workload } from './client.ts';
export { MemoryCounters, type Counters, type Log } from './counters.ts';
export { KubeError, isKubeCode, type KubeCode } from './errors.ts';
export { DEFAULT_LEASE_DURATION_MS, LeaseCoordinator, type LeaseOptions } from './leases.ts';
export { SecretStore } from './secrets.ts';
export { cycleEvents, parseWorkloadId, REASONS, type EventSpec, type OutcomeLike, type Reason, type WorkloadId } from './cycle-events.ts';
export { EventRecorder, type EventRecorderOptions } from './events.ts';
export { PullSecrets, type PullAuths, type PullSecretOptions } from './pull-secrets.ts';
export { githubPush, nudge, repositoryUrls, type NudgeOptions, type NudgeTarget, type Push } from './nudge.ts';
