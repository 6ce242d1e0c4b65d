import { resolveNodeId } from 'node-opcua';
import { describe, expect, it } from 'vitest';
import { isNodeIdText } from './config.ts';

const VALID = [
  'i=2258',
  'ns=0;i=2258',
  'ns=1;s=TankFarm.T101.Level',
  'ns=1;s=Tank farm T101',
  's=Level',
  'ns=2;g=72962B91-FA75-4AE6-8D28-B404DC7DAF63',
  'g=72962b91-fa75-4ae6-8d28-b404dc7daf63',
  'ns=3;b=M/RbKBsRVkePCePcx24oRA==',
  'ns=65535;i=4294967295',
];

const INVALID = ['TankFarm T101', '', 'i=', 'i=12a', 's=', 'ns=1;', 'ns=x;s=Level', 'ns=65536;i=1', 'i=4294967296', 'g=72962B91-FA75-4AE6-8D28', 'ns=1;x=Level', ' ns=1;s=Level'];

describe('isNodeIdText', () => {
  it('accepts the NodeId forms of OPC UA Part 6, each of which node-opcua also resolves to what the text says', () => {
    for (const text of VALID) {
      expect(isNodeIdText(text), text).toBe(true);
      expect(resolveNodeId(text).toString(), text).toMatch(/^ns=\d+;[isgb]=/);
    }
  });

  it('refuses text that is not a NodeId, out-of-range namespaces and numeric identifiers', () => {
    for (const text of INVALID) expect(isNodeIdText(text), JSON.stringify(text)).toBe(false);
  });
});
