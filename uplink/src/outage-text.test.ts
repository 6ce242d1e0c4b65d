import { describe, expect, it } from 'vitest';
import { outageText } from './outage-text.ts';

describe('outageText', () => {
  it("says the hub's outage for the NATS client's misleading sentences and keeps them beside", () => {
    expect(outageText(new Error('jetstream is not enabled'))).toBe("the hub's stream answers no publish: no stream leader at the hub, as while a hub node restarts (NATS: jetstream is not enabled)");
    expect(outageText(new Error('error connecting - node provided an undefined error'))).toMatch(
      /^no answer from the hub's server over the link: .*\(NATS: error connecting - node provided an undefined error\)$/,
    );
  });

  it('keeps every other sentence as it is', () => {
    expect(outageText(new Error('Authorization Violation'))).toBe('Authorization Violation');
  });
});
