export interface GitAuth {
  username: string;
  password: string;
}

export interface GitRemote {
  url: string;
  branch: string;
  auth?: GitAuth;
}

export interface GitAuthor {
  name: string;
  email: string;
}

export class GitError extends Error {
  override name = 'GitError';
}

/** A push the remote refused; `lostRace` means someone else moved the branch first. */
export class PushRejected extends GitError {
  override name = 'PushRejected';
  readonly lostRace: boolean;

  constructor(message: string, lostRace: boolean) {
    super(message);
    this.lostRace = lostRace;
  }
}

/** The URL without any userinfo, for messages. */
export function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return '(invalid URL)';
  }
}
