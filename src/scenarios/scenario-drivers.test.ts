import { describe, expect, it } from 'vitest';
import { ALL_NOTIFICATION_TYPES, loadDriver, notificationTypesOf, SCENARIO_PROVIDERS } from './scenario-drivers.js';

describe('the scenario drivers table', () => {
  it("lists each provider's notification types exactly as its driver does", async () => {
    expect(SCENARIO_PROVIDERS[0]).toBe('paycli');
    for (const name of SCENARIO_PROVIDERS) {
      const driver = await loadDriver(name);
      expect(driver.provider).toBe(name);
      expect([...notificationTypesOf(name)]).toEqual([...driver.notificationTypes]);
    }
    expect(ALL_NOTIFICATION_TYPES).toEqual(expect.arrayContaining(['payment.succeeded', 'payment_intent.succeeded']));
  });

  it('refuses a provider scenarios cannot drive, naming those they can', async () => {
    await expect(loadDriver('nope')).rejects.toMatchObject({ code: 'invalid_usage', hint: `Scenario providers: ${SCENARIO_PROVIDERS.join(', ')}.` });
  });
});
