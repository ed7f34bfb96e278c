export class RegistryError extends Error {
  override name = 'RegistryError';
  /** The repository the error is about, as written in the manifests. */
  readonly repository: string;

  constructor(repository: string, message: string, options?: ErrorOptions) {
    super(`${repository}: ${message}`, options);
    this.repository = repository;
  }
}
