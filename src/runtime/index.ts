export { automationOf, type Automation } from './automation.ts';
export { logCycle, logReporter, problemCounts, type CycleOutcome, type CycleSummary, type Reporter } from './report.ts';
export { newStatus, runOnce, runOnSchedule, type AutomationStatus, type RunOptions, type ScheduleOptions } from './schedule.ts';
export { shutdownSignals, type Shutdown, type SignalSource } from './signals.ts';
