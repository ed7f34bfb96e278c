/** A Deployment with one container and the given annotations (values always quoted). */
export function deployment(name: string, image: string, annotations: Readonly<Record<string, string>>, container = name): string {
  const lines = Object.entries(annotations).map(([key, value]) => `    ${key}: "${value}"`);
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  annotations:
${lines.join('\n')}
spec:
  template:
    spec:
      containers:
        - name: ${container}
          image: ${image}
`;
}

/** A Deployment automated by tagpilot: its container named like it follows `policy`. */
export function automated(name: string, image: string, policy: string): string {
  return deployment(name, image, { 'tagpilot.io/automated': 'true', [`tagpilot.io/tag.${name}`]: policy });
}
