import { chromium, type Browser, type BrowserContext } from 'playwright-core'

/**
 * Debian's Chromium driven by playwright-core (never a downloaded browser). The flags keep it off the
 * network this machine does not have.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  })
}

/**
 * axe is injected as a script, which our CSP forbids: contexts that run axe bypass CSP. A separate context
 * with the real CSP checks that the page itself causes no violations (see the CSP spec).
 */
export async function axeContext(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({ bypassCSP: true })
}
