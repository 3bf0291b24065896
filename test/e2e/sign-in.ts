import type { Page } from 'playwright-core';
import type { E2eUser } from './region-server.js';

/**
 * Signs in through the sign-in page, as a person does: opening `path` on `baseUrl` sends a
 * stranger there first, and signing in brings them back to it.
 */
export async function signInThroughPage(page: Page, baseUrl: string, user: E2eUser, path = '/'): Promise<void> {
  await page.goto(`${baseUrl}${path}`);
  await page.waitForURL((u) => u.pathname === '/signin');
  await page.getByLabel('Username').fill(user.username);
  await page.getByLabel('Password').fill(user.password);
  await Promise.all([page.waitForURL((u) => u.pathname === new URL(path, baseUrl).pathname), page.getByRole('button', { name: 'Sign in' }).click()]);
}
