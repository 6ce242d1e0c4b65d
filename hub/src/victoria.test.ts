import { describe, expect, it } from 'vitest';
import { UPLINK_VERSION } from '@hazmon/uplink/contract';
import { aggregateLines } from './victoria.ts';

describe('aggregateLines', () => {
  it('writes one line per point and minute, stamped at the minute in ns, tag values escaped, null statistics left out', () => {
    const lines = aggregateLines([
      {
        v: UPLINK_VERSION,
        gateway: 'GW-1',
        minute: 1_796_544_120_000,
        part: 0,
        parts: 1,
        rows: [
          { pointId: 'GD-1.concentration', min: 1, avg: 2.5, max: 4, count: 60, goodCount: 59, completeness: 0.9833 },
          { pointId: 'OPC point, no=1', min: null, avg: null, max: null, count: 3, goodCount: 0, completeness: 0 },
        ],
      },
    ]).split('\n');
    expect(lines).toEqual([
      'hazmon_point,gateway=GW-1,point=GD-1.concentration count=60,good_count=59,completeness=0.9833,min=1,avg=2.5,max=4 1796544120000000000',
      'hazmon_point,gateway=GW-1,point=OPC\\ point\\,\\ no\\=1 count=3,good_count=0,completeness=0 1796544120000000000',
    ]);
  });
});
