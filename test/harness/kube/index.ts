export { KubeApi, type ApiCall, type KubeApiOptions } from './api.ts';
export { serviceAccountIdentity, type Identity, type RbacObject } from './rbac.ts';
export { MICRO_TIME, type Fields, type KubeObject } from './validate.ts';
export { renderedObjects, rbacObjects } from './manifests.ts';
