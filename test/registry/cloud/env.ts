/**
 * The clouds' SDKs read their settings from the environment, as they do in a pod: each cloud test
 * file (its own process) points them at its doubles through their documented variables, and
 * removes everything that could reach a real endpoint or read the developer's own files.
 */
export function isolateCloudEnv(dir: string): void {
  for (const name of Object.keys(process.env)) {
    if (/^(AWS_|AZURE_|GOOGLE_|GCE_|GCLOUD|CLOUDSDK_|MSI_|IDENTITY_|IMDS_)/.test(name)) delete process.env[name];
  }
  Object.assign(process.env, {
    AWS_CONFIG_FILE: `${dir}/no-aws-config`,
    AWS_SHARED_CREDENTIALS_FILE: `${dir}/no-aws-credentials`,
    AWS_EC2_METADATA_DISABLED: 'true',
    HOME: dir,
    // google-auth-library: never probe a real metadata server, never read gcloud's files.
    CLOUDSDK_CONFIG: `${dir}/no-gcloud`,
    METADATA_SERVER_DETECTION: 'none',
    // @azure/identity's managed identity: a closed loopback port, never the real IMDS address.
    AZURE_POD_IDENTITY_AUTHORITY_HOST: 'http://127.0.0.1:9',
  });
}

/** Sets the variables for one test and restores them after. */
export async function withEnv<T>(vars: Record<string, string | undefined>, run: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((name) => [name, process.env[name]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  apply(vars);
  try {
    return await run();
  } finally {
    apply(saved);
  }
}
