import { resolve } from 'node:path';
import { checkoutIdentity } from '../git/index.ts';
import { UsageError, type CliIo } from './io.ts';

/**
 * Who runs an operation, for its commit and trailer: `--user`, else the Git identity in the
 * environment (GIT_AUTHOR_NAME, GIT_AUTHOR_EMAIL), else the checkout's `user.name` and
 * `user.email`, else the login name. Without any, the operation is refused: a lock says who.
 */
export async function whoAmI(user: string | undefined, io: CliIo, repo?: string): Promise<string> {
  if (user !== undefined && user.trim() !== '') return user.trim();
  const { GIT_AUTHOR_NAME: name, GIT_AUTHOR_EMAIL: email } = io.env;
  if (name !== undefined && name !== '') return email === undefined || email === '' ? name : `${name} <${email}>`;
  const fromConfig = await checkoutIdentity(resolve(io.cwd, repo ?? '.'));
  if (fromConfig !== undefined) return fromConfig;
  const login = io.env.USER ?? io.env.LOGNAME;
  if (login !== undefined && login !== '') return login;
  throw new UsageError('say who you are with --user "Name <email>" (or set GIT_AUTHOR_NAME and GIT_AUTHOR_EMAIL)');
}
