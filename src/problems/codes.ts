/**
 * Every stable code a problem or an error carries, with what it means. Events, metrics and the
 * status page key on these, so a code is never renamed or reused; docs/problems.md lists them
 * all (a test checks it does).
 */
export const CODES = {
  // Registries
  'registry-request-failed': 'an exchange with a registry failed in any other way (5xx after retries, a malformed answer, a refused token)',
  'registry-unreachable': 'the registry could not be reached (connection refused, reset, DNS), after retries',
  'registry-timeout': 'a request to the registry timed out, after retries',
  'rate-limited': 'the registry answered 429 and asks to wait longer than tagpilot waits',
  'registry-auth-failed': 'the registry refused the credentials (401, 403)',
  'repository-not-found': 'the registry has no such repository (404)',
  'credentials-unavailable': 'the credentials for a registry could not be read (a credential helper failed)',
  'cloud-auth-failed': 'a cloud registry token (ECR, GAR, ACR) could not be had',
  'credential-redirect': 'a request carrying a credential was redirected to another origin: refused, never followed',
  'pagination-limit': 'a tag list is longer than its bound in pages or tags',
  'listing-deadline': 'a tag listing did not finish within its time bound (listTimeout)',
  'registry-deadline': "no answer within the registry phase of the cycle; the repository's slots wait for the next cycle",
  'response-too-large': 'an answer was larger than its bound',
  'tls-failed': 'the TLS handshake failed (unknown CA, bad certificate)',
  'plain-http-refused': 'plain HTTP to a registry the config does not mark insecure',
  'digest-missing': 'the registry gave no digest for a tag, and the slot pins one',
  'signature-policy-unknown': 'a slot names a signature policy the config does not have',
  'signature-check-failed': 'the signatures of an image could not be read or checked',
  'signature-missing': 'no candidate the policy allows has a valid signature; the slot is kept as it is',
  // Repository content
  'file-too-large': 'a file is larger than the per-file bound (git.maxFileSize); skipped, never read',
  'cycle-bytes-limit': 'a file would take the bytes read this cycle past their bound (git.maxCycleSize); skipped',
  'path-matches-nothing': 'a git.paths entry holds no manifest file at the head read',
  'file-binary': 'a file is binary; skipped',
  'file-not-utf8': 'a file is not UTF-8 text; skipped',
  'path-invalid': 'a path leaves the repository (directly or through a symlink); skipped',
  'path-missing': 'a configured path, or a symlink target, does not exist',
  'yaml-invalid': 'a document is not valid YAML; its slots are skipped',
  'duplicate-key': 'a document repeats a key in one mapping (tools disagree on which counts); its slots are skipped',
  'annotation-invalid': 'an annotation cannot be read (unknown key, bad value, bad policy or filter); the others still apply',
  'marker-invalid': 'a marker comment cannot be read',
  'marker-not-automated': 'Flux markers outside every ImageUpdateAutomation update.path: not automated',
  'slot-invalid': 'the fields of a slot do not make an image reference',
  'image-invalid': 'an image reference does not follow the reference grammar',
  'policy-invalid': 'a policy string cannot be parsed',
  'policy-not-found': 'a marker names a policy that is neither in the config nor an ImagePolicy in the repo',
  'marker-not-ours': 'a marker names a policy in a namespace tagpilot has no policy in (neither the config nor the repo): left alone, as Flux does (a notice)',
  'digest-invalid': "a digest marker holds a value that is not a digest; the policy's digest replaces it (a notice)",
  'policy-unsupported': 'an ImagePolicy object uses a kind tagpilot does not read',
  'filter-invalid': 'an ignore, min-age or platforms filter cannot be parsed',
  'pattern-invalid': 'a glob or regular expression is refused (invalid, too long, too big once compiled, or a feature the linear-time engine cannot run)',
  'edit-refused': "an edit could not be made byte-exact and verified; that slot is left as it was, the file's other edits are made",
  'edit-bytes-limit': "the files edited this cycle already hold their bound in bytes; this file's edits wait for the next cycle",
  // Holds: why a slot that could move does not
  locked: 'the workload is locked',
  frozen: 'the workload is in a freeze window',
  soaking: 'a newer tag exists but is younger than its minimum age',
  'tag-rejected': 'a person turned this tag down for the slot (a pull request closed unmerged, a revert, a hand edit, a release or rollback): it is never re-applied there, and the slot holds',
  'repo-settings-invalid': "the repository's .tagpilot.yaml cannot be read; its freeze holds every slot under it until it is fixed",
  'current-tag-unranked': 'the current tag cannot be ranked (not in the list, or no build time): the slot is held, never replaced',
  // Git
  'git-failed': 'a Git operation failed in any other way',
  'git-unreachable': 'the Git server could not be reached, or stopped answering',
  'git-deadline': 'a Git operation did not finish within its deadline (git.timeouts.operation)',
  'git-auth-failed': 'the Git server refused the credentials or the deploy key',
  'host-key-rejected': 'the SSH host key is not the one known_hosts lists; nothing was sent',
  'deploy-key-invalid': 'the SSH deploy key cannot be used',
  'git-protocol': 'the Git server sent something that breaks the protocol (a truncated or malformed reply)',
  'pack-corrupt': 'a pack from the Git server is corrupt or truncated',
  'pack-too-large': 'a pack from the Git server is larger than its bound (git.limits)',
  'object-too-large': 'an object is larger than its bound (git.limits.objectBytes in a pack, git.maxFileSize for a file read)',
  'delta-chain-too-deep': 'a delta chain in a pack is deeper than git itself ever writes',
  'advertisement-too-large': 'a ref advertisement is larger than its bound (git.limits.advertisementBytes)',
  'redirect-refused': 'the Git server redirected where tagpilot does not follow (too many hops, https to http, a POST)',
  'git-remote-error': 'the Git server reported an error of its own',
  'git-cache-damaged': 'the local clone (a cache) is damaged; it is dropped and cloned again',
  'branch-missing': 'the remote has no such branch',
  'commit-refused': 'a change names a path that cannot be written (not a regular file, not in the tree)',
  'unsafe-tree-entry': 'a tree entry no checkout would write (.., .git, an unknown mode); skipped',
  'tree-corrupt': 'a tree object in the repository is malformed',
  'tree-too-deep': 'folders in the repository nest deeper than tagpilot follows (64)',
  'object-missing': 'an object the local clone should hold is not in it',
  'object-corrupt': 'an object in the local clone cannot be read (a bad header, truncated, or not the size it says)',
  'push-race-lost': 'the branch moved since we read it; the cycle recomputes on the new head',
  'push-rejected': 'the remote refused our push (a hook, a protected branch)',
  'push-unconfirmed': 'the answer to a push was lost and the branch could not be read back: whether it landed is unknown',
  'signing-key-unusable': 'the commit signing key cannot be read or used',
  // Review flows (pull requests) and their hosting APIs
  'review-branch-human-commit': "a person committed on tagpilot's review branch; tagpilot leaves it alone until it is tagpilot's again",
  'hosting-unauthorized': 'the hosting API refused the token or app (401, or 403 that is no rate limit)',
  'hosting-rate-limited': 'the hosting API is rate limiting (429, or 403 with no requests left)',
  'hosting-not-found': 'the hosting API has no such repository or pull request (404)',
  'hosting-conflict': 'the hosting API says it exists already (409: a pull request for the branch)',
  'hosting-refused': 'the hosting API refused the request, in its own words',
  'hosting-bad-answer': 'the hosting API answered with something that is not the JSON it describes',
  'hosting-unreachable': 'the hosting API could not be reached',
  // The Kubernetes API (docs/kubernetes.md)
  'kube-unauthorized': 'the Kubernetes API refused the ServiceAccount token or kubeconfig credentials (401)',
  'kube-forbidden': "the Kubernetes API's RBAC does not grant the request (403): a rule of config/ is missing",
  'kube-not-found': 'the Kubernetes API has no such object (404)',
  'kube-conflict': 'the object changed since it was read (409): a Lease another replica wrote; read again',
  'kube-invalid': 'the Kubernetes API refused the object as invalid (422)',
  'kube-unavailable': 'the Kubernetes API answered another error status (5xx, 429)',
  'kube-unreachable': 'the Kubernetes API could not be reached, or there is no cluster and no kubeconfig',
  'secret-key-missing': 'a Secret the config names has no such key',
  // Webhook receivers
  'webhook-unauthorized': "a webhook request is not signed with the receiver's secret or does not present its token (401); nothing is read from it",
  'webhook-body-too-large': "a webhook body is larger than the receiver's maxBodyBytes (413); it is not read further",
  'webhook-body-timeout': 'a webhook body did not arrive within its time bound (408)',
  'webhook-payload-invalid': 'an authenticated webhook body is not the JSON its kind of sender sends (400)',
  'webhook-backlog-full': 'too many pushed repositories and branches wait already; the hint is dropped and polling finds the change',
  // After the commit
  'verify-deadline-invalid': "a workload's tagpilot.io/verify annotation is not a duration between 10s and 24h (or off); the config's deadline applies",
  'notify-delivery-failed': 'a notification could not be delivered after its retries (unreachable, refused, 4xx or 5xx); counted, the cycle goes on',
  // Everything else
  'operation-refused': 'a workload operation (lock, unlock, freeze, release, rollback, …) cannot be made: no such slot, or the edit was refused',
  'config-invalid': 'the configuration cannot be read or is invalid',
  usage: 'the command line is wrong',
  'status-api-failed': 'tagpilot status could not read the status API (unreachable, refused, or not the document it describes)',
  cancelled: 'the work was cancelled (shutdown, deadline)',
  'cycle-timeout': "a cycle ran past its automation's cycleTimeout and was cancelled; the watchdog counts it as no finished cycle",
  internal: 'a bug: an error tagpilot did not raise on purpose',
} as const;

export type Code = keyof typeof CODES;

export function isCode(text: string): text is Code {
  return Object.hasOwn(CODES, text);
}

/** Problem codes that mean "held on purpose or by policy" (a newer tag held back), not "something broke": Events say Blocked, notifications held-back. */
export const HOLD_CODES: ReadonlySet<string> = new Set(['locked', 'frozen', 'soaking', 'out-of-range', 'current-tag-unranked', 'no-downgrade', 'review-branch-human-commit']);
